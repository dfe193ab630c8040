"""The processing agreement over the API.

``/processor/…`` is the tenant's side: its authorised persons (owners, ``processor:admin``), the
subprocessor list with its history (everyone), objections (system admins and authorised
persons). ``/operator/…`` is the operator console: only operator staff reach it — to everyone
else it answers 404 — and it shows tenants' metadata and counts, never their people's data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import Field

from deskwerk.accounts.models import User
from deskwerk.api.auth import actor, require_scope
from deskwerk.api.schemas import ERRORS, Page, StrictIn
from deskwerk.core.errors import NotFound
from deskwerk.processor.models import AuthorisedPerson, Objection, Subprocessor
from deskwerk.processor.selectors import (
    authorised_recipients,
    subprocessor_history,
    subprocessors_current,
    tenants_overview,
)
from deskwerk.processor.services import (
    authorised_person_create,
    authorised_person_delete,
    authorised_person_update,
    objection_create,
    objection_get,
    objection_resolve,
    require_operator,
    subprocessor_activate,
    subprocessor_announce,
    subprocessor_get,
    subprocessor_withdraw,
    tenant_lifecycle_set,
)
from deskwerk.tenancy.models import Tenant

router = Router(tags=["processor"])
operator_router = Router(tags=["operator"])
SCOPE = "processor:admin"
OPERATOR_SCOPE = "operator:admin"


# --- schemas -----------------------------------------------------------------------------------


class AuthorisedPersonOut(Schema):
    id: int
    first_name: str
    last_name: str
    org_unit: str
    email: str
    phone: str
    person_id: int | None  # the linked account, if any
    created_at: dt.datetime
    updated_at: dt.datetime


class RecipientOut(Schema):
    name: str
    email: str
    person_id: int | None
    named: bool  # False: a system administrator, as no authorised person is named (§ 6 (4))


class AuthorisedPersonsOut(Page[AuthorisedPersonOut]):
    recipients: list[RecipientOut]  # who receives the operator's notices now


class AuthorisedPersonIn(StrictIn):
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    email: str = Field(max_length=254)
    org_unit: str = Field("", max_length=200)
    phone: str = Field("", max_length=50)
    person_id: int | None = None


class AuthorisedPersonPatch(StrictIn):
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    email: str | None = Field(None, max_length=254)
    org_unit: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=50)
    person_id: int | None = None


class ObjectionOut(Schema):
    id: int
    subprocessor_id: int
    reason: str
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    resolution: str


class SubprocessorOut(Schema):
    id: int
    name: str
    address: str
    country: str
    eu_eea: bool
    service: str
    status: str
    announced_at: dt.datetime | None
    objection_deadline: dt.datetime | None
    objection_window_open: bool
    activated_at: dt.datetime | None
    withdrawn_at: dt.datetime | None


class TenantSubprocessorOut(SubprocessorOut):
    objection: ObjectionOut | None  # the caller's tenant's latest objection


class ChangeOut(Schema):
    subprocessor_id: int
    subprocessor_name: str
    action: str
    at: dt.datetime
    note: str


class HistoryOut(Schema):
    items: list[ChangeOut]
    objections: list[ObjectionOut]  # the caller's tenant's own
    next_cursor: str | None = None


class ObjectionIn(StrictIn):
    subprocessor_id: int
    reason: str = Field(max_length=2000)


class TenantOut(Schema):
    id: int
    name: str
    slug: str
    kind: str
    status: str
    created_at: dt.datetime
    people: int
    resources: int
    authorised_persons: int
    open_objections: int


class StatusIn(StrictIn):
    status: str = Field(max_length=20)


class AnnounceIn(StrictIn):
    name: str = Field(max_length=200)
    address: str = Field(max_length=300)
    country: str = Field(max_length=2)
    service: str = Field(max_length=500)


class OperatorSubprocessorOut(SubprocessorOut):
    open_objections: int
    objections: int


class OperatorObjectionOut(ObjectionOut):
    tenant_id: int
    tenant_name: str
    subprocessor_name: str


class ResolveIn(StrictIn):
    resolution: str = Field(max_length=2000)


class WithdrawIn(StrictIn):
    note: str = Field("", max_length=500)


# --- helpers -----------------------------------------------------------------------------------


def _person_out(p: AuthorisedPerson) -> dict[str, Any]:
    return {
        "id": p.pk,
        "first_name": p.first_name,
        "last_name": p.last_name,
        "org_unit": p.org_unit,
        "email": p.email,
        "phone": p.phone,
        "person_id": p.user_id,
        "created_at": p.created_at,
        "updated_at": p.updated_at,
    }


def _objection_out(o: Objection) -> dict[str, Any]:
    return {
        "id": o.pk,
        "subprocessor_id": o.subprocessor_id,
        "reason": o.reason,
        "created_at": o.created_at,
        "resolved_at": o.resolved_at,
        "resolution": o.resolution,
    }


def _sub_out(s: Subprocessor) -> dict[str, Any]:
    return {
        "id": s.pk,
        "name": s.name,
        "address": s.address,
        "country": s.country,
        "eu_eea": s.eu_eea,
        "service": s.service,
        "status": s.status,
        "announced_at": s.announced_at,
        "objection_deadline": s.objection_deadline,
        "objection_window_open": s.status == Subprocessor.Status.PLANNED
        and s.objection_deadline is not None
        and timezone.now() < s.objection_deadline,
        "activated_at": s.activated_at,
        "withdrawn_at": s.withdrawn_at,
    }


def _admin(request: HttpRequest) -> User:
    return require_scope(request, SCOPE, "processor.manage")


def _authorised_person(person_id: int) -> AuthorisedPerson:
    person = AuthorisedPerson.objects.filter(pk=person_id).first()
    if person is None:
        raise NotFound("authorised person not found")
    return person


def _operator(request: HttpRequest, permission: str) -> User:
    """Operator staff holding ``permission`` (404 for everyone else), then the token's scope."""
    require_operator(actor(request), permission)
    return require_scope(request, OPERATOR_SCOPE, permission)


