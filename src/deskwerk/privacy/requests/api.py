"""The data-subject requests inbox over the API.

Administrators (with the ``privacy:admin`` scope on tokens) see and handle every request of
the tenant; anyone may file a request about themselves and follow it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import Field

from deskwerk.access.models import ApiToken
from deskwerk.access.roles import has_permission
from deskwerk.accounts.mfa import require_recent_authentication
from deskwerk.accounts.models import User
from deskwerk.api.auth import actor, require_scope
from deskwerk.api.pagination import paginate
from deskwerk.api.schemas import ERRORS, Page, StrictIn
from deskwerk.core.errors import NotFound
from deskwerk.privacy.models import DataSubjectRequest
from deskwerk.privacy.requests import restriction, services

router = Router(tags=["privacy"])

Kind = Literal["access", "rectification", "erasure", "restriction"]
Source = Literal["subject", "admin", "operator"]
State = Literal["received", "in_progress", "completed", "rejected"]


class RequestIn(StrictIn):
    kind: Kind
    subject_id: int | None = Field(None, description="the person; default: the caller")
    source: Source | None = Field(
        None, description="administrators: 'admin' (default) or 'operator' (forwarded to you)"
    )
    note: str = Field("", max_length=4000)


class TransitionIn(StrictIn):
    status: Literal["in_progress", "completed", "rejected"]
    reason: str = Field("", max_length=4000)


class ExecuteIn(StrictIn):
    confirm: bool = Field(False, description="required for erasure, which cannot be undone")


class RequestEventOut(Schema):
    status: State
    at: dt.datetime
    actor_id: int | None
    reason: str


class RequestOut(Schema):
    id: int
    kind: Kind
    source: Source
    status: State
    subject_id: int | None
    person_pseudonym: str
    received_at: dt.datetime
    due_at: dt.datetime
    overdue: bool
    completed_at: dt.datetime | None
    reminded_at: dt.datetime | None
    note: str
    reason: str
    result: dict[str, Any]
    created_by_id: int | None

    @staticmethod
    def resolve_overdue(obj: DataSubjectRequest) -> bool:
        return obj.is_open and obj.due_at < timezone.now()


class RequestDetailOut(RequestOut):
    events: list[RequestEventOut]

    @staticmethod
    def resolve_events(obj: DataSubjectRequest) -> list[Any]:
        return list(obj.events.all())


class PersonRestrictionOut(Schema):
    id: int
    restricted_at: dt.datetime | None
    changed: bool


def _sees_all(request: HttpRequest, user: User) -> bool:
    """Administrators see the whole inbox; through a token only with ``privacy:admin``."""
    token: ApiToken | None = getattr(request, "api_token", None)
    return has_permission(user, "privacy.requests") and (
        token is None or "privacy:admin" in token.scopes
    )


def _visible(request: HttpRequest, request_id: int) -> DataSubjectRequest:
    user = actor(request)
    found = DataSubjectRequest.objects.filter(pk=request_id).first()
    if found is None or not (_sees_all(request, user) or found.subject_id == user.pk):
        raise NotFound("request not found")
    return found


def _person(person_id: int) -> User:
    person = User.objects.filter(pk=person_id).first()
    if person is None:
        raise NotFound("person not found")
    return person


@router.get(
    "/privacy/requests",
    response={200: Page[RequestOut], **ERRORS},
    operation_id="privacy_request_list",
    summary="Data-subject requests: all of the tenant (administrators) or the caller's own",
)
def request_list(
    request: HttpRequest,
    status: State | None = None,
    kind: Kind | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Any:
    user = actor(request)
    qs = DataSubjectRequest.objects.all()
    if not _sees_all(request, user):
        qs = qs.filter(subject=user)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    items, next_cursor = paginate(
        qs, order=["id"], cursor=cursor, limit=limit, key=lambda r: [r.pk]
    )
    return {"items": items, "next_cursor": next_cursor}


@router.post(
    "/privacy/requests",
    response={201: RequestDetailOut, **ERRORS},
    operation_id="privacy_request_create",
    summary="File a request: about yourself, or (administrators) about a person of the tenant",
)
def request_create(request: HttpRequest, payload: RequestIn) -> Any:
    user = actor(request)
    subject = user
    if payload.subject_id is not None and payload.subject_id != user.pk:
        user = require_scope(request, "privacy:admin")
        subject = _person(payload.subject_id)
    created = services.request_create(
        actor=user,
        tenant=user.tenant,
        subject=subject,
        kind=payload.kind,
        source=payload.source,
        note=payload.note,
    )
    return Status(201, created)


@router.get(
    "/privacy/requests/{request_id}",
    response={200: RequestDetailOut, **ERRORS},
    operation_id="privacy_request_get",
    summary="One request with its status history",
)
def request_get(request: HttpRequest, request_id: int) -> Any:
    return _visible(request, request_id)


@router.post(
    "/privacy/requests/{request_id}/transition",
    response={200: RequestDetailOut, **ERRORS},
    operation_id="privacy_request_transition",
    summary="Move a request on: in_progress, completed (rectification) or rejected (reason)",
)
def request_transition(request: HttpRequest, request_id: int, payload: TransitionIn) -> Any:
    user = require_scope(request, "privacy:admin")
    return services.request_transition(
        actor=user,
        request=_visible(request, request_id),
        status=payload.status,
        reason=payload.reason,
    )


@router.post(
    "/privacy/requests/{request_id}/execute",
    response={200: RequestDetailOut, **ERRORS},
    operation_id="privacy_request_execute",
    summary="Carry out an access, erasure or restriction request and complete it",
)
def request_execute(request: HttpRequest, request_id: int, payload: ExecuteIn) -> Any:
    user = require_scope(request, "privacy:admin")
    return services.request_execute(
        actor=user, request=_visible(request, request_id), confirm=payload.confirm
    )


@router.get(
    "/privacy/requests/{request_id}/export",
    response={200: None, **ERRORS},
    operation_id="privacy_request_export",
    summary="Download the access export (ZIP: JSON per data category, HTML summary)",
    openapi_extra={
        "responses": {
            200: {  # an int, like ninja's own key, so the two are merged
                "description": "a ZIP archive, streamed",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def request_export(request: HttpRequest, request_id: int) -> Any:
    user = require_scope(request, "privacy:admin")
    require_recent_authentication(request)  # a session re-authenticates first (decision 0020)
    found = _visible(request, request_id)
    chunks = services.request_export(actor=user, request=found)
    response = StreamingHttpResponse(chunks, content_type="application/zip")
    name = f"deskwerk-export-{user.tenant.slug}-request-{found.pk}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@router.delete(
    "/people/{person_id}/restriction",
    response={200: PersonRestrictionOut, **ERRORS},
    operation_id="person_restriction_lift",
    summary="Lift a restriction of processing (Art. 18); idempotent",
)
def restriction_lift(request: HttpRequest, person_id: int) -> Any:
    user = require_scope(request, "privacy:admin")
    result = restriction.restriction_lift(actor=user, person=_person(person_id))
    return {
        "id": result.person.pk,
        "restricted_at": result.person.restricted_at,
        "changed": result.changed,
    }
