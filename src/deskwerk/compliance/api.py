"""The compliance report over the API (DPA § 15): JSON for owners, auditors, privacy officers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja import Router

from deskwerk.api.auth import require_scope
from deskwerk.api.schemas import ERRORS
from deskwerk.compliance.services import compliance_report

router = Router(tags=["compliance"])
SCOPE = "audit:read"


@router.get(
    "/compliance/report",
    response={200: None, **ERRORS},
    operation_id="compliance_report",
    summary="The tenant's compliance report: Annex 1 measures with live evidence (DPA § 15)",
)
def compliance_report_get(request: HttpRequest) -> Any:
    """Generated on each call (and audited as ``compliance.report``); the web page offers the
    same report as HTML and PDF."""
    user = require_scope(request, SCOPE, "compliance.report")
    report = compliance_report(actor=user, fmt="json")
    return JsonResponse(report, json_dumps_params={"ensure_ascii": False})
