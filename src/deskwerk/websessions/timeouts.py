"""Per-tenant session timeouts, kept in ``Tenant.settings["sessions"]`` and checked on write."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from deskwerk.accounts.models import User
from deskwerk.tenancy.models import Tenant
from deskwerk.tenancy.sections import section_read, section_update

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
    return section_read(tenant, section="sessions", cls=SessionTimeouts, bounds=BOUNDS)


def session_timeouts_update(
    *, actor: User, tenant: Tenant, changes: dict[str, Any]
) -> SessionTimeouts:
    """Change the timeouts (administrators); each a whole number within its bounds (422)."""
    return section_update(
        actor=actor,
        tenant=tenant,
        section="sessions",
        cls=SessionTimeouts,
        bounds=BOUNDS,
        changes=changes,
        permission="tenant.settings",
        action="tenant.session_settings",
    )
