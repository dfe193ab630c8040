"""The tenant's privacy settings over the API: everyone may read them, admins change them."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field, StrictInt

from deskwerk.api.auth import actor, require_scope
from deskwerk.api.schemas import ERRORS, StrictIn
from deskwerk.core.errors import InvalidInput
from deskwerk.privacy.settings import (
    BOUNDS,
    PrivacySettings,
    privacy_settings,
    privacy_settings_update,
)

router = Router(tags=["privacy"])


class SettingBounds(Schema):
    default: int
    minimum: int
    maximum: int


class PrivacySettingsOut(Schema):
    pseudonymise_after_days: int
    audit_retention_days: int
    usage_retention_days: int
    bounds: dict[str, SettingBounds]


def _bounds_text(name: str) -> str:
    default, low, high = BOUNDS[name]
    return f"whole days, {low}-{high} (default {default}); outside: 422 setting_out_of_bounds"


class PrivacySettingsPatch(StrictIn):
    """Only the settings given change. Bounds are checked by the service, so that a value out
    of bounds answers with its own code rather than a generic validation error."""

    # May be left out; an explicit null is not a number and is refused.
    pseudonymise_after_days: StrictInt | None = Field(
        None,
        description="days after its end a booking (and after it, usage data) loses the link "
        "to the person; " + _bounds_text("pseudonymise_after_days"),
    )
    audit_retention_days: StrictInt | None = Field(
        None, description="days audit events are kept; " + _bounds_text("audit_retention_days")
    )
    usage_retention_days: StrictInt | None = Field(
        None, description="days usage data is kept; " + _bounds_text("usage_retention_days")
    )


def _out(values: PrivacySettings) -> dict[str, Any]:
    return {
        **asdict(values),
        "bounds": {
            name: {"default": default, "minimum": low, "maximum": high}
            for name, (default, low, high) in BOUNDS.items()
        },
    }


@router.get(
    "/tenant/privacy-settings",
    response={200: PrivacySettingsOut, **ERRORS},
    operation_id="privacy_settings_get",
    summary="The tenant's pseudonymisation deadline and retention periods",
)
def privacy_settings_get(request: HttpRequest) -> Any:
    return _out(privacy_settings(actor(request).tenant))


@router.patch(
    "/tenant/privacy-settings",
    response={200: PrivacySettingsOut, **ERRORS},
    operation_id="privacy_settings_change",
    summary="Change the pseudonymisation deadline or retention periods (administrators)",
)
def privacy_settings_change(request: HttpRequest, payload: PrivacySettingsPatch) -> Any:
    user = require_scope(request, "privacy:admin", "privacy.settings")
    changes = payload.model_dump(exclude_unset=True)
    nulls = sorted(name for name, value in changes.items() if value is None)
    if nulls:
        raise InvalidInput(f"must be whole numbers, not null: {', '.join(nulls)}")
    if not changes:
        return _out(privacy_settings(user.tenant))
    return _out(privacy_settings_update(actor=user, tenant=user.tenant, changes=changes))
