"""Passwords over the API: change one's own, read and change the tenant's policy.

The policy covers the password rules (``passwords``) and the brute-force lockout
(``lockout``); everyone may read it, owners (``tenant.settings``) change it.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.contrib.auth import update_session_auth_hash
from django.db import transaction
from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field, StrictInt

from deskwerk.accounts import lockout, passwords
from deskwerk.accounts.models import User
from deskwerk.api.auth import actor, require_scope
from deskwerk.api.schemas import ERRORS, StrictIn
from deskwerk.core.errors import InvalidInput
from deskwerk.tenancy.models import Tenant
from deskwerk.websessions.store import SessionStore

router = Router(tags=["passwords"])
# Changing the policy is a tenant-settings permission; tokens need the scope that already
# guards sign-in security (sessions), until a scope of its own exists.
SCOPE = "sessions:admin"


class PasswordChangeIn(StrictIn):
    old_password: str = Field(..., max_length=passwords.MAX_LENGTH * 4)
    new_password: str = Field(..., max_length=passwords.MAX_LENGTH * 4)


@router.post(
    "/me/password",
    response={204: None, **ERRORS},
    operation_id="me_password_change",
    summary="Change your own password (the current one is required); your other sessions end",
)
def me_password_change(request: HttpRequest, payload: PasswordChangeIn) -> Any:
    user = actor(request)
    session = getattr(request, "session", None)
    own = (
        session
        if getattr(request, "api_token", None) is None and isinstance(session, SessionStore)
        else None
    )
    updated = passwords.password_change(
        actor=user,
        old=payload.old_password,
        new=payload.new_password,
        keep_session=own.public_id if own is not None else None,
    )
    if own is not None:
        update_session_auth_hash(request, updated)  # this browser stays signed in
    return Status(204, None)


class SettingBounds(Schema):
    default: int
    minimum: int
    maximum: int


class PasswordPolicyOut(Schema):
    min_length: int
    max_length: int  # fixed: at least 64 characters are always allowed
    max_age_days: int  # 0: passwords do not expire
    max_failures: int
    window_minutes: int
    lockout_minutes: int
    ip_max_failures: int  # fixed, per IP address and window of 15 minutes
    bounds: dict[str, SettingBounds]


def _bounds_text(bounds: dict[str, tuple[int, int, int]], name: str, unit: str) -> str:
    default, low, high = bounds[name]
    return f"{unit}, {low}-{high} (default {default}); outside: 422 setting_out_of_bounds"


class PasswordPolicyPatch(StrictIn):
    """Only the values given change, each a whole number within its bounds."""

    min_length: StrictInt | None = Field(
        None,
        description="minimum length; " + _bounds_text(passwords.BOUNDS, "min_length", "characters"),
    )
    max_age_days: StrictInt | None = Field(
        None,
        description="maximum password age, 0 = off; "
        + _bounds_text(passwords.BOUNDS, "max_age_days", "days"),
    )
    max_failures: StrictInt | None = Field(
        None,
        description="failed sign-ins before a lockout; "
        + _bounds_text(lockout.BOUNDS, "max_failures", "attempts"),
    )
    window_minutes: StrictInt | None = Field(
        None,
        description="window the failures count in; "
        + _bounds_text(lockout.BOUNDS, "window_minutes", "minutes"),
    )
    lockout_minutes: StrictInt | None = Field(
        None,
        description="length of a lockout; "
        + _bounds_text(lockout.BOUNDS, "lockout_minutes", "minutes"),
    )


def _out(tenant: Tenant) -> dict[str, Any]:
    bounds = {**passwords.BOUNDS, **lockout.BOUNDS}
    return {
        **asdict(passwords.password_policy(tenant)),
        **asdict(lockout.lockout_settings(tenant)),
        "max_length": passwords.MAX_LENGTH,
        "ip_max_failures": lockout.IP_MAX_FAILURES,
        "bounds": {
            name: {"default": default, "minimum": low, "maximum": high}
            for name, (default, low, high) in bounds.items()
        },
    }


@router.get(
    "/tenant/password-policy",
    response={200: PasswordPolicyOut, **ERRORS},
    operation_id="password_policy_get",
    summary="The tenant's password policy and brute-force lockout settings",
)
def password_policy_get(request: HttpRequest) -> Any:
    return _out(actor(request).tenant)


@router.patch(
    "/tenant/password-policy",
    response={200: PasswordPolicyOut, **ERRORS},
    operation_id="password_policy_change",
    summary="Change the password policy or lockout settings (owners)",
)
def password_policy_change(request: HttpRequest, payload: PasswordPolicyPatch) -> Any:
    user: User = require_scope(request, SCOPE, "tenant.settings")
    changes = payload.model_dump(exclude_unset=True)
    nulls = sorted(name for name, value in changes.items() if value is None)
    if nulls:
        raise InvalidInput(f"must be whole numbers, not null: {', '.join(nulls)}")
    policy = {k: v for k, v in changes.items() if k in passwords.BOUNDS}
    locks = {k: v for k, v in changes.items() if k in lockout.BOUNDS}
    with transaction.atomic():  # all or nothing: a value out of bounds changes none
        if policy:
            passwords.password_policy_update(actor=user, tenant=user.tenant, changes=policy)
        if locks:
            lockout.lockout_settings_update(actor=user, tenant=user.tenant, changes=locks)
    user.tenant.refresh_from_db(fields=["settings"])
    return _out(user.tenant)
