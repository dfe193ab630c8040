"""The records of processing over the API, for the tenant's administrators."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router

from deskwerk.api.auth import require_scope
from deskwerk.api.schemas import ERRORS
from deskwerk.audit.services import audit_record
from deskwerk.privacy.records import records, records_html
from deskwerk.web.middleware import STANDALONE_DOCUMENT_POLICY

router = Router(tags=["privacy"])


@router.get(
    "/privacy/records",
    response={200: None, **ERRORS},
    operation_id="privacy_records",
    summary="Records of processing (Art. 30 (2)) for this tenant, from the data map",
)
def privacy_records(request: HttpRequest, format: Literal["json", "html"] = "json") -> Any:
    user = require_scope(request, "privacy:admin", "privacy.records")
    audit_record(
        tenant=user.tenant, actor=user, action="privacy.records_read", object_type="privacy.records"
    )
    if format == "html":
        response = HttpResponse(records_html(user.tenant), content_type="text/html; charset=utf-8")
        # A standalone document: its own inline styles, no script at all (docs/frontend.md).
        response["Content-Security-Policy"] = STANDALONE_DOCUMENT_POLICY
        return response
    return JsonResponse(records(user.tenant), json_dumps_params={"ensure_ascii": False})
