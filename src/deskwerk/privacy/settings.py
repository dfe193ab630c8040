"""A tenant's privacy settings, kept in ``Tenant.settings["privacy"]`` and checked on write."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from django.db import transaction

from deskwerk.accounts.models import User
from deskwerk.audit.services import audit_record
from deskwerk.core.errors import InvalidInput
from deskwerk.tenancy.models import Tenant

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
    stored = (tenant.settings or {}).get("privacy", {})
    values: dict[str, int] = {}
    for f in fields(PrivacySettings):
        default, low, high = BOUNDS[f.name]
        value = stored.get(f.name, default)
        values[f.name] = value if isinstance(value, int) and low <= value <= high else default
    return PrivacySettings(**values)


def privacy_settings_update(
    *, actor: User, tenant: Tenant, changes: dict[str, Any]
) -> PrivacySettings:
    """Change some settings; each must be an integer within its bounds (422 otherwise)."""
    from deskwerk.access.roles import require_permission

    require_permission(actor, "privacy.settings")
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
        current = asdict(privacy_settings(tenant))
        current.update(changes)
        tenant.settings = {**(tenant.settings or {}), "privacy": current}
        tenant.save(update_fields=["settings"])
        audit_record(
            tenant=tenant,
            actor=actor,
            action="tenant.privacy_settings",
            obj=tenant,
            changed_fields=sorted(changes),
        )
    return PrivacySettings(**current)
