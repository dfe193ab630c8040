"""Per-tenant session timeouts, kept in ``Tenant.settings["sessions"]`` and checked on write."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields
from typing import Any

from django.db import transaction

from deskwerk.accounts.models import User
from deskwerk.audit.services import audit_record
from deskwerk.core.errors import InvalidInput
from deskwerk.tenancy.models import Tenant

# (default, minimum, maximum): idle in minutes, absolute in hours (issue 4, item 5).
BOUNDS: dict[str, tuple[int, int, int]] = {
    "idle_minutes": (60, 5, 480),
    "absolute_hours": (12, 1, 72),
}


@dataclass(frozen=True)
class SessionTimeouts:
    idle_minutes: int = BOUNDS["idle_minutes"][0]
    absolute_hours: int = BOUNDS["absolute_hours"][0]

    @property
    def idle(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.idle_minutes)

    @property
    def absolute(self) -> dt.timedelta:
        return dt.timedelta(hours=self.absolute_hours)


DEFAULT = SessionTimeouts()
# The longest any tenant may allow: what the purge may safely delete regardless of tenant.
LONGEST_IDLE = dt.timedelta(minutes=BOUNDS["idle_minutes"][2])


def session_timeouts(tenant: Tenant | None) -> SessionTimeouts:
    """The tenant's timeouts (defaults before sign-in); values outside the bounds fall back."""
    if tenant is None:
        return DEFAULT
    stored = (tenant.settings or {}).get("sessions", {})
    values: dict[str, int] = {}
    for f in fields(SessionTimeouts):
        default, low, high = BOUNDS[f.name]
        value = stored.get(f.name, default) if isinstance(stored, dict) else default
        ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
        values[f.name] = value if ok else default
    return SessionTimeouts(**values)


def session_timeouts_update(
    *, actor: User, tenant: Tenant, changes: dict[str, Any]
) -> SessionTimeouts:
    """Change the timeouts (administrators); each a whole number within its bounds (422)."""
    from deskwerk.access.roles import require_permission

    require_permission(actor, "tenant.settings")
    unknown = set(changes) - set(BOUNDS)
    if unknown:
        raise InvalidInput(f"unknown settings: {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        _, low, high = BOUNDS[name]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise InvalidInput(
                f"{name} must be a whole number from {low} to {high}",
                code="setting_out_of_bounds",
                setting=name,
            )
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
        current = asdict(session_timeouts(tenant))
        current.update(changes)
        tenant.settings = {**(tenant.settings or {}), "sessions": current}
        tenant.save(update_fields=["settings"])
        audit_record(
            tenant=tenant,
            actor=actor,
            action="tenant.session_settings",
            obj=tenant,
            changed_fields=sorted(changes),
        )
    return SessionTimeouts(**current)
