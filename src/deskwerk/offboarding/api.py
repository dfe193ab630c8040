"""Offboardings over the API: the operator console only (404 for everyone else).

The terminated tenant itself has no API any more (its tokens stopped at termination); it
reaches its archive through the token link of the notice (``/offboarding/<token>/``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from deskwerk.accounts.models import User
from deskwerk.api.auth import require_scope
from deskwerk.api.schemas import ERRORS, Page
from deskwerk.offboarding.certificate import certificate_html, certificate_pdf
from deskwerk.offboarding.models import Offboarding
from deskwerk.offboarding.services import PERMISSION, offboarding_delete_early, offboarding_get
from deskwerk.processor.services import require_operator

router = Router(tags=["operator"])
SCOPE = "operator:admin"


class OffboardingOut(Schema):
    id: int
    customer_id: int
    customer_name: str
    customer_slug: str
    status: str
    contract_end: dt.datetime
    export_ready_at: dt.datetime | None
    export_until: dt.datetime | None
    export_bytes: int
    export_sha256: str
    downloads: int
    receipt_confirmed_at: dt.datetime | None
    deleted_at: dt.datetime | None
    keep_until: dt.datetime | None
    report: dict[str, Any]
    scan: dict[str, Any]
    documents: dict[str, int]  # kept documentation: name -> rows
    error: str


def _out(o: Offboarding) -> dict[str, Any]:
    return {
        **{name: getattr(o, name) for name in OffboardingOut.model_fields if hasattr(o, name)},
        "downloads": len(o.downloads or []),
        "documents": {d.name: d.rows for d in o.documents.all()},
    }


def _operator(request: HttpRequest) -> User:
    from deskwerk.api.auth import actor

    require_operator(actor(request), PERMISSION)
    return require_scope(request, SCOPE, PERMISSION)


PDF_OPENAPI: dict[str, Any] = {
    "responses": {
        200: {  # an int, like ninja's own key, so the two are merged
            "description": "The certificate: PDF, or HTML with format=html",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}},
                        "text/html": {"schema": {"type": "string"}}},
        }
    }
}  # fmt: skip


@router.get(
    "/operator/offboardings",
    response={200: Page[OffboardingOut], **ERRORS},
    operation_id="operator_offboardings_list",
    summary="Every offboarding: status, export period, deletion and verification",
)
def operator_offboardings_list(request: HttpRequest) -> Any:
    _operator(request)
    rows = Offboarding.unscoped.prefetch_related("documents").order_by("-created_at", "-pk")
    return {"items": [_out(o) for o in rows], "next_cursor": None}


@router.get(
    "/operator/offboardings/{offboarding_id}",
    response={200: OffboardingOut, **ERRORS},
    operation_id="operator_offboarding_get",
    summary="One offboarding with its deletion report and scan result",
)
def operator_offboarding_get(request: HttpRequest, offboarding_id: int) -> Any:
    user = _operator(request)
    return _out(offboarding_get(user, offboarding_id))


@router.post(
    "/operator/offboardings/{offboarding_id}/delete",
    response={200: OffboardingOut, **ERRORS},
    operation_id="operator_offboarding_delete",
    summary="Delete now, before the download period ends (once the tenant confirmed receipt)",
)
def operator_offboarding_delete(request: HttpRequest, offboarding_id: int) -> Any:
    user = _operator(request)
    offboarding = offboarding_delete_early(
        actor=user, offboarding=offboarding_get(user, offboarding_id)
    )
    return _out(offboarding)


@router.get(
    "/operator/offboardings/{offboarding_id}/certificate",
    response={200: None, **ERRORS},
    operation_id="operator_offboarding_certificate",
    openapi_extra=PDF_OPENAPI,
    summary="The deletion certificate as PDF (format=pdf) or HTML (format=html)",
)
def operator_offboarding_certificate(
    request: HttpRequest, offboarding_id: int, format: Literal["pdf", "html"] = "pdf"
) -> HttpResponse:
    user = _operator(request)
    offboarding = offboarding_get(user, offboarding_id)
    name = f"deletion-certificate-{offboarding.customer_slug}"
    if format == "html":
        response = HttpResponse(
            certificate_html(offboarding), content_type="text/html; charset=utf-8"
        )
        response["Content-Disposition"] = f'inline; filename="{name}.html"'
        return response
    response = HttpResponse(certificate_pdf(offboarding), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response
