"""Two-factor authentication over the API: one's own state, re-authentication, the policy.

Factors are set up in the web app (allauth's pages under ``/t/<slug>/accounts/2fa/``): a QR
code and a security-key ceremony belong in a browser. The API tells a person where they
stand, lets a browser session re-authenticate before a sensitive action, and lets owners set
who must use a second factor.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from allauth.account.internal.flows.reauthentication import reauthenticate_by_password
from allauth.mfa.models import Authenticator
from django.db import transaction
from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field, model_validator

from deskwerk.accounts import mfa
from deskwerk.accounts.lockout import LockedOut, check_not_locked, record_failure, reset
from deskwerk.accounts.mfa import require_recent_authentication
from deskwerk.accounts.models import User
from deskwerk.api.auth import actor, require_scope
from deskwerk.api.schemas import ERRORS, StrictIn
from deskwerk.audit.services import audit_record
from deskwerk.core.errors import Forbidden, InvalidInput, NotFound
from deskwerk.tenancy.urls import tenant_reverse

router = Router(tags=["two-factor authentication"])
# Changing the policy is a tenant-settings permission; tokens need the scope that guards
# sign-in security, as for the password policy.
SCOPE = "sessions:admin"


class MfaStateOut(Schema):
    enabled: bool  # at least one second factor (TOTP or security key)
    types: list[str]  # totp, webauthn, recovery_codes
    required: bool  # the tenant's policy asks this person for a second factor
    setup_url: str  # the web page where factors are added and removed
    recently_authenticated_until: dt.datetime | None  # sensitive actions allowed until then


@router.get(
    "/me/mfa",
    response={200: MfaStateOut, **ERRORS},
    operation_id="me_mfa_get",
    summary="Your second factors, whether your organisation requires one, re-authentication",
)
def me_mfa_get(request: HttpRequest) -> Any:
    user = actor(request)
    types = sorted(
        set(Authenticator.objects.filter(user_id=user.pk).values_list("type", flat=True))
    )
    at = mfa.last_authenticated_at(request) if getattr(request, "api_token", None) is None else None
    from allauth.account import app_settings as account_settings

    until = (
        dt.datetime.fromtimestamp(at + account_settings.REAUTHENTICATION_TIMEOUT, tz=dt.UTC)
        if at is not None
        else None
    )
    return {
        "enabled": mfa.has_second_factor(user),
        "types": types,
        "required": mfa.policy_applies(user),
        "setup_url": tenant_reverse(user.tenant, "mfa_index"),
        "recently_authenticated_until": until,
    }


class ReauthenticateIn(StrictIn):
    """Exactly one of the two: the password, or a code (authenticator app or recovery code)."""

    password: str | None = Field(None, max_length=4096)
    code: str | None = Field(None, max_length=64)

    @model_validator(mode="after")
    def _one(self) -> ReauthenticateIn:
        if (self.password is None) == (self.code is None):
            raise ValueError("give either password or code")
        return self


def _session_only(request: HttpRequest) -> User:
    user = actor(request)
    if getattr(request, "api_token", None) is not None:
        raise Forbidden(
            "re-authentication belongs to a browser session; a token is not asked for it",
            code="session_required",
        )
    return user


@router.post(
    "/me/reauthenticate",
    response={204: None, **ERRORS},
    operation_id="me_reauthenticate",
    summary="Confirm it is you (password or code) before a sensitive action; session only",
)
def me_reauthenticate(request: HttpRequest, payload: ReauthenticateIn) -> Any:
    user = _session_only(request)
    if payload.password is not None:
        try:
            check_not_locked(tenant=user.tenant, email=user.email, ip=None)
        except LockedOut as exc:
            raise exc.as_error() from None
        if not user.check_password(payload.password):
            with transaction.atomic():
                audit_record(
                    tenant=user.tenant, actor=user, action="auth.reauthentication_failed", obj=user
                )
                record_failure(tenant=user.tenant, email=user.email, ip=None, user=user)
            raise InvalidInput("the password is wrong", code="reauthentication_failed")
        reset(tenant=user.tenant, email=user.email)
        reauthenticate_by_password(request)
        audit_record(tenant=user.tenant, actor=user, action="auth.reauthenticated", obj=user)
        return Status(204, None)
    form = mfa.OnceReauthenticateForm(data={"code": payload.code}, user=user)
    if not form.is_valid():
        if not Authenticator.objects.filter(user_id=user.pk).exclude(type="webauthn").exists():
            audit_record(  # otherwise the form's signal audits it as mfa.failed
                tenant=user.tenant, actor=user, action="auth.reauthentication_failed", obj=user
            )
        raise InvalidInput("the code is wrong or was used already", code="reauthentication_failed")
    form.save()  # audited as mfa.used / mfa.recovery_code_used
    return Status(204, None)


class MfaPolicyOut(Schema):
    required_for: Literal["nobody", "admins", "everyone"]
    choices: list[str]


class MfaPolicyPatch(StrictIn):
    required_for: str = Field(
        ...,
        max_length=20,
        description="who must use a second factor: nobody (default), admins (anyone holding "
        "an administrative role) or everyone; anything else: 422 setting_out_of_bounds",
    )


def _policy_out(policy: mfa.MfaPolicy) -> dict[str, Any]:
    return {"required_for": policy.required_for, "choices": list(mfa.REQUIRED_FOR)}


@router.get(
    "/tenant/mfa-policy",
    response={200: MfaPolicyOut, **ERRORS},
    operation_id="mfa_policy_get",
    summary="Who in the tenant must use two-factor authentication",
)
def mfa_policy_get(request: HttpRequest) -> Any:
    return _policy_out(mfa.mfa_policy(actor(request).tenant))


@router.patch(
    "/tenant/mfa-policy",
    response={200: MfaPolicyOut, **ERRORS},
    operation_id="mfa_policy_change",
    summary="Require two-factor authentication for nobody, admins or everyone (owners)",
)
def mfa_policy_change(request: HttpRequest, payload: MfaPolicyPatch) -> Any:
    user: User = require_scope(request, SCOPE, "tenant.settings")
    return _policy_out(
        mfa.mfa_policy_update(actor=user, tenant=user.tenant, required_for=payload.required_for)
    )


class MfaResetOut(Schema):
    removed: int  # factors removed (an app, keys, the recovery codes)


@router.delete(
    "/people/{person_id}/mfa",
    response={200: MfaResetOut, **ERRORS},
    operation_id="person_mfa_reset",
    summary="Remove every second factor of a person who lost theirs (people administrators)",
)
def person_mfa_reset(request: HttpRequest, person_id: int) -> Any:
    user: User = require_scope(request, SCOPE, "people.manage")
    require_recent_authentication(request)
    person = User.objects.filter(pk=person_id).first()
    if person is None:
        raise NotFound("person not found")
    return {"removed": mfa.mfa_reset(actor=user, person=person)}
