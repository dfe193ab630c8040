"""A tenant's privacy settings, kept in ``Tenant.settings["privacy"]`` and checked on write."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deskwerk.accounts.models import User
from deskwerk.tenancy.models import Tenant
from deskwerk.tenancy.sections import section_read, section_update

# (default, minimum, maximum) — defaults are the most private setting that still works.
BOUNDS: dict[str, tuple[int, int, int]] = {
    "pseudonymise_after_days": (30, 1, 365),
    "audit_retention_days": (365, 30, 3650),
    "usage_retention_days": (30, 1, 365),
}


@dataclass(frozen=True)
class PrivacySettings:
    pseudonymise_after_days: int = BOUNDS["pseudonymise_after_days"][0]
    audit_retention_days: int = BOUNDS["audit_retention_days"][0]
    usage_retention_days: int = BOUNDS["usage_retention_days"][0]


def privacy_settings(tenant: Tenant) -> PrivacySettings:
    """The tenant's settings; stored values outside the bounds fall back to the default."""
    return section_read(tenant, section="privacy", cls=PrivacySettings, bounds=BOUNDS)


def privacy_settings_update(
    *, actor: User, tenant: Tenant, changes: dict[str, Any]
) -> PrivacySettings:
    """Change some settings; each must be an integer within its bounds (422 otherwise)."""
    return section_update(
        actor=actor,
        tenant=tenant,
        section="privacy",
        cls=PrivacySettings,
        bounds=BOUNDS,
        changes=changes,
        permission="privacy.settings",
        action="tenant.privacy_settings",
    )
