"""API authentication: a bearer token or a session (with CSRF). Either one binds the tenant."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from deskwerk.access.models import ApiToken
from deskwerk.access.principals import ServicePrincipal
from deskwerk.access.ratelimit import hit
from deskwerk.access.roles import require_permission
from deskwerk.access.services import (
    SCOPE_PERMISSIONS,
    SCOPES,
    service_permissions,
    token_authenticate,
)
from deskwerk.accounts.models import User
from deskwerk.core.errors import Forbidden
from deskwerk.tenancy.context import bind_tenant


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | ServicePrincipal | None:
        api_token = token_authenticate(token)
        if api_token is None:
            return None
        request.api_token = api_token  # type: ignore[attr-defined]
        bind_tenant(api_token.tenant)  # unbound by TenantContextMiddleware at the end
        hit(request, f"t:{api_token.tenant_id}:{api_token.pk}")
        if _SUPPORT_HEADER in request.headers:  # operator staff under a support grant
            if api_token.user is not None:
                request.user = api_token.user
            return _support(request, api_token.user)
        if api_token.user is None:  # a tenant service token: no person, only its scopes
            return ServicePrincipal(api_token, service_permissions(api_token))
        request.user = api_token.user
        return api_token.user


class TenantSessionAuth(SessionAuth):
    """Django's session; CSRF is checked by ninja for cookie-authenticated requests."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not user.is_authenticated:
            return None
        bind_tenant(user.tenant)  # the backend already refused inactive tenants
        hit(request, f"u:{user.tenant_id}:{user.pk}")
        # A second factor the tenant requires comes first: 403 mfa_required (accounts.mfa).
        from deskwerk.accounts.mfa import refuse_if_mfa_setup_required

        refuse_if_mfa_setup_required(request, user)
        if _SUPPORT_HEADER in request.headers:  # operator staff under a support grant
            return _support(request, user)
        return user


_SUPPORT_HEADER = "X-Deskwerk-Support-Tenant"


def _support(request: HttpRequest, user: User | None) -> Any:
    """The tenant named in the support header, for staff with a live grant (else 404)."""
    from deskwerk.support.access import support_principal

    return support_principal(request, user)


AUTH = [BearerTokenAuth(), TenantSessionAuth()]


_SCOPED = "_deskwerk_scope_checked"


def actor(request: HttpRequest) -> User:
    """The authenticated person (ninja has run the auth classes before the handler).

    A service token reaches only handlers that checked a scope first (``require_scope``):
    endpoints about "the caller's own" data have no person to answer for.
    """
    principal = request.auth  # type: ignore[attr-defined]
    if isinstance(principal, ServicePrincipal) and not getattr(request, _SCOPED, False):
        raise Forbidden(
            "service tokens cannot use this endpoint; it acts for a person",
            code="person_required",
        )
    return principal


def require_scope(request: HttpRequest, scope: str, permission: str | None = None) -> User:
    """Check the person's permission (for admin scopes: the scope's first permission unless
    ``permission`` names another), then the token's scope (sessions carry every scope)."""
    assert scope in SCOPES
    setattr(request, _SCOPED, True)
    user = actor(request)
    token: ApiToken | None = getattr(request, "api_token", None)
    # The role first: a member's token can never carry an admin scope, so "insufficient
    # scope" would send them looking for a token they cannot get.
    if permission is None and scope in SCOPE_PERMISSIONS:
        permission = SCOPE_PERMISSIONS[scope][0]
    if permission is not None:
        require_permission(user, permission)
    if token is not None and scope not in token.scopes:
        raise Forbidden(f"this token lacks the scope {scope}", code="insufficient_scope")
    return user