# --- the tenant's side -------------------------------------------------------------------------


@router.get(
    "/processor/authorised-persons",
    response={200: AuthorisedPersonsOut, **ERRORS},
    operation_id="authorised_persons_list",
    summary="The tenant's authorised persons (§ 6 (3)) and who receives notices now",
)
def authorised_persons_list(request: HttpRequest) -> Any:
    user = _admin(request)
    persons = AuthorisedPerson.objects.order_by("last_name", "first_name", "pk")
    return {
        "items": [_person_out(p) for p in persons],
        "next_cursor": None,  # one page: a handful of people
        "recipients": [
            {"name": r.name, "email": r.email, "person_id": r.user_id, "named": r.named}
            for r in authorised_recipients(user.tenant)
        ],
    }


@router.post(
    "/processor/authorised-persons",
    response={201: AuthorisedPersonOut, **ERRORS},
    operation_id="authorised_person_create",
    summary="Name an authorised person (the operator is notified)",
)
def authorised_person_post(request: HttpRequest, payload: AuthorisedPersonIn) -> Any:
    user = _admin(request)
    person = authorised_person_create(
        actor=user,
        first_name=payload.first_name,
        last_name=payload.last_name,
        email=payload.email,
        org_unit=payload.org_unit,
        phone=payload.phone,
        user_id=payload.person_id,
    )
    return Status(201, _person_out(person))


@router.patch(
    "/processor/authorised-persons/{person_id}",
    response={200: AuthorisedPersonOut, **ERRORS},
    operation_id="authorised_person_update",
    summary="Change an authorised person (the operator is notified)",
)
def authorised_person_patch(
    request: HttpRequest, person_id: int, payload: AuthorisedPersonPatch
) -> Any:
    user = _admin(request)
    person = _authorised_person(person_id)
    changes = payload.model_dump(exclude_unset=True)
    for key in ("first_name", "last_name", "email"):
        if key in changes and changes[key] is None:
            changes[key] = ""  # refused by the service as missing
    for key in ("org_unit", "phone"):
        if key in changes and changes[key] is None:
            changes[key] = ""
    if "person_id" in changes:
        changes["user_id"] = changes.pop("person_id")
    return _person_out(authorised_person_update(actor=user, person=person, changes=changes))


