"""Data map of server-side sessions."""

from deskwerk.privacy.datamap import KEY, TENANT, Action, Category, NotPersonal, Personal, declare

SESSION_RETENTION = (
    "until sign-out, the tenant's idle or absolute timeout, deactivation or suspension; "
    "expired rows purged daily; deleted at erasure"
)


def _session(category: Category, purpose: str) -> Personal:
    return Personal(category, purpose, SESSION_RETENTION, on_erasure=Action.DELETE_ROW)


declare(
    "websessions.WebSession",
    description="Signed-in browsers (server-side sessions, data encrypted).",
    links=("user",),
    fields={
        "id": KEY,
        "public_id": NotPersonal("random id naming the session in the API"),
        "key_hash": _session(
            Category.DEVICE, "recognising the signed-in browser (SHA-256 of its cookie)"
        ),
        "tenant": TENANT,
        "user": _session(Category.ACCOUNT, "who is signed in"),
        "created_at": _session(Category.USAGE, "sign-in time; the absolute timeout"),
        "last_activity": _session(Category.USAGE, "the idle timeout; shown to the person"),
        "expires_at": _session(Category.USAGE, "when the session ends at the latest"),
        "device": _session(
            Category.DEVICE, "browser family and system, so people recognise their sessions"
        ),
        "ip": _session(Category.DEVICE, "truncated IP address, shown to the person"),
        "key_id": NotPersonal("which data key encrypted the row"),
        "data": _session(Category.ACCOUNT, "the signed-in state (AES-256-GCM encrypted)"),
    },
)
