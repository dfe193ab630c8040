"""Data map of the privacy app itself and of third-party models."""

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

declare(
    "privacy.PseudonymSecret",
    description="The tenant's key for pseudonyms.",
    fields={
        "id": KEY,
        "tenant": TENANT,
        "key": NotPersonal("a random key"),
        "created_at": TECHNICAL,
    },
)

SESSION_RETENTION = "until sign-out or expiry (SESSION_COOKIE_AGE); deleted at erasure"
declare(
    "sessions.Session",
    description="Server-side sessions of signed-in browsers (they name the account id).",
    fields={
        "session_key": Personal(
            Category.DEVICE,
            "recognising the signed-in browser",
            SESSION_RETENTION,
            on_erasure=Action.DELETE_ROW,
        ),
        "session_data": Personal(
            Category.ACCOUNT, "who is signed in", SESSION_RETENTION, on_erasure=Action.DELETE_ROW
        ),
        "expire_date": Personal(
            Category.DEVICE, "session expiry", SESSION_RETENTION, on_erasure=Action.DELETE_ROW
        ),
    },
)

FRAMEWORK = NotPersonal("framework bookkeeping of models and permissions")
declare(
    "contenttypes.ContentType",
    description="Django's model registry.",
    fields={"id": KEY, "app_label": FRAMEWORK, "model": FRAMEWORK},
)
declare(
    "auth.Permission",
    description="Django's permission names (unused by Deskwerk roles).",
    fields={"id": KEY, "name": FRAMEWORK, "content_type": FRAMEWORK, "codename": FRAMEWORK},
)
declare(
    "auth.Group",
    description="Django's groups (unused; roles live in accounts).",
    fields={"id": KEY, "name": FRAMEWORK, "permissions": FRAMEWORK},
)