@router.delete(
    "/processor/authorised-persons/{person_id}",
    response={204: None, **ERRORS},
    operation_id="authorised_person_delete",
    summary="Remove an authorised person (the operator is notified)",
)
def authorised_person_remove(request: HttpRequest, person_id: int) -> Any:
    user = _admin(request)
    authorised_person_delete(actor=user, person=_authorised_person(person_id))
    return Status(204, None)


@router.get(
    "/processor/subprocessors",
    response={200: Page[TenantSubprocessorOut], **ERRORS},
    operation_id="subprocessors_list",
    summary="The subprocessors engaged and planned now, with the tenant's objections",
)
def subprocessors_list(request: HttpRequest) -> Any:
    actor(request)
    latest: dict[int, Objection] = {}
    for objection in Objection.objects.order_by("created_at", "pk"):
        latest[objection.subprocessor_id] = objection
    items = []
    for sub in subprocessors_current():
        objection = latest.get(sub.pk)
        items.append(
            {**_sub_out(sub), "objection": _objection_out(objection) if objection else None}
        )
    return {"items": items, "next_cursor": None}


@router.get(
    "/processor/subprocessors/history",
    response={200: HistoryOut, **ERRORS},
    operation_id="subprocessors_history",
    summary="Every change of the registry, oldest first, and the tenant's own objections",
)
def subprocessors_history(request: HttpRequest) -> Any:
    actor(request)
    return {
        "items": [
            {
                "subprocessor_id": c.subprocessor_id,
                "subprocessor_name": c.subprocessor.name,
                "action": c.action,
                "at": c.at,
                "note": c.note,
            }
            for c in subprocessor_history()
        ],
        "objections": [_objection_out(o) for o in Objection.objects.order_by("created_at", "pk")],
        "next_cursor": None,
    }


@router.post(
    "/processor/objections",
    response={201: ObjectionOut, **ERRORS},
    operation_id="objection_create",
    summary="Object to a planned subprocessor within its window (system admins, authorised persons)",
)
def objection_post(request: HttpRequest, payload: ObjectionIn) -> Any:
    user = actor(request)
    sub = subprocessor_get(payload.subprocessor_id)
    objection = objection_create(actor=user, subprocessor=sub, reason=payload.reason)
    return Status(201, _objection_out(objection))


# --- the operator console ----------------------------------------------------------------------


@operator_router.get(
    "/operator/tenants",
    response={200: Page[TenantOut], **ERRORS},
    operation_id="operator_tenants_list",
    summary="Every tenant: name, slug, kind, status, counts — no personal data",
)
def operator_tenants_list(request: HttpRequest) -> Any:
    _operator(request, "operator.tenants")
    tenants = list(Tenant.objects.order_by("slug"))
    return {"items": [vars(t) for t in tenants_overview(tenants)], "next_cursor": None}


def _tenant(tenant_id: int) -> Tenant:
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        raise NotFound("tenant not found")
    return tenant


@operator_router.get(
    "/operator/tenants/{tenant_id}",
    response={200: TenantOut, **ERRORS},
    operation_id="operator_tenant_get",
    summary="One tenant's metadata and counts",
)
def operator_tenant_get(request: HttpRequest, tenant_id: int) -> Any:
    _operator(request, "operator.tenants")
    return vars(tenants_overview([_tenant(tenant_id)])[0])


@operator_router.post(
    "/operator/tenants/{tenant_id}/status",
    response={200: TenantOut, **ERRORS},
    operation_id="operator_tenant_status",
    summary="Move a tenant to trial, active, suspended or terminated",
)
def operator_tenant_status(request: HttpRequest, tenant_id: int, payload: StatusIn) -> Any:
    user = _operator(request, "operator.tenants")
    tenant = tenant_lifecycle_set(actor=user, tenant=_tenant(tenant_id), status=payload.status)
    return vars(tenants_overview([tenant])[0])


def _operator_sub_out(sub: Subprocessor, counts: dict[int, tuple[int, int]]) -> dict[str, Any]:
    total, open_ = counts.get(sub.pk, (0, 0))
    return {**_sub_out(sub), "objections": total, "open_objections": open_}


