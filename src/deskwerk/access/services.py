"""API tokens and the permission checks every service uses."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from deskwerk.access.models import ApiToken
from deskwerk.accounts.models import User
from deskwerk.audit.services import audit_record
from deskwerk.core.errors import Conflict, Forbidden, InvalidInput, NotFound

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
    "tokens:admin": "list, create and revoke the tenant's service tokens (administrators only)",
    "processor:admin": "the tenant's authorised persons (administrators only)",
    "operator:admin": "the operator console: tenants' lifecycle, subprocessors (operator staff)",
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
    "tokens:admin": ("tokens.manage",),
    "processor:admin": ("processor.manage",),
    "operator:admin": ("operator.tenants", "operator.subprocessors", "operator.breaches"),
}
assert set(SCOPE_PERMISSIONS) == ADMIN_SCOPES

# The scopes a tenant service token may carry, and exactly the permissions each one gives it
# (a service token has no roles). Booking for people needs ``bookings:write``; scopes whose
# endpoints are about "the caller's own" data (reading bookings, sessions, requests) or that
# hand out power over people (roles, sessions, privacy) are for people only.
SERVICE_SCOPE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "bookings:write": ("bookings.book", "bookings.book_for_others", "bookings.manage_others"),
    "spaces:read": (),
    "spaces:admin": ("spaces.manage",),
}
SERVICE_DEFAULT_SCOPES = ["bookings:write", "spaces:read"]


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


def _max_expiry() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=settings.API_TOKEN_MAX_DAYS)


def _check_expiry(expires_at: dt.datetime | None, *, personal: bool) -> None:
    if expires_at is None:
        return
    if expires_at.tzinfo is None:
        raise InvalidInput("expires_at needs an offset")
    if expires_at <= timezone.now():
        raise InvalidInput("expires_at must be in the future")
    if personal and expires_at > _max_expiry():
        raise InvalidInput(
            f"personal tokens expire within {settings.API_TOKEN_MAX_DAYS} days",
            code="expiry_too_far",
        )


def _issue(
    *,
    tenant_id: int,
    user: User | None,
    kind: str,
    name: str,
    scopes: list[str],
    expires_at: dt.datetime | None,
    actor: User,
    action: str,
) -> IssuedToken:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.unscoped.create(
            tenant_id=tenant_id,
            user=user,
            kind=kind,
            created_by=actor,
            name=name[:100] or "token",
            prefix=secret[:12],
            token_hash=_hash(secret),
            scopes=scopes,
            expires_at=expires_at,
        )
        audit_record(
            tenant=actor.tenant,
            actor=actor,
            action=action,
            obj=token,
            changed_fields=["name", "kind", "scopes", "expires_at"],
        )
    return IssuedToken(token=token, secret=secret)


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
    _check_expiry(expires_at, personal=True)
    return _issue(
        tenant_id=user.tenant_id,
        user=user,
        kind=ApiToken.Kind.PERSONAL,
        name=name,
        scopes=scopes,
        expires_at=expires_at,
        actor=actor or user,
        action="api_token.create",
    )


def service_token_create(
    *,
    actor: User,
    name: str,
    scopes: list[str] | None = None,
    expires_at: dt.datetime | None = None,
) -> IssuedToken:
    """Issue a tenant service token (needs ``tokens.manage``). Its scopes are limited to
    ``SERVICE_SCOPE_PERMISSIONS`` and to what the issuer may do themselves."""
    from deskwerk.access.roles import has_permission, require_permission

    require_permission(actor, "tokens.manage")
    scopes = sorted(set(scopes if scopes is not None else SERVICE_DEFAULT_SCOPES))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise InvalidInput(f"unknown scopes: {', '.join(unknown)}", code="invalid_scope")
    refused = [
        s
        for s in scopes
        if s not in SERVICE_SCOPE_PERMISSIONS
        or not all(has_permission(actor, p) for p in SERVICE_SCOPE_PERMISSIONS[s])
    ]
    if refused:
        raise Forbidden(
            f"a service token may not hold {', '.join(refused)}", code="scope_not_allowed"
        )
    _check_expiry(expires_at, personal=False)
    return _issue(
        tenant_id=actor.tenant_id,
        user=None,
        kind=ApiToken.Kind.SERVICE,
        name=name,
        scopes=scopes,
        expires_at=expires_at,
        actor=actor,
        action="api_token.create_service",
    )


def tokens_of_person(*, actor: User) -> list[ApiToken]:
    """The caller's own personal tokens, newest first (revoked and expired ones included)."""
    return list(
        ApiToken.unscoped.filter(
            tenant_id=actor.tenant_id, user_id=actor.pk, kind=ApiToken.Kind.PERSONAL
        ).order_by("-created_at", "-pk")
    )


def service_tokens(*, actor: User) -> list[ApiToken]:
    """The tenant's service tokens, newest first (needs ``tokens.manage``)."""
    from deskwerk.access.roles import require_permission

    require_permission(actor, "tokens.manage")
    return list(
        ApiToken.unscoped.filter(tenant_id=actor.tenant_id, kind=ApiToken.Kind.SERVICE).order_by(
            "-created_at", "-pk"
        )
    )


def token_revoke(*, actor: User, token_id: int, service: bool = False) -> ApiToken:
    """Revoke one of the caller's personal tokens (anyone's, with ``tokens.manage``), or
    (``service``) a tenant service token.

    Someone else's token, another tenant's, or the wrong kind: 404, indistinguishable from an
    id that does not exist.
    """
    from deskwerk.access.roles import has_permission, require_permission

    mine: dict[str, object]
    if service:
        require_permission(actor, "tokens.manage")
        mine = {"kind": ApiToken.Kind.SERVICE}
    elif has_permission(actor, "tokens.manage"):  # e.g. the token of someone who left
        mine = {"kind": ApiToken.Kind.PERSONAL}
    else:
        mine = {"kind": ApiToken.Kind.PERSONAL, "user_id": actor.pk}
    with transaction.atomic():
        token = (
            ApiToken.unscoped.select_for_update()
            .filter(pk=token_id, tenant_id=actor.tenant_id, **mine)
            .first()
        )
        if token is None:
            raise NotFound("token not found")
        if token.revoked_at is not None:
            raise Conflict("the token is revoked already", code="token_revoked")
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            tenant=actor.tenant,
            actor=actor,
            action="api_token.revoke",
            obj=token,
            changed_fields=["revoked_at"],
        )
    return token


def token_authenticate(secret: str) -> ApiToken | None:
    """The live token for this secret, with its tenant (and user) loaded; None otherwise."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = (
        ApiToken.unscoped.select_related("tenant", "user__membership")
        .filter(token_hash=_hash(secret), revoked_at__isnull=True)
        .first()
    )
    now = timezone.now()
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if not token.tenant.is_active:
        return None
    if token.user is not None:
        # One tenant row, loaded once (no second tenant query through the user).
        assert token.tenant_id == token.user.tenant_id
        token.user.tenant = token.tenant
        if not token.user.is_active:
            return None
    # Record last use at most once a minute, to keep reads cheap.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.unscoped.filter(pk=token.pk).update(last_used_at=now)
    return token


def service_permissions(token: ApiToken) -> frozenset[str]:
    """Exactly the permissions a service token's scopes imply."""
    return frozenset(p for s in token.scopes for p in SERVICE_SCOPE_PERMISSIONS.get(s, ()))
