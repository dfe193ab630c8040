"""Data map of API tokens."""

from deskwerk.privacy.datamap import KEY, TENANT, Action, Category, Personal, declare

RETENTION = "until revoked or expired; deleted at erasure"


def _token(category: Category, purpose: str) -> Personal:
    return Personal(category, purpose, RETENTION, on_erasure=Action.DELETE_ROW)


declare(
    "access.ApiToken",
    description="Personal API tokens (only a hash of the secret is kept).",
    links=("user",),
    fields={
        "id": KEY,
        "tenant": TENANT,
        "user": KEY,
        "name": _token(Category.CONTENT, "the person's label for the token"),
        "prefix": _token(Category.ACCOUNT, "recognising a token without its secret"),
        "token_hash": _token(Category.ACCOUNT, "authentication"),
        "scopes": _token(Category.ACCOUNT, "authorisation"),
        "created_at": _token(Category.ACCOUNT, "token administration"),
        "expires_at": _token(Category.ACCOUNT, "token administration"),
        "last_used_at": _token(Category.USAGE, "security: spotting unused tokens"),
        "revoked_at": _token(Category.ACCOUNT, "token administration"),
    },
)
