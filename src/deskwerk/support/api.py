"""Support grants and the instruction register over the API (DPA § 7).

``/processor/support-grants`` and ``/processor/instructions`` are the tenant's side (owners;
for instructions also named authorised persons). ``/operator/support-grants`` shows a staff
member the grants naming them; ``/operator/instructions`` lets operator staff record an
instruction received by phone and flag one as possibly unlawful. To everyone else the operator
endpoints answer 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from deskwerk.accounts.models import User
from deskwerk.api.auth import actor, require_scope
from deskwerk.api.schemas import ERRORS, ApiDateTime, Page, StrictIn
from deskwerk.core.errors import NotFound
from deskwerk.processor.services import require_operator
from deskwerk.support import selectors, services
from deskwerk.support.models import Instruction, InstructionEvent, SupportGrant
from deskwerk.tenancy.models import Tenant

router = Router(tags=["support"])
operator_router = Router(tags=["operator"])
SCOPE = "processor:admin"
OPERATOR_SCOPE = "operator:admin"

Level = Literal["read", "read_write"]
Channel = Literal["in_app", "written", "email", "oral", "phone"]
EARLIEST = dt.date(1990, 1, 1)
LATEST = dt.date(9000, 1, 1)


# --- schemas -----------------------------------------------------------------------------------


class StaffOut(Schema):
    id: int
    name: str
    email: str


class SupportGrantOut(Schema):
    id: int
    purpose: str
    level: Level
    state: Literal["active", "expired", "revoked"]
    starts_at: dt.datetime
    ends_at: dt.datetime
    staff: list[StaffOut]
    granted_by_id: int | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    revoked_by_id: int | None
    expired_at: dt.datetime | None


class SupportGrantsOut(Page[SupportGrantOut]):
    staff_available: list[StaffOut]  # whom the tenant may name: the operator's staff


class SupportGrantIn(StrictIn):
    staff_ids: list[int] = Field(min_length=1, max_length=20)
    purpose: str = Field(max_length=2000)
    ends_at: ApiDateTime
    level: Level = "read"


class StaffGrantOut(Schema):
    id: int
    tenant_name: str
    tenant_slug: str  # the value of the X-Deskwerk-Support-Tenant header
    purpose: str
    level: Level
    state: Literal["active", "expired", "revoked"]
    starts_at: dt.datetime
    ends_at: dt.datetime


class EventOut(Schema):
    action: Literal["recorded", "confirmed", "flagged", "amended", "withdrawn"]
    at: dt.datetime
    actor_id: int | None
    by_operator: bool
    version: int
    text: str
    note: str
    status_after: str


class InstructionOut(Schema):
    id: int
    text: str
    version: int
    given_on: dt.date
    channel: Channel
    given_by_name: str
    authorised_person_id: int | None
    given_by_id: int | None
    recorded_by_operator: bool
    status: Literal["in_force", "awaiting_confirmation", "suspended", "withdrawn"]
    flag_reason: str
    created_at: dt.datetime
    updated_at: dt.datetime
    history: list[EventOut]


class OperatorInstructionOut(InstructionOut):
    tenant_id: int
    tenant_name: str


class InstructionIn(StrictIn):
    text: str = Field(max_length=services.MAX_TEXT)
    channel: Channel = "in_app"
    given_on: dt.date | None = Field(None, ge=EARLIEST, le=LATEST)
    authorised_person_id: int | None = None
    given_by_id: int | None = None


class OperatorInstructionIn(StrictIn):
    tenant_id: int
    text: str = Field(max_length=services.MAX_TEXT)
    channel: Channel
    given_on: dt.date = Field(ge=EARLIEST, le=LATEST)
    authorised_person_id: int | None = None
    given_by_id: int | None = None


class AmendIn(StrictIn):
    text: str = Field(max_length=services.MAX_TEXT)


class WithdrawIn(StrictIn):
    note: str = Field("", max_length=2000)


class FlagIn(StrictIn):
    reason: str = Field(max_length=5000)


# --- helpers -----------------------------------------------------------------------------------


def _staff_out(user: User) -> dict[str, Any]:
    return {"id": user.pk, "name": user.full_name or user.email, "email": user.email}


def grant_out(g: SupportGrant) -> dict[str, Any]:
    return {
        "id": g.pk,
        "purpose": g.purpose,
        "level": g.level,
        "state": g.state(),
        "starts_at": g.starts_at,
        "ends_at": g.ends_at,
        "staff": [_staff_out(u) for u in selectors.grant_staff(g)],
        "granted_by_id": g.granted_by_id,
        "created_at": g.created_at,
        "revoked_at": g.revoked_at,
        "revoked_by_id": g.revoked_by_id,
        "expired_at": g.expired_at,
    }


def _event_out(e: InstructionEvent) -> dict[str, Any]:
    return {
        "action": e.action,
        "at": e.at,
        "actor_id": e.actor_id,
        "by_operator": e.by_operator,
        "version": e.version,
        "text": e.text,
        "note": e.note,
        "status_after": e.status_after,
    }


def instruction_out(i: Instruction) -> dict[str, Any]:
    return {
        "id": i.pk,
        "text": i.text,
        "version": i.version,
        "given_on": i.given_on,
        "channel": i.channel,
        "given_by_name": i.given_by_name,
        "authorised_person_id": i.given_by_person_id,
        "given_by_id": i.given_by_user_id,
        "recorded_by_operator": i.recorded_by_operator,
        "status": i.status,
        "flag_reason": i.flag_reason,
        "created_at": i.created_at,
        "updated_at": i.updated_at,
        "history": [_event_out(e) for e in selectors.instruction_history(i)],  # prefetched
    }


def _operator_instruction_out(i: Instruction) -> dict[str, Any]:
    return {**instruction_out(i), "tenant_id": i.tenant_id, "tenant_name": i.tenant.name}


def _granter(request: HttpRequest) -> User:
    return require_scope(request, SCOPE, "support.grant")


def _authorised(request: HttpRequest) -> User:
    user = actor(request)
    services.require_authorised(user)
    return user


def _operator(request: HttpRequest, permission: str) -> User:
    """Operator staff holding ``permission`` (404 for everyone else), then the token's scope."""
    require_operator(actor(request), permission)
    return require_scope(request, OPERATOR_SCOPE, permission)


