"""Data map of people's accounts, contact details and memberships."""

from deskwerk.privacy.datamap import (
    KEY,
    TECHNICAL,
    TENANT,
    Action,
    Category,
    NotPersonal,
    Personal,
    declare,
)

ACCOUNT_RETENTION = "while the person has an account; deleted at erasure or tenant offboarding"

declare(
    "accounts.User",
    description="One account per person per tenant.",
    links=("id",),
    fields={
        "id": KEY,
        "tenant": TENANT,
        "email": Personal(
            Category.ACCOUNT,
            "sign-in name; address for booking confirmations",
            ACCOUNT_RETENTION,
            on_erasure=Action.DELETE_ROW,
        ),
        "full_name": Personal(
            Category.MASTER,
            "shown to colleagues and administrators with bookings",
            ACCOUNT_RETENTION,
            on_erasure=Action.DELETE_ROW,
        ),
        "password": Personal(
            Category.ACCOUNT,
            "authentication (salted Argon2id hash, never the password)",
            ACCOUNT_RETENTION,
            on_erasure=Action.DELETE_ROW,
        ),
        "last_login": Personal(
            Category.USAGE,
            "security: spotting unused and misused accounts",
            ACCOUNT_RETENTION,
            on_erasure=Action.DELETE_ROW,
        ),
        "is_active": Personal(
            Category.ACCOUNT, "access control", ACCOUNT_RETENTION, on_erasure=Action.DELETE_ROW
        ),
        "restricted_at": Personal(
            Category.ACCOUNT,
            "restriction of processing (Art. 18) in force since",
            ACCOUNT_RETENTION,
            on_erasure=Action.DELETE_ROW,
        ),
        "password_changed_at": Personal(
            Category.ACCOUNT,
            "security: the tenant's maximum password age, if it sets one",
            ACCOUNT_RETENTION,
            on_erasure=Action.DELETE_ROW,
        ),
        "date_joined": Personal(
            Category.ACCOUNT,
            "account administration",
            ACCOUNT_RETENTION,
            on_erasure=Action.DELETE_ROW,
        ),
        "language": Personal(
            Category.PROFILE,
            "the language of pages and e-mails the person chose",
            ACCOUNT_RETENTION,
            on_erasure=Action.DELETE_ROW,
        ),
    },
)

declare(
    "accounts.ContactDetails",
    description="Contact data, in a table of its own (Annex 1 I.6).",
    links=("user",),
    fields={
        "id": KEY,
        "tenant": TENANT,
        "user": KEY,
        "phone": Personal(
            Category.CONTACT,
            "reaching the person about bookings and visitors",
            ACCOUNT_RETENTION,
            on_erasure=Action.DELETE_ROW,
        ),
        "mobile": Personal(
            Category.CONTACT,
            "reaching the person about bookings and visitors",
            ACCOUNT_RETENTION,
            on_erasure=Action.DELETE_ROW,
        ),
        "org_unit": Personal(
            Category.MASTER,
            "finding colleagues; authorised persons' unit",
            ACCOUNT_RETENTION,
            on_erasure=Action.DELETE_ROW,
        ),
    },
)

declare(
    "accounts.Membership",
    description="A person's role in their tenant.",
    links=("user",),
    fields={
        "id": KEY,
        "tenant": TENANT,
        "user": KEY,
        "role": Personal(
            Category.ACCOUNT,
            "authorisation (role concept)",
            ACCOUNT_RETENTION,
            on_erasure=Action.DELETE_ROW,
        ),
        "created_at": Personal(
            Category.ACCOUNT,
            "documentation of who held which role when",
            ACCOUNT_RETENTION,
            on_erasure=Action.DELETE_ROW,
        ),
    },
)

COUNTER_RETENTION = (
    "until its window and lockout are over (at most 24 hours), then purged hourly; "
    "deleted at erasure"
)


def _counter(purpose: str) -> Personal:
    return Personal(Category.USAGE, purpose, COUNTER_RETENTION, on_erasure=Action.DELETE_ROW)


declare(
    "accounts.LoginCounter",
    description="Failed sign-ins per account and per IP address (brute-force lockout).",
    links=("user",),
    fields={
        "id": KEY,
        "tenant": TENANT,
        "kind": NotPersonal("whether the row counts an account or an IP address"),
        "key": _counter(
            "security: recognising repeated attempts (keyed hash of the e-mail address or of "
            "the full IP address; neither is stored)"
        ),
        "user": _counter("the account the attempts targeted, for the lockout notice"),
        "failures": _counter("security: failed sign-ins in the window"),
        "window_started_at": _counter("security: when the counting window began"),
        "locked_until": _counter("security: end of a temporary lockout"),
    },
)


INVITATION_RETENTION = (
    "pending: until accepted, revoked or expired; an invitation never accepted is deleted 30 "
    "days after it expired or was revoked (daily purge); an accepted one is kept as the record "
    "of how the account came to be and deleted with the account"
)


def _invitation(category: Category, purpose: str) -> Personal:
    return Personal(category, purpose, INVITATION_RETENTION, on_erasure=Action.DELETE_ROW)


