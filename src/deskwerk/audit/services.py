"""Writing audit events. Call inside the service's transaction, never after it."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models

from deskwerk.audit.models import AuditEvent
from deskwerk.core.request_context import current_request
from deskwerk.tenancy.models import Tenant


def audit_record(
    *,
    tenant: Tenant,
    actor: models.Model | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: object = "",
    changed_fields: Iterable[str] = (),
) -> AuditEvent:
    """Record one event; the request id and truncated IP come from the request context."""
    info = current_request()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk
    return AuditEvent.unscoped.create(
        tenant=tenant,
        actor_id=actor.pk if actor is not None else None,
        action=action,
        object_type=object_type or "",
        object_id=str(object_id or ""),
        changed_fields=sorted(changed_fields),
        request_id=info.request_id if info else "",
        ip=info.ip if info else "",
    )