# --- support grants: the tenant ----------------------------------------------------------------


@router.get(
    "/processor/support-grants",
    response={200: SupportGrantsOut, **ERRORS},
    operation_id="support_grants_list",
    summary="The tenant's support grants, newest first, and the operator staff it may name",
)
def support_grants_list(request: HttpRequest) -> Any:
    _granter(request)
    return {
        "items": [grant_out(g) for g in selectors.tenant_grants()],
        "next_cursor": None,  # a handful per year
        "staff_available": [_staff_out(u) for u in selectors.support_staff()],
    }


@router.post(
    "/processor/support-grants",
    response={201: SupportGrantOut, **ERRORS},
    operation_id="support_grant_create",
    summary="Grant named operator staff time-boxed support access (at most 7 days)",
)
def support_grant_post(request: HttpRequest, payload: SupportGrantIn) -> Any:
    user = _granter(request)
    grant = services.support_grant_create(
        actor=user,
        staff_ids=payload.staff_ids,
        purpose=payload.purpose,
        ends_at=payload.ends_at,
        level=payload.level,
    )
    return Status(201, grant_out(grant))


@router.post(
    "/processor/support-grants/{grant_id}/revoke",
    response={200: SupportGrantOut, **ERRORS},
    operation_id="support_grant_revoke",
    summary="End a support grant at once",
)
def support_grant_revoke(request: HttpRequest, grant_id: int) -> Any:
    user = _granter(request)
    grant = services.support_grant_revoke(actor=user, grant=services.support_grant_get(grant_id))
    return grant_out(grant)


# --- instructions: the tenant ------------------------------------------------------------------


@router.get(
    "/processor/instructions",
    response={200: Page[InstructionOut], **ERRORS},
    operation_id="instructions_list",
    summary="The tenant's instructions with status and history, newest first",
)
def instructions_list(request: HttpRequest) -> Any:
    _authorised(request)
    return {
        "items": [instruction_out(i) for i in selectors.tenant_instructions()],
        "next_cursor": None,
    }


@router.post(
    "/processor/instructions",
    response={201: InstructionOut, **ERRORS},
    operation_id="instruction_create",
    summary="Record an instruction in text form: in force at once (the operator is notified)",
)
def instruction_post(request: HttpRequest, payload: InstructionIn) -> Any:
    user = _authorised(request)
    instruction = services.instruction_record(
        actor=user,
        text=payload.text,
        channel=payload.channel,
        given_on=payload.given_on,
        authorised_person_id=payload.authorised_person_id,
        given_by_id=payload.given_by_id,
    )
    return Status(201, instruction_out(instruction))


