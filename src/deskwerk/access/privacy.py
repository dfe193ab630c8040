"""Data map of API tokens."""

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

RETENTION = "until revoked or expired; deleted at erasure"


def _token(category: Category, purpose: str) -> Personal:
    return Personal(category, purpose, RETENTION, on_erasure=Action.DELETE_ROW)


declare(
    "access.ApiToken",
    description="Personal and tenant service API tokens (only a hash of the secret is kept).",
    # The holder first (None for service tokens); the issuer is a reference cut at erasure.
    links=("user", "created_by"),
    fields={
        "id": KEY,
        "tenant": TENANT,
        "user": KEY,
        "kind": NotPersonal("personal or tenant service token"),
        "created_by": _token(Category.ACCOUNT, "accountability: who issued the token"),
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

GRANT_RETENTION = "as long as the account; the person's grants are deleted at erasure"


def _grant(category: Category, purpose: str) -> Personal:
    return Personal(category, purpose, GRANT_RETENTION, on_erasure=Action.DELETE_ROW)


declare(
    "access.RoleGrant",
    description="Role grants: who held which role, since when, granted and approved by whom.",
    # The grantee first; the granter, approver and revoker are references cut at their erasure.
    links=("user", "granted_by", "approved_by", "revoked_by"),
    fields={
        "id": KEY,
        "tenant": TENANT,
        "user": KEY,
        "role": _grant(Category.ACCOUNT, "authorisation (role concept)"),
        "state": _grant(Category.ACCOUNT, "authorisation (role concept)"),
        "granted_by": _grant(Category.ACCOUNT, "documentation: who granted the role"),
        "approved_by": _grant(Category.ACCOUNT, "documentation: four-eyes approval"),
        "revoked_by": _grant(Category.ACCOUNT, "documentation: who ended the role"),
        "created_at": _grant(Category.ACCOUNT, "documentation of who held which role when"),
        "activated_at": _grant(Category.ACCOUNT, "documentation of who held which role when"),
        "expires_at": _grant(Category.ACCOUNT, "time-limited roles"),
        "revoked_at": _grant(Category.ACCOUNT, "documentation of who held which role when"),
        "warning": _grant(Category.ACCOUNT, "documentation of grants without four-eyes"),
    },
)

declare(
    "access.RateLimitCounter",
    description="API request counts per caller and minute, for rate limiting.",
    fields={
        "id": KEY,
        # An opaque "t:<tenant>:<token id>" or "u:<tenant>:<account id>": a number, no content,
        # deleted when the caller's next minute starts (at most a few minutes old).
        "bucket": NotPersonal("technical counter key of a token or account, kept minutes"),
        "window_start": TECHNICAL,
        "hits": TECHNICAL,
    },
)