declare(
    "accounts.Invitation",
    description="An administrator's invitation to join the tenant (the only way besides SSO).",
    links=("account", "invited_by"),
    fields={
        "id": KEY,
        "tenant": TENANT,
        "email": _invitation(
            Category.ACCOUNT, "the sign-in name of the account to be; where the link is sent"
        ),
        "full_name": _invitation(Category.MASTER, "greeting in the invitation; the new account"),
        "role": _invitation(Category.ACCOUNT, "the role the new account gets"),
        "language": _invitation(Category.PROFILE, "language of the invitation e-mail"),
        "token_hash": _invitation(
            Category.ACCOUNT, "recognising the link (SHA-256 of its secret; the secret is not kept)"
        ),
        "created_at": _invitation(Category.ACCOUNT, "documentation: when the person was invited"),
        "expires_at": _invitation(Category.ACCOUNT, "the link's expiry (seven days)"),
        "invited_by": _invitation(
            Category.ACCOUNT, "documentation: which administrator invited the person"
        ),
        "accepted_at": _invitation(Category.ACCOUNT, "single use: when the link was used"),
        "account": _invitation(Category.ACCOUNT, "the account the invitation became"),
        "revoked_at": _invitation(Category.ACCOUNT, "when an administrator withdrew it"),
    },
)


# django-allauth's models. They carry no tenant column: every row hangs off a user, and a
# user belongs to exactly one tenant.
def _allauth(category: Category, purpose: str) -> Personal:
    return Personal(category, purpose, ACCOUNT_RETENTION, on_erasure=Action.DELETE_ROW)


declare(
    "account.EmailAddress",
    description=(
        "allauth's record of a person's e-mail address. Deskwerk's flows create none (the "
        "address lives on the account; decision 0019); allauth's MFA or SSO flows may mirror "
        "the account's address here."
    ),
    links=("user",),
    fields={
        "id": KEY,
        "user": _allauth(Category.ACCOUNT, "whose address it is"),
        "email": _allauth(Category.ACCOUNT, "sign-in name and address for notices"),
        "verified": _allauth(Category.ACCOUNT, "whether the address was confirmed"),
        "primary": _allauth(Category.ACCOUNT, "the address notices go to"),
    },
)
declare(
    "account.EmailConfirmation",
    description="Pending e-mail confirmations (unused: addresses come from invitations or SSO).",
    links=(),
    fields={
        "id": KEY,
        "email_address": _allauth(Category.ACCOUNT, "the address being confirmed"),
        "created": _allauth(Category.USAGE, "when the confirmation was created"),
        "sent": _allauth(Category.USAGE, "when it was sent"),
        "key": _allauth(Category.ACCOUNT, "the confirmation secret"),
    },
)
declare(
    "mfa.Authenticator",
    description="Second factors: TOTP secrets, WebAuthn credentials, recovery codes.",
    links=("user",),
    fields={
        "id": KEY,
        "user": _allauth(Category.ACCOUNT, "whose second factor it is"),
        "type": _allauth(Category.ACCOUNT, "TOTP, WebAuthn or recovery codes"),
        "data": _allauth(
            Category.ACCOUNT,
            "TOTP secret and recovery-code seed (AES-GCM under DATA_KEYS), the last used TOTP "
            "step, used-code marks; WebAuthn: key name and public-key credential",
        ),
        "created_at": _allauth(Category.USAGE, "when the factor was added"),
        "last_used_at": _allauth(Category.USAGE, "security: spotting unused factors"),
    },
)
declare(
    "socialaccount.SocialApp",
    description="allauth's stored identity-provider apps (unused: SSO is configured per tenant).",
    fields={
        "id": KEY,
        "provider": TECHNICAL,
        "provider_id": TECHNICAL,
        "name": TECHNICAL,
        "client_id": TECHNICAL,
        "secret": TECHNICAL,
        "key": TECHNICAL,
        "settings": TECHNICAL,
    },
)
declare(
    "socialaccount.SocialAccount",
    description="A person's link to the tenant's identity provider (single sign-on).",
    links=("user",),
    fields={
        "id": KEY,
        "user": _allauth(Category.ACCOUNT, "whose link it is"),
        "provider": _allauth(
            Category.ACCOUNT, "which identity provider: 't<tenant id>-<provider slug>'"
        ),
        "uid": _allauth(Category.ACCOUNT, "the person's subject id ('sub') at the provider"),
        "last_login": _allauth(Category.USAGE, "last single sign-on"),
        "date_joined": _allauth(Category.USAGE, "first single sign-on"),
        "extra_data": _allauth(
            Category.MASTER,
            "single sign-on: the verified claims of the last ID token and the userinfo answer "
            "('id_token', 'userinfo'): subject, e-mail and whether the IdP verified it, name, "
            "given and family name, the group claim, issuer, audience, nonce, times; plus "
            "whatever else the IdP releases for the scopes 'openid profile email' (e.g. "
            "picture URL, locale). Replaced at every sign-on",
        ),
    },
)
declare(
    "socialaccount.SocialToken",
    description="Provider access tokens (not stored: SOCIALACCOUNT_STORE_TOKENS is off).",
    links=(),
    fields={
        "id": KEY,
        "app": TECHNICAL,
        "account": _allauth(Category.ACCOUNT, "whose token it would be"),
        "token": _allauth(Category.ACCOUNT, "access token"),
        "token_secret": _allauth(Category.ACCOUNT, "refresh token"),
        "expires_at": _allauth(Category.ACCOUNT, "token expiry"),
    },
)
