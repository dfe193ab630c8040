"""Data map of the privacy app itself and of third-party models."""

from deskwerk.privacy.datamap import (
    KEY,
    TECHNICAL,
    TENANT,
    Action,
    Category,
    Hold,
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

# Sessions (formerly django.contrib.sessions) are declared in websessions/privacy.py.

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

REQUEST_HOLD = Hold(
    reason=(
        "accountability (Art. 5 (2), 12 (3) GDPR): proof that a data-subject request was "
        "received and answered in time"
    ),
    period="3 years after the request was closed (REQUEST_RETENTION_DAYS), then purged",
)
REQUEST_RETENTION = "3 years after the request was closed, then purged"


def _request(category: Category, purpose: str) -> Personal:
    return Personal(
        category, purpose, REQUEST_RETENTION, on_erasure=Action.LEGAL_HOLD, hold=REQUEST_HOLD
    )


declare(
    "privacy.DataSubjectRequest",
    description="Data-subject requests (access, rectification, erasure, restriction).",
    links=("subject", "created_by"),
    fields={
        "id": KEY,
        "tenant": TENANT,
        "subject": Personal(
            Category.ACCOUNT,
            "whose request it is",
            REQUEST_RETENTION,
            on_erasure=Action.PSEUDONYMISE,
        ),
        "person_pseudonym": _request(Category.ACCOUNT, "whose request it was, after erasure"),
        "kind": _request(Category.CONTRACT, "what the person asked for"),
        "source": _request(Category.CONTRACT, "how the request arrived"),
        "status": _request(Category.CONTRACT, "where the request stands"),
        "received_at": _request(Category.CONTRACT, "start of the one-month deadline"),
        "due_at": _request(Category.CONTRACT, "the deadline (Art. 12 (3))"),
        "completed_at": _request(Category.CONTRACT, "when it was answered"),
        "reminded_at": _request(Category.CONTRACT, "when administrators were reminded"),
        "note": Personal(
            Category.CONTENT,
            "the request in the words of whoever entered it",
            REQUEST_RETENTION,
            on_erasure=Action.CLEAR,
        ),
        "reason": _request(Category.CONTENT, "why a request was rejected"),
        "result": _request(
            Category.CONTRACT, "what was done: legal holds kept, bookings cancelled"
        ),
        "created_by": Personal(
            Category.ACCOUNT,
            "who entered the request",
            REQUEST_RETENTION,
            on_erasure=Action.PSEUDONYMISE,
        ),
    },
)

declare(
    "privacy.RequestEvent",
    description="Status history of data-subject requests.",
    links=("actor_id",),
    fields={
        "id": KEY,
        "tenant": TENANT,
        "request": KEY,
        "at": _request(Category.CONTRACT, "when the status changed"),
        "actor_id": _request(Category.CONTRACT, "who changed it (an id, not a name)"),
        "status": _request(Category.CONTRACT, "the new status"),
        "reason": _request(Category.CONTENT, "why (for rejections)"),
    },
)
