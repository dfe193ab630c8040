"""Data map of the tenants' identity providers (configuration, no personal data).

What single sign-on stores about people lives in allauth's ``socialaccount.SocialAccount``
(declared in ``deskwerk.accounts.privacy``), in the account itself and in the role grants.
"""

from deskwerk.privacy.datamap import KEY, TECHNICAL, TENANT, NotPersonal, declare

CONFIG = NotPersonal("configuration of the tenant's identity provider, not about a person")

declare(
    "sso.IdentityProvider",
    description="A tenant's OpenID Connect identity provider for single sign-on.",
    fields={
        "id": KEY,
        "tenant": TENANT,
        "slug": CONFIG,
        "protocol": CONFIG,
        "name": CONFIG,
        "issuer": CONFIG,
        "client_id": CONFIG,
        "secret_key_id": TECHNICAL,
        "secret_blob": NotPersonal("the client secret, encrypted (AES-GCM under DATA_KEYS)"),
        "allowed_domains": CONFIG,
        "jit_create": CONFIG,
        "default_role": CONFIG,
        "group_claim": CONFIG,
        "role_map": NotPersonal("group names of the organisation mapped to roles"),
        "enabled": CONFIG,
        "created_at": TECHNICAL,
        "updated_at": TECHNICAL,
    },
)
