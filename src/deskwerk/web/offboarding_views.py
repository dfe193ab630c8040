"""Offboarding pages: the operator console (list, detail, certificate) inside the operator
tenant, and the public download page of a terminated tenant's archive (a token link: the
tenant's own pages are gone with its status)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deskwerk.access.roles import has_permission
from deskwerk.core.errors import Conflict, NotFound
from deskwerk.offboarding.certificate import certificate_data, certificate_pdf
from deskwerk.offboarding.models import Offboarding
from deskwerk.offboarding.services import (
    PERMISSION,
    Gone,
    archive_open,
    offboarding_by_token,
    offboarding_delete_early,
    receipt_confirm,
)


def _staff(request: HttpRequest) -> None:
    """Operator staff of the operator tenant; 404 for everyone else."""
    if not has_permission(request.user, PERMISSION):
        raise Http404("not found")


def _get(pk: int) -> Offboarding:
    offboarding = Offboarding.unscoped.filter(pk=pk).prefetch_related("documents").first()
    if offboarding is None:
        raise Http404("not found")
    return offboarding


@login_required
@require_GET
def offboarding_list(request: HttpRequest) -> HttpResponse:
    _staff(request)
    rows = Offboarding.unscoped.order_by("-created_at", "-pk")
    return render(request, "offboarding/list.html", {"offboardings": rows})


@login_required
@require_GET
def offboarding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    offboarding = _get(pk)
    return render(
        request,
        "offboarding/detail.html",
        {"o": offboarding, "documents": offboarding.documents.all()},
    )


@login_required
@require_POST
def offboarding_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    offboarding = _get(pk)
    try:
        offboarding = offboarding_delete_early(actor=request.user, offboarding=offboarding)  # type: ignore[arg-type]
    except Conflict as exc:
        messages.error(request, str(exc))
        return redirect("web:operator-offboarding-detail", pk=pk)
    if offboarding.status == Offboarding.Status.DELETED:
        messages.success(request, _("Deleted and verified. The certificate was sent."))
    else:
        messages.error(request, _("The deletion or its verification failed: see the findings."))
    return redirect("web:operator-offboarding-detail", pk=pk)


@login_required
@require_GET
def offboarding_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    offboarding = _get(pk)
    if offboarding.status != Offboarding.Status.DELETED:
        raise Http404("no certificate")
    if request.GET.get("format") == "pdf":
        response = HttpResponse(certificate_pdf(offboarding), content_type="application/pdf")
        name = f"deletion-certificate-{offboarding.customer_slug}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return render(
        request,
        "offboarding/certificate.html",
        {"o": offboarding, "c": certificate_data(offboarding)},
    )


# --- the public download page ------------------------------------------------------------------


def _gone(request: HttpRequest) -> HttpResponse:
    return render(request, "offboarding/gone.html", status=410)


@never_cache
@require_http_methods(["GET"])
def download_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        offboarding = offboarding_by_token(token)
    except NotFound as exc:
        raise Http404("not found") from exc
    except Gone:
        return _gone(request)
    return render(request, "offboarding/download.html", {"o": offboarding, "token": token})


@never_cache
@require_http_methods(["GET"])
def download_archive(request: HttpRequest, token: str) -> HttpResponseBase:
    try:
        offboarding, handle = archive_open(token)
    except NotFound as exc:
        raise Http404("not found") from exc
    except Gone:
        return _gone(request)
    name = f"deskwerk-export-{offboarding.customer_slug}.zip"
    return FileResponse(handle, as_attachment=True, filename=name, content_type="application/zip")


@never_cache
@require_POST
def download_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        receipt_confirm(token)
    except NotFound as exc:
        raise Http404("not found") from exc
    except Gone:
        return _gone(request)
    messages.success(request, _("Thank you: receipt confirmed. We will now delete the data."))
    return redirect("web:offboarding-download", token=token)
