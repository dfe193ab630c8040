"""How operator staff act on a tenant's data under a support grant (decision 0024).

A request of operator staff (session or bearer token of the operator tenant) that carries the
header ``X-Deskwerk-Support-Tenant: <slug>`` is bound to that tenant — if, and only if, a live
grant of that tenant names the staff member. Without one the answer is 404, as for any foreign
tenant. With one, the handler receives a ``SupportPrincipal`` instead of a person: it holds
only the support role's permissions, reaches only the API areas support needs, and every
request (refused or not) is written to the tenant's audit log by ``SupportAuditMiddleware``.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from deskwerk.access.principals import ServicePrincipal
from deskwerk.access.roles import has_permission
from deskwerk.accounts.models import User
from deskwerk.audit.services import audit_record
from deskwerk.core.errors import Forbidden, NotFound
from deskwerk.support.models import SupportGrant
from deskwerk.support.services import live_grant
from deskwerk.tenancy.context import bind_tenant
from deskwerk.tenancy.models import Tenant

SUPPORT_HEADER = "X-Deskwerk-Support-Tenant"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The API areas support may reach (paths below /api/v1); everything else is refused, so a new
# endpoint is closed to support until someone decides to open it here.
_AREAS = re.compile(r"^/(locations|buildings|floors|zones|amenities|resources|bookings)(/|$)")
_API = re.compile(r"^/api/v1(?P<rest>/.*)$")
# The support role: reading every booking; with read and write also booking for people and
# changing spaces. Never roles, tokens, support grants, exports, settings or people's accounts.
READ_PERMISSIONS = frozenset({"bookings.manage_others"})
WRITE_PERMISSIONS = READ_PERMISSIONS | {
    "bookings.book",
    "bookings.book_for_others",
    "spaces.manage",
}


class SupportPrincipal(ServicePrincipal):
    """Operator staff acting in a tenant under a grant.

    ``tenant`` is the tenant acted in (services check objects against it); ``tenant_id`` and
    ``pk`` stay the staff member's own, so every audit row the services write names
    "operator account <id>". Not a ``User``: endpoints about "the caller's own" data refuse it.
    """

    token = None  # type: ignore[assignment]

    def __init__(self, staff: User, grant: SupportGrant, tenant: Tenant) -> None:
        self.staff = staff
        self.grant = grant
        self.pk = staff.pk  # type: ignore[assignment]
        self.id = staff.pk  # type: ignore[assignment]
        self.tenant = tenant
        self.tenant_id = staff.tenant_id
        self.permissions = (
            WRITE_PERMISSIONS if grant.level == SupportGrant.Level.READ_WRITE else READ_PERMISSIONS
        )
        self.full_name = f"operator account {staff.pk} (support grant {grant.pk})"
        self.email = ""


def is_operator_staff(user: Any) -> bool:
    """An active account of the operator tenant holding a live operator role."""
    return (
        user is not None
        and getattr(user, "is_active", False)
        and getattr(getattr(user, "tenant", None), "is_operator", False)
        and has_permission(user, "operator.support")
    )


def allowed(method: str, rest: str) -> bool:
    """Whether support may call ``method`` on the API path ``rest`` (below /api/v1)."""
    if not _AREAS.match(rest):
        return False
    path = rest.rstrip("/")
    if path.endswith("/availability"):  # answers "mine" relative to the caller: a person
        return False
    return not (method in READ_METHODS and path == "/bookings")  # "the caller's own bookings"


def support_principal(request: HttpRequest, user: User | None) -> SupportPrincipal:
    """Bind the tenant named in the header for operator staff with a live grant; else 404.

    Called by the API's authentication (``deskwerk.api.auth``) when the header is present.
    """
    slug = (request.headers.get(SUPPORT_HEADER) or "").strip().lower()
    if user is None or not is_operator_staff(user):
        raise NotFound("not found")
    tenant = (
        Tenant.objects.filter(
            slug=slug, kind=Tenant.Kind.CUSTOMER, status__in=Tenant.LIVE_STATUSES
        ).first()
        if slug
        else None
    )
    grant = live_grant(tenant=tenant, staff=user, now=timezone.now()) if tenant else None
    if tenant is None or grant is None:
        # Recorded in the operator's own log: an attempt without an instruction.
        audit_record(
            tenant=user.tenant,
            actor=user,
            action="support.denied",
            object_type="tenancy.tenant",
            object_id=tenant.pk if tenant else "",
        )
        raise NotFound("not found")
    bind_tenant(tenant)  # unbound by TenantContextMiddleware at the end of the request
    grant.tenant = tenant
    request.support_grant = grant  # type: ignore[attr-defined]
    request.support_staff = user  # type: ignore[attr-defined]
    method = (request.method or "GET").upper()
    match = _API.match(request.path_info)
    if match is None or not allowed(method, match["rest"]):
        raise Forbidden("support access does not reach this endpoint", code="support_not_allowed")
    if grant.level != SupportGrant.Level.READ_WRITE and method not in READ_METHODS:
        raise Forbidden("this support grant allows reading only", code="support_read_only")
    return SupportPrincipal(user, grant, tenant)


def support_request_audit(request: HttpRequest, status: int) -> None:
    """One row in the tenant's audit log per request under a grant: who (the operator account),
    which grant, method, path (never the query string) and the answer's status."""
    grant: SupportGrant = request.support_grant  # type: ignore[attr-defined]
    staff: User = request.support_staff  # type: ignore[attr-defined]
    audit_record(
        tenant=grant.tenant,
        actor=staff,
        action="support.request",
        obj=grant,
        changed_fields=[
            f"method={(request.method or '')[:10]}",
            f"path={request.path[:200]}",
            f"status={status}",
        ],
    )
