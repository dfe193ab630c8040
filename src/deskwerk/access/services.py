"""API tokens and the permission checks every service uses."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from deskwerk.access.models import ApiToken
from deskwerk.accounts.models import User
from deskwerk.accounts.services import user_is_admin
from deskwerk.audit.services import audit_record
from deskwerk.core.errors import Forbidden, InvalidInput

TOKEN_PREFIX = "dwk_"  # noqa: S105 - a public prefix, not a secret

# Scope -> what it allows. Sessions act with every scope their role permits.
SCOPES: dict[str, str] = {
    "bookings:read": "read the caller's bookings and availability",
    "bookings:write": "create, change and cancel bookings",
    "spaces:read": "read locations, buildings, floors, zones, resources and amenities",
    "spaces:admin": "create, change and delete spaces (administrators only)",
    "privacy:admin": "records of processing, data-subject requests (administrators only)",
    "audit:read": "read and export the tenant's audit log (administrators only)",
    "notify:admin": "read the tenant's outgoing e-mail log (administrators only)",
    "sessions:admin": "list and end other people's sessions (administrators only)",
    "roles:admin": "grant, approve, reject and revoke roles; the role report",
}
# Scopes only administrators may hold and use: every ":admin" scope, and reading the audit log
# (a read, but of everyone's actions).
ADMIN_SCOPES = frozenset(s for s in SCOPES if s.endswith(":admin")) | {"audit:read"}
DEFAULT_SCOPES = ["bookings:read", "bookings:write", "spaces:read"]
# The permission (deskwerk.access.roles.PERMISSIONS) a person needs to hold and use a scope.
SCOPE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "spaces:admin": ("spaces.manage",),
    "privacy:admin": ("privacy.requests", "privacy.settings", "privacy.records"),
    "audit:read": ("audit.read",),
    "notify:admin": ("notify.read",),
    "sessions:admin": ("sessions.manage",),
    "roles:admin": ("roles.grant", "audit.read"),
}
assert set(SCOPE_PERMISSIONS) == ADMIN_SCOPES


def may_hold_scope(user: User, scope: str) -> bool:
    """Whether one of the person's roles allows a permission behind ``scope``."""
    from deskwerk.access.roles import has_permission

    return any(has_permission(user, p) for p in SCOPE_PERMISSIONS.get(scope, ()))


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def _hash(secret: str) -> str:
    # Tokens are 32 random bytes: a fast hash is enough, no salt or stretching needed.
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(
    *,
    user: User,
    name: str,
    scopes: list[str] | None = None,
    expires_at: dt.datetime | None = None,
    actor: User | None = None,
) -> IssuedToken:
    """Issue a personal token for ``user``. The plain secret is returned once."""
    scopes = sorted(set(scopes if scopes is not None else DEFAULT_SCOPES))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise InvalidInput(f"unknown scopes: {', '.join(unknown)}", code="invalid_scope")
    admin_only = [s for s in scopes if s in ADMIN_SCOPES and not may_hold_scope(user, s)]
    if admin_only:
        raise Forbidden(
            f"only administrators may hold {', '.join(admin_only)}", code="scope_not_allowed"
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidInput("expires_at must be in the future")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.unscoped.create(
            tenant_id=user.tenant_id,
            user=user,
            name=name[:100] or "token",
            prefix=secret[:12],
            token_hash=_hash(secret),
            scopes=scopes,
            expires_at=expires_at,
        )
        audit_record(
            tenant=user.tenant,
            actor=actor or user,
            action="api_token.create",
            obj=token,
            changed_fields=["name", "scopes", "expires_at"],
        )
    return IssuedToken(token=token, secret=secret)


def token_authenticate(secret: str) -> ApiToken | None:
    """The live token for this secret, with its user and tenant loaded; None otherwise."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = (
        ApiToken.unscoped.select_related("user__tenant", "user__membership")
        .filter(token_hash=_hash(secret), revoked_at__isnull=True)
        .first()
    )
    now = timezone.now()
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        return None
    # The token's tenant is its user's: one row, loaded once (no second tenant query).
    assert token.tenant_id == token.user.tenant_id
    token.tenant = token.user.tenant
    if not token.user.is_active or not token.tenant.is_active:
        return None
    # Record last use at most once a minute, to keep reads cheap.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.unscoped.filter(pk=token.pk).update(last_used_at=now)
    return token


def require_admin(actor: User) -> None:
    """Owners only. Prefer ``deskwerk.access.roles.require_permission`` with a named permission;
    this stays for callers whose question really is "is this the tenant's owner"."""
    if not user_is_admin(actor):
        raise Forbidden("administrators only")
