"""Bounded whole-number settings that a tenant keeps in one section of ``Tenant.settings``.

Reading never fails (a stored value outside its bounds falls back to the default); writing
refuses anything but a whole number within bounds, and is permission-checked and audited.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any, TypeVar

from django.db import transaction

from deskwerk.accounts.models import User
from deskwerk.audit.services import audit_record
from deskwerk.core.errors import InvalidInput
from deskwerk.tenancy.models import Tenant

T = TypeVar("T")
Bounds = dict[str, tuple[int, int, int]]  # name -> (default, minimum, maximum)


def _valid(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def section_read(tenant: Tenant, *, section: str, cls: type[T], bounds: Bounds) -> T:
    """The section as ``cls``; missing or out-of-bounds values are the defaults."""
    stored = (tenant.settings or {}).get(section, {})
    if not isinstance(stored, dict):
        stored = {}
    values: dict[str, int] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        default, low, high = bounds[f.name]
        value = stored.get(f.name, default)
        values[f.name] = value if _valid(value, low, high) else default
    return cls(**values)


def section_update(
    *,
    actor: User,
    tenant: Tenant,
    section: str,
    cls: type[T],
    bounds: Bounds,
    changes: dict[str, Any],
    permission: str,
    action: str,
) -> T:
    """Change some values of the section (422 ``setting_out_of_bounds``), audited."""
    from deskwerk.access.roles import require_permission

    require_permission(actor, permission)
    unknown = set(changes) - set(bounds)
    if unknown:
        raise InvalidInput(f"unknown settings: {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        _, low, high = bounds[name]
        if not _valid(value, low, high):
            raise InvalidInput(
                f"{name} must be a whole number from {low} to {high}",
                code="setting_out_of_bounds",
                setting=name,
            )
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
        current = asdict(section_read(tenant, section=section, cls=cls, bounds=bounds))  # type: ignore[call-overload]
        current.update(changes)
        tenant.settings = {**(tenant.settings or {}), section: current}
        tenant.save(update_fields=["settings"])
        audit_record(
            tenant=tenant, actor=actor, action=action, obj=tenant, changed_fields=sorted(changes)
        )
    return cls(**current)