@router.get(
    "/processor/instructions/{instruction_id}",
    response={200: InstructionOut, **ERRORS},
    operation_id="instruction_get",
    summary="One instruction with its history",
)
def instruction_get(request: HttpRequest, instruction_id: int) -> Any:
    _authorised(request)
    return instruction_out(services.instruction_get(instruction_id))


@router.post(
    "/processor/instructions/{instruction_id}/confirm",
    response={200: InstructionOut, **ERRORS},
    operation_id="instruction_confirm",
    summary="Confirm an oral instruction in text form (§ 7 (5))",
)
def instruction_confirm(request: HttpRequest, instruction_id: int) -> Any:
    user = _authorised(request)
    instruction = services.instruction_get(instruction_id)
    return instruction_out(services.instruction_confirm(actor=user, instruction=instruction))


@router.post(
    "/processor/instructions/{instruction_id}/amend",
    response={200: InstructionOut, **ERRORS},
    operation_id="instruction_amend",
    summary="Replace the text with a new version (ends a suspension)",
)
def instruction_amend(request: HttpRequest, instruction_id: int, payload: AmendIn) -> Any:
    user = _authorised(request)
    instruction = services.instruction_get(instruction_id)
    return instruction_out(
        services.instruction_amend(actor=user, instruction=instruction, text=payload.text)
    )


@router.post(
    "/processor/instructions/{instruction_id}/withdraw",
    response={200: InstructionOut, **ERRORS},
    operation_id="instruction_withdraw",
    summary="Withdraw an instruction",
)
def instruction_withdraw(request: HttpRequest, instruction_id: int, payload: WithdrawIn) -> Any:
    user = _authorised(request)
    instruction = services.instruction_get(instruction_id)
    return instruction_out(
        services.instruction_withdraw(actor=user, instruction=instruction, note=payload.note)
    )


# --- the operator ------------------------------------------------------------------------------


@operator_router.get(
    "/operator/support-grants",
    response={200: Page[StaffGrantOut], **ERRORS},
    operation_id="operator_support_grants_list",
    summary="The support grants naming the caller, in every tenant (metadata only)",
)
def operator_support_grants(request: HttpRequest) -> Any:
    user = _operator(request, "operator.support")
    return {
        "items": [
            {
                "id": g.pk,
                "tenant_name": g.tenant.name,
                "tenant_slug": g.tenant.slug,
                "purpose": g.purpose,
                "level": g.level,
                "state": g.state(),
                "starts_at": g.starts_at,
                "ends_at": g.ends_at,
            }
            for g in selectors.staff_grants(user)
        ],
        "next_cursor": None,
    }


@operator_router.get(
    "/operator/instructions",
    response={200: Page[OperatorInstructionOut], **ERRORS},
    operation_id="operator_instructions_list",
    summary="Every tenant's instructions, those awaiting confirmation or suspended first",
)
def operator_instructions_list(request: HttpRequest) -> Any:
    _operator(request, "operator.instructions")
    return {
        "items": [_operator_instruction_out(i) for i in selectors.all_instructions()],
        "next_cursor": None,
    }


def _customer(tenant_id: int) -> Tenant:
    tenant = Tenant.objects.filter(pk=tenant_id, kind=Tenant.Kind.CUSTOMER).first()
    if tenant is None:
        raise NotFound("tenant not found")
    return tenant


@operator_router.post(
    "/operator/instructions",
    response={201: OperatorInstructionOut, **ERRORS},
    operation_id="operator_instruction_create",
    summary="Record an instruction received outside the app (oral ones await confirmation)",
)
def operator_instruction_post(request: HttpRequest, payload: OperatorInstructionIn) -> Any:
    user = _operator(request, "operator.instructions")
    instruction = services.instruction_record_for_tenant(
        actor=user,
        tenant=_customer(payload.tenant_id),
        text=payload.text,
        channel=payload.channel,
        given_on=payload.given_on,
        authorised_person_id=payload.authorised_person_id,
        given_by_id=payload.given_by_id,
    )
    return Status(201, _operator_instruction_out(instruction))


@operator_router.post(
    "/operator/instructions/{instruction_id}/flag",
    response={200: OperatorInstructionOut, **ERRORS},
    operation_id="operator_instruction_flag",
    summary="Flag an instruction as possibly unlawful: suspended, the tenant is notified",
)
def operator_instruction_flag(request: HttpRequest, instruction_id: int, payload: FlagIn) -> Any:
    user = _operator(request, "operator.instructions")
    instruction = services.instruction_flag(
        actor=user,
        instruction=services.instruction_get_any(instruction_id),
        reason=payload.reason,
    )
    return _operator_instruction_out(instruction)
