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


# django-allauth's models. They carry no tenant column: every row hangs off a user, and a
# user belongs to exactly one tenant.
def _allauth(category: Category, purpose: str) -> Personal:
    return Personal(category, purpose, ACCOUNT_RETENTION, on_erasure=Action.DELETE_ROW)


declare(
    "account.EmailAddress",
    description="allauth's record of a person's e-mail address (mirrors the account's).",
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
        "data": _allauth(Category.ACCOUNT, "the factor's secret or public key (encrypted)"),
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
        "provider": _allauth(Category.ACCOUNT, "which identity provider (per tenant)"),
        "uid": _allauth(Category.ACCOUNT, "the person's subject id at the identity provider"),
        "last_login": _allauth(Category.USAGE, "last single sign-on"),
        "date_joined": _allauth(Category.USAGE, "first single sign-on"),
        "extra_data": _allauth(
            Category.MASTER, "claims of the last ID token (name, e-mail, groups)"
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
