"""Data map of stored idempotent answers."""

from deskwerk.privacy.datamap import KEY, TENANT, Action, Category, Personal, declare

RETENTION = "IDEMPOTENCY_KEY_TTL_HOURS (default 24 h); deleted at erasure"


def _answer(category: Category, purpose: str) -> Personal:
    return Personal(category, purpose, RETENTION, on_erasure=Action.DELETE_ROW)


declare(
    "api.IdempotencyKey",
    description="The first answer to a request with an Idempotency-Key, for safe retries.",
    links=("user",),
    fields={
        "id": KEY,
        "tenant": TENANT,
        "user": KEY,
        "key": _answer(Category.DEVICE, "recognising a client's retry"),
        "request_hash": _answer(Category.DEVICE, "recognising a client's retry"),
        "status_code": _answer(Category.BOOKING, "replaying the answer"),
        "response_body": _answer(Category.BOOKING, "replaying the answer (holds the booking)"),
        "created_at": _answer(Category.DEVICE, "expiry of the stored answer"),
    },
)
