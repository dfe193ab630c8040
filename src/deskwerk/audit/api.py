"""The audit log over the API: a filtered list and a streamed export, for administrators."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import AfterValidator, Field

from deskwerk.accounts.mfa import require_recent_authentication
from deskwerk.api.auth import require_scope
from deskwerk.api.pagination import paginate
from deskwerk.api.schemas import ERRORS, ApiDateTime, Page
from deskwerk.audit.models import AuditEvent
from deskwerk.audit.selectors import audit_events, chain_pages
from deskwerk.audit.services import audit_record, audit_seal

router = Router(tags=["audit"])

SCOPE = "audit:read"
EXPORT_CHUNK = 1000


def _no_nul(value: str) -> str:
    """PostgreSQL cannot compare with NUL: refuse it as invalid input instead of a 500."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, Field(max_length=64), AfterValidator(_no_nul)]
Id = Annotated[int, Field(ge=0, le=2**63 - 1)]


class AuditEventOut(Schema):
    id: int
    at: dt.datetime
    actor_id: int | None  # None: the system or a service token
    actor_label: str  # "service token <prefix>", "operator account <id>"; else empty
    action: str
    object_type: str
    object_id: str
    changed_fields: list[str]
    request_id: str
    ip: str
    seq: int | None  # None until sealed (within about a minute)
    prev_hash: str | None
    hash: str | None


class Filters(Schema):
    action: Text | None = None
    actor_id: Id | None = None
    object_type: Text | None = None
    object_id: Text | None = None
    since: ApiDateTime | None = None
    until: ApiDateTime | None = None


@router.get(
    "/audit-events",
    response={200: Page[AuditEventOut], **ERRORS},
    operation_id="audit_event_list",
    summary="The tenant's audit log, oldest first, filtered (administrators)",
)
def audit_event_list(
    request: HttpRequest,
    filters: Query[Filters],
    cursor: str | None = None,
    limit: int = 50,
) -> Any:
    """``since`` is inclusive, ``until`` exclusive. Rows carry their chain hashes once sealed."""
    user = require_scope(request, SCOPE)
    qs = audit_events(tenant=user.tenant, **filters.model_dump())
    items, next_cursor = paginate(
        qs, order=["id"], cursor=cursor, limit=limit, key=lambda e: [e.pk]
    )
    return {"items": items, "next_cursor": next_cursor}


CSV_COLUMNS = list(AuditEventOut.model_fields)
EXPORT_OPENAPI: dict[str, Any] = {
    "responses": {
        200: {  # an int, like ninja's own key, so the two are merged
            "description": "The events in chain order, streamed: a JSON array or CSV",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}


@router.get(
    "/audit-events/export",
    response={200: list[AuditEventOut], **ERRORS},
    operation_id="audit_event_export",
    openapi_extra=EXPORT_OPENAPI,
    summary="Export the tenant's audit log as JSON or CSV, streamed (administrators)",
)
def audit_event_export(
    request: HttpRequest,
    format: Literal["json", "csv"] = "json",
    since: ApiDateTime | None = None,
    until: ApiDateTime | None = None,
) -> StreamingHttpResponse:
    """Audited as ``audit.export``, then sealed, so the export shows complete hash chains."""
    user = require_scope(request, SCOPE)
    require_recent_authentication(request)  # a session re-authenticates first (decision 0020)
    tenant = user.tenant
    audit_record(tenant=tenant, actor=user, action="audit.export", object_type="audit.auditevent")
    audit_seal(tenant)
    qs = audit_events(tenant=tenant, since=since, until=until)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    body = _csv(qs) if format == "csv" else _json(qs)
    response = StreamingHttpResponse(
        body, content_type="text/csv; charset=utf-8" if format == "csv" else "application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="audit-{tenant.slug}-{stamp}.{format}"'
    return response


def _rows(qs: QuerySet[AuditEvent]) -> Iterator[list[dict[str, Any]]]:
    """Pages of rows in chain order: bounded memory, no server-side cursor."""
    yield from chain_pages(qs, CSV_COLUMNS, size=EXPORT_CHUNK)
    # Rows that committed after the seal above (rare, seconds old) close the export.
    yield list(qs.filter(seq__isnull=True).order_by("id").values(*CSV_COLUMNS))


def _time(value: dt.datetime) -> str:
    """UTC with microseconds: the form the chain hashes, so an export can be re-hashed."""
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _json(qs: QuerySet[AuditEvent]) -> Iterator[str]:
    yield "["
    separator = "\n"
    for chunk in _rows(qs):
        for row in chunk:
            row["at"] = _time(row["at"])
            yield separator + json.dumps(row, ensure_ascii=False)
            separator = ",\n"
    yield "\n]\n"


def _cell(value: Any) -> Any:
    """Spreadsheets run cells starting with = + - @ as formulas: quote them (CSV only)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv(qs: QuerySet[AuditEvent]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for chunk in _rows(qs):
        for row in chunk:
            row["at"] = _time(row["at"])
            row["changed_fields"] = " ".join(row["changed_fields"] or [])
            writer.writerow([_cell(row[c]) for c in CSV_COLUMNS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
