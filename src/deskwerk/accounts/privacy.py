"""Data map of people's accounts, contact details and memberships."""

from deskwerk.privacy.datamap import (
    KEY,
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
