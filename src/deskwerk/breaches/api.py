"""Breaches over the API (DPA § 12, Art. 33/34 GDPR).

``/operator/breaches…`` is the operator's register: only operator staff holding
``operator.breaches`` reach it (404 for everyone else). ``/breaches…`` is the tenant's side:
the breaches concerning it with every notice, and the Art. 34 export of its own people's
contact data (owners and privacy officers; a browser session re-authenticates first).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import Field

from deskwerk.accounts.mfa import require_recent_authentication
from deskwerk.accounts.models import User
from deskwerk.api.auth import actor, require_scope
from deskwerk.api.schemas import ERRORS, ApiDateTime, Page, StrictIn
from deskwerk.breaches.models import Breach, BreachNotice, BreachTenant
from deskwerk.breaches.selectors import breaches_all, breaches_for_tenant
from deskwerk.breaches.services import (
    PERMISSION,
    TENANT_PERMISSION,
    affected_people,
    breach_close,
    breach_create,
    breach_follow_up,
    breach_get,
    breach_notify,
    breach_update,
    contents_of,
    deadline_met,
    tenant_breach_get,
)
from deskwerk.processor.services import require_operator

router = Router(tags=["breaches"])
operator_router = Router(tags=["operator"])
OPERATOR_SCOPE = "operator:admin"
SCOPE = "privacy:admin"

Text = Annotated[str, Field(max_length=5000)]
Count = Annotated[int, Field(ge=0, le=2_000_000_000, strict=True)]


# --- schemas -----------------------------------------------------------------------------------


class BreachIn(StrictIn):
    kind: Literal["breach", "suspected"]
    became_known_at: ApiDateTime
    tenant_ids: list[Annotated[int, Field(strict=True)]] = Field(min_length=1, max_length=1000)
    nature: Text = ""
    data_subject_categories: Text = ""
    data_subjects_approx: Count | None = None
    record_categories: Text = ""
    records_approx: Count | None = None
    contact_point: Text = ""
    likely_consequences: Text = ""
    measures: Text = ""


class BreachPatch(StrictIn):
    kind: Literal["breach", "suspected"] | None = None
    became_known_at: ApiDateTime | None = None
    tenant_ids: list[Annotated[int, Field(strict=True)]] | None = Field(
        None, min_length=1, max_length=1000
    )
    nature: Text | None = None
    data_subject_categories: Text | None = None
    data_subjects_approx: Count | None = None
    record_categories: Text | None = None
    records_approx: Count | None = None
    contact_point: Text | None = None
    likely_consequences: Text | None = None
    measures: Text | None = None


class NoteIn(StrictIn):
    note: Text = ""


class CloseIn(StrictIn):
    note: Text


class ContentsOut(Schema):
    nature: str
    data_subject_categories: str
    data_subjects_approx: int | None
    record_categories: str
    records_approx: int | None
    contact_point: str
    likely_consequences: str
    measures: str


class AffectedOut(Schema):
    tenant_id: int
    tenant_name: str
    first_notified_at: dt.datetime | None
    deadline_met: bool | None  # None: not notified, deadline not yet passed
    phases: int


class BreachOut(Schema):
    id: int
    kind: str
    became_known_at: dt.datetime
    deadline: dt.datetime
    remaining_seconds: int  # until the deadline; negative once passed
    status: str  # draft | complete | closed
    missing: list[str]
    contents: ContentsOut
    tenants: list[AffectedOut]
    created_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None
    closing_note: str


class NoticeOut(Schema):
    phase: int
    sent_at: dt.datetime
    contents: ContentsOut
    changed: list[str]
    missing: list[str]
    note: str


class TenantBreachOut(Schema):
    id: int
    kind: str
    became_known_at: dt.datetime
    deadline: dt.datetime
    status: str
    notified_at: dt.datetime | None
    deadline_met: bool | None
    phases: int
    missing: list[str]


class TenantBreachDetailOut(TenantBreachOut):
    closed_at: dt.datetime | None
    notices: list[NoticeOut]


# --- helpers -----------------------------------------------------------------------------------


def _operator(request: HttpRequest) -> User:
    """Operator staff holding ``operator.breaches`` (404 for everyone else), then the scope."""
    require_operator(actor(request), PERMISSION)
    return require_scope(request, OPERATOR_SCOPE, PERMISSION)


def _breach_out(breach: Breach) -> dict[str, Any]:
    now = timezone.now()
    phases: dict[int, int] = {}
    for tenant_id in BreachNotice.unscoped.filter(breach=breach).values_list(
        "tenant_id", flat=True
    ):
        phases[tenant_id] = phases.get(tenant_id, 0) + 1
    links = BreachTenant.unscoped.filter(breach=breach).select_related("tenant").order_by("pk")
    return {
        "id": breach.pk,
        "kind": breach.kind,
        "became_known_at": breach.became_known_at,
        "deadline": breach.deadline,
        "remaining_seconds": int((breach.deadline - now).total_seconds()),
        "status": breach.status,
        "missing": breach.missing,
        "contents": contents_of(breach),
        "tenants": [
            {
                "tenant_id": link.tenant_id,
                "tenant_name": link.tenant.name,
                "first_notified_at": link.first_notified_at,
                "deadline_met": deadline_met(breach, link.first_notified_at, now),
                "phases": phases.get(link.tenant_id, 0),
            }
            for link in links
        ],
        "created_at": breach.created_at,
        "updated_at": breach.updated_at,
        "closed_at": breach.closed_at,
        "closing_note": breach.closing_note,
    }


def _notice_out(notice: BreachNotice) -> dict[str, Any]:
    return {
        "phase": notice.phase,
        "sent_at": notice.sent_at,
        "contents": notice.contents,
        "changed": notice.changed,
        "missing": notice.missing,
        "note": notice.note,
    }


# --- the operator's register -------------------------------------------------------------------


@operator_router.get(
    "/operator/breaches",
    response={200: Page[BreachOut], **ERRORS},
    operation_id="operator_breaches_list",
    summary="Every recorded breach with its deadline and who was notified when",
)
def operator_breaches_list(request: HttpRequest) -> Any:
    _operator(request)
    return {"items": [_breach_out(b) for b in breaches_all()], "next_cursor": None}


@operator_router.post(
    "/operator/breaches",
    response={201: BreachOut, **ERRORS},
    operation_id="operator_breach_create",
    summary="Record a breach or suspected breach (a draft while Art. 33 (3) contents are missing)",
)
def operator_breach_create(request: HttpRequest, payload: BreachIn) -> Any:
    user = _operator(request)
    breach = breach_create(actor=user, data=payload.model_dump())
    return Status(201, _breach_out(breach))


@operator_router.get(
    "/operator/breaches/{breach_id}",
    response={200: BreachOut, **ERRORS},
    operation_id="operator_breach_get",
    summary="One breach with its deadline and the affected tenants",
)
def operator_breach_get(request: HttpRequest, breach_id: int) -> Any:
    _operator(request)
    return _breach_out(breach_get(breach_id))


@operator_router.patch(
    "/operator/breaches/{breach_id}",
    response={200: BreachOut, **ERRORS},
    operation_id="operator_breach_update",
    summary="Complete or correct the record (a follow-up sends the changes)",
)
def operator_breach_update(request: HttpRequest, breach_id: int, payload: BreachPatch) -> Any:
    user = _operator(request)
    breach = breach_get(breach_id)
    changes = payload.model_dump(exclude_unset=True)
    for key in ("kind", "became_known_at", "tenant_ids"):
        if key in changes and changes[key] is None:
            changes[key] = ""  # refused by the service
    return _breach_out(breach_update(actor=user, breach=breach, data=changes))


@operator_router.post(
    "/operator/breaches/{breach_id}/notify",
    response={200: BreachOut, **ERRORS},
    operation_id="operator_breach_notify",
    summary="Notify every affected tenant not yet notified (phase 1), with what is known",
)
def operator_breach_notify(request: HttpRequest, breach_id: int, payload: NoteIn) -> Any:
    user = _operator(request)
    result = breach_notify(actor=user, breach=breach_get(breach_id), note=payload.note)
    return _breach_out(result.breach)


@operator_router.post(
    "/operator/breaches/{breach_id}/follow-up",
    response={200: BreachOut, **ERRORS},
    operation_id="operator_breach_follow_up",
    summary="Send the next phase: what changed since each tenant's last notice",
)
def operator_breach_follow_up(request: HttpRequest, breach_id: int, payload: NoteIn) -> Any:
    user = _operator(request)
    result = breach_follow_up(actor=user, breach=breach_get(breach_id), note=payload.note)
    return _breach_out(result.breach)


@operator_router.post(
    "/operator/breaches/{breach_id}/close",
    response={200: BreachOut, **ERRORS},
    operation_id="operator_breach_close",
    summary="Close a breach with a note; reminders stop",
)
def operator_breach_close(request: HttpRequest, breach_id: int, payload: CloseIn) -> Any:
    user = _operator(request)
    return _breach_out(breach_close(actor=user, breach=breach_get(breach_id), note=payload.note))


# --- the tenant's side -------------------------------------------------------------------------


def _tenant_admin(request: HttpRequest) -> User:
    return require_scope(request, SCOPE, TENANT_PERMISSION)


@router.get(
    "/breaches",
    response={200: Page[TenantBreachOut], **ERRORS},
    operation_id="breaches_list",
    summary="The breaches concerning the tenant, with deadline and first notice",
)
def breaches_list(request: HttpRequest) -> Any:
    user = _tenant_admin(request)
    now = timezone.now()
    items = []
    for s in breaches_for_tenant(user.tenant):
        met = None
        if s.notified_at is not None:
            met = s.notified_at <= s.deadline
        elif now > s.deadline:
            met = False
        items.append({**vars(s), "deadline_met": met})
    return {"items": items, "next_cursor": None}


@router.get(
    "/breaches/{breach_id}",
    response={200: TenantBreachDetailOut, **ERRORS},
    operation_id="breach_get",
    summary="One breach concerning the tenant with every notice (phases)",
)
def breach_detail(request: HttpRequest, breach_id: int) -> Any:
    user = _tenant_admin(request)
    breach, link = tenant_breach_get(actor=user, breach_id=breach_id)
    notices = BreachNotice.unscoped.filter(tenant_id=user.tenant_id, breach=breach).order_by(
        "phase", "pk"
    )
    items = [_notice_out(n) for n in notices]
    return {
        "id": breach.pk,
        "kind": breach.kind,
        "became_known_at": breach.became_known_at,
        "deadline": breach.deadline,
        "status": breach.status,
        "notified_at": link.first_notified_at,
        "deadline_met": deadline_met(breach, link.first_notified_at),
        "phases": len(items),
        "missing": breach.missing,
        "closed_at": breach.closed_at,
        "notices": items,
    }


CSV_OPENAPI: dict[str, Any] = {
    "responses": {
        200: {  # an int, like ninja's own key, so the two are merged
            "description": "CSV: name, email, language",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}


def people_csv(rows: list[dict[str, str]]) -> str:
    """The CSV of an Art. 34 export; cells a spreadsheet would run as formulas are quoted."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["name", "email", "language"])
    for row in rows:
        writer.writerow(
            [
                "'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r") else v
                for v in (row["name"], row["email"], row["language"])
            ]
        )
    return buffer.getvalue()


@router.get(
    "/breaches/{breach_id}/affected-people",
    response={200: None, **ERRORS},
    operation_id="breach_affected_people",
    openapi_extra=CSV_OPENAPI,
    summary="CSV of the tenant's people (name, e-mail, language) for Art. 34 notices",
)
def breach_affected_people(
    request: HttpRequest,
    breach_id: int,
    audience: Literal["active", "period"] = "active",
    since: ApiDateTime | None = None,
    until: ApiDateTime | None = None,
) -> HttpResponse:
    user = _tenant_admin(request)
    breach, _link = tenant_breach_get(actor=user, breach_id=breach_id)
    require_recent_authentication(request)  # a session re-authenticates first (decision 0020)
    rows = affected_people(actor=user, breach=breach, audience=audience, since=since, until=until)
    response = HttpResponse(people_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="breach-{breach.pk}-people-{user.tenant.slug}.csv"'
    )
    response["Cache-Control"] = "no-store"
    return response
