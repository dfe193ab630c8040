"""Creating tenants and checking that objects handed to a service share its tenant."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models, transaction

from deskwerk.core.errors import Conflict, InvalidInput, NotFound
from deskwerk.tenancy.context import TenantNotBound, current_tenant, tenant_context
from deskwerk.tenancy.models import RESERVED_SLUGS, Tenant


def assert_same_tenant(tenant: Tenant, *objects: models.Model | None) -> None:
    """Refuse any object of another tenant as if it did not exist (no cross-tenant oracle).

    Also insists that ``tenant`` is the bound one, so a service's scoped queries and its
    arguments can never disagree about whose data they touch.
    """
    if current_tenant().pk != tenant.pk:
        raise TenantNotBound(f"tenant {tenant.pk} is not the bound tenant")
    for obj in objects:
        if obj is None:
            continue
        if getattr(obj, "tenant_id", None) != tenant.pk:
            raise NotFound(f"{obj._meta.verbose_name} not found")


def tenant_create(*, slug: str, name: str, timezone: str = "Europe/Berlin") -> Tenant:
    """Create an active tenant. Its first admin is added with ``user_create``."""
    slug = slug.strip().lower()
    if slug in RESERVED_SLUGS:
        raise InvalidInput(f"the slug {slug!r} is reserved", code="slug_reserved")
    tenant = Tenant(slug=slug, name=name.strip(), default_timezone=timezone)
    try:
        tenant.full_clean()
    except ValidationError as exc:
        if "slug" in exc.message_dict and Tenant.objects.filter(slug=slug).exists():
            raise Conflict(f"a tenant with slug {slug!r} exists", code="slug_taken") from exc
        raise InvalidInput(
            "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        ) from exc
    with transaction.atomic():
        tenant.save()
        from deskwerk.audit.services import audit_record

        with tenant_context(tenant):
            audit_record(tenant=tenant, actor=None, action="tenant.create", obj=tenant)
    return tenant


def tenant_get_active(slug: str) -> Tenant:
    """The live (active or trial) tenant with this slug; suspended and terminated ones are not
    reachable."""
    tenant = Tenant.objects.filter(slug=slug, status__in=Tenant.LIVE_STATUSES).first()
    if tenant is None:
        raise NotFound("tenant not found")
    return tenant


def tenant_set_status(*, tenant: Tenant, status: str, actor: models.Model | None = None) -> Tenant:
    """Change the lifecycle status (audited in the tenant; ``actor`` None: the system).
    Leaving the live statuses ends every session of the tenant at once."""
    if status not in Tenant.Status.values:
        raise InvalidInput(f"unknown status {status!r}")
    if tenant.is_operator and status not in Tenant.LIVE_STATUSES:
        # The operator's own staff would lock themselves out of every tenant's lifecycle.
        raise Conflict(
            "the operator tenant cannot be suspended or terminated",
            code="operator_tenant_protected",
        )
    with transaction.atomic():
        tenant.status = status
        tenant.save(update_fields=["status"])
        from deskwerk.audit.services import audit_record

        audit_record(
            tenant=tenant,
            actor=actor,
            action="tenant.status",
            obj=tenant,
            changed_fields=["status"],
        )
        if status not in Tenant.LIVE_STATUSES:
            # Signed-in people are out at once, not at their next request's backend check.
            from deskwerk.websessions.services import tenant_sessions_end

            tenant_sessions_end(tenant=tenant)
    return tenant