def _objection_counts() -> dict[int, tuple[int, int]]:
    counts: dict[int, tuple[int, int]] = {}
    for sub_id, resolved_at in Objection.unscoped.values_list("subprocessor_id", "resolved_at"):
        total, open_ = counts.get(sub_id, (0, 0))
        counts[sub_id] = (total + 1, open_ + (resolved_at is None))
    return counts


@operator_router.get(
    "/operator/subprocessors",
    response={200: Page[OperatorSubprocessorOut], **ERRORS},
    operation_id="operator_subprocessors_list",
    summary="The whole registry, withdrawn ones included, with objection counts",
)
def operator_subprocessors_list(request: HttpRequest) -> Any:
    _operator(request, "operator.subprocessors")
    counts = _objection_counts()
    subs = Subprocessor.objects.order_by("status", "name", "pk")
    return {"items": [_operator_sub_out(s, counts) for s in subs], "next_cursor": None}


@operator_router.post(
    "/operator/subprocessors",
    response={201: OperatorSubprocessorOut, **ERRORS},
    operation_id="operator_subprocessor_announce",
    summary="Announce a planned subprocessor: every tenant is notified, the window opens",
)
def operator_subprocessor_announce(request: HttpRequest, payload: AnnounceIn) -> Any:
    user = _operator(request, "operator.subprocessors")
    sub = subprocessor_announce(
        actor=user,
        name=payload.name,
        address=payload.address,
        country=payload.country,
        service=payload.service,
    )
    return Status(201, _operator_sub_out(sub, {}))


@operator_router.post(
    "/operator/subprocessors/{subprocessor_id}/activate",
    response={200: OperatorSubprocessorOut, **ERRORS},
    operation_id="operator_subprocessor_activate",
    summary="Engage a planned subprocessor (after its window, with no open objection)",
)
def operator_subprocessor_activate(request: HttpRequest, subprocessor_id: int) -> Any:
    user = _operator(request, "operator.subprocessors")
    sub = subprocessor_activate(actor=user, subprocessor=subprocessor_get(subprocessor_id))
    return _operator_sub_out(sub, _objection_counts())


@operator_router.post(
    "/operator/subprocessors/{subprocessor_id}/withdraw",
    response={200: OperatorSubprocessorOut, **ERRORS},
    operation_id="operator_subprocessor_withdraw",
    summary="Withdraw a planned or active subprocessor; open objections are settled",
)
def operator_subprocessor_withdraw(
    request: HttpRequest, subprocessor_id: int, payload: WithdrawIn
) -> Any:
    user = _operator(request, "operator.subprocessors")
    sub = subprocessor_withdraw(
        actor=user, subprocessor=subprocessor_get(subprocessor_id), note=payload.note
    )
    return _operator_sub_out(sub, _objection_counts())


def _operator_objection_out(o: Objection) -> dict[str, Any]:
    return {
        **_objection_out(o),
        "tenant_id": o.tenant_id,
        "tenant_name": o.tenant.name,
        "subprocessor_name": o.subprocessor.name,
    }


@operator_router.get(
    "/operator/objections",
    response={200: Page[OperatorObjectionOut], **ERRORS},
    operation_id="operator_objections_list",
    summary="Every tenant's objections, open ones first",
)
def operator_objections_list(request: HttpRequest) -> Any:
    _operator(request, "operator.subprocessors")
    objections = Objection.unscoped.select_related("tenant", "subprocessor").order_by(
        F("resolved_at").desc(nulls_first=True), "created_at", "pk"
    )
    return {"items": [_operator_objection_out(o) for o in objections], "next_cursor": None}


@operator_router.post(
    "/operator/objections/{objection_id}/resolve",
    response={200: OperatorObjectionOut, **ERRORS},
    operation_id="operator_objection_resolve",
    summary="Answer an objection (the tenant's authorised persons are notified)",
)
def operator_objection_resolve(request: HttpRequest, objection_id: int, payload: ResolveIn) -> Any:
    user = _operator(request, "operator.subprocessors")
    objection = objection_resolve(
        actor=user, objection=objection_get(objection_id), resolution=payload.resolution
    )
    return _operator_objection_out(objection)
