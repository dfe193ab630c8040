"""The operator console in the operator tenant's web (issue 6 item 1; DPA §§ 6, 10).

Tenants' metadata and lifecycle, the subprocessor registry with objections, the operator's
notices. Only operator staff reach these pages — to everyone else, in any tenant, they do not
exist (404), like the console endpoints of the API. Nothing here shows a tenant's people.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deskwerk.access.roles import has_permission
from deskwerk.accounts.models import User
from deskwerk.core.errors import Conflict, DomainError, NotFound
from deskwerk.processor.models import Notice, Objection, Subprocessor
from deskwerk.processor.selectors import tenants_overview
from deskwerk.processor.services import (
    TRANSITIONS,
    objection_get,
    objection_resolve,
    subprocessor_activate,
    subprocessor_announce,
    subprocessor_get,
    subprocessor_withdraw,
    tenant_lifecycle_set,
)
from deskwerk.tenancy.models import Tenant
from deskwerk.web.compliance_views import STATUS_LABELS, safe_links, when

View = Callable[..., HttpResponse]
NOTICES_SHOWN = 100
TENANT_STATUS = {
    "trial": gettext_lazy("trial"),
    "active": gettext_lazy("active"),
    "suspended": gettext_lazy("suspended"),
    "terminated": gettext_lazy("terminated"),
}
ACTION_LABELS = {
    "trial": gettext_lazy("Back to trial"),
    "active": gettext_lazy("Activate"),
    "suspended": gettext_lazy("Suspend"),
    "terminated": gettext_lazy("Terminate"),
}


def staff(permission: str) -> Callable[[View], View]:
    """Operator staff holding ``permission``; anyone else signed in gets a 404."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not has_permission(request.user, permission):
                raise Http404("not found")
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def friendly(exc: DomainError) -> str:
    texts = {
        "operator_tenant_protected": _("The operator tenant cannot be suspended or terminated."),
        "invalid_transition": _("This step is not possible from the tenant's current status."),
        "invalid_status": _("Unknown status."),
        "objection_window_open": _(
            "The objection window is still open; it can be engaged only after it (%(detail)s)."
        )
        % {"detail": exc.detail},
        "objections_unresolved": _("Open objections must be resolved first (%(detail)s).")
        % {"detail": exc.detail},
        "not_planned": _("This subprocessor is not planned (any more)."),
        "objection_resolved": _("This objection is resolved already."),
        "resolution_required": _("Say how the objection was resolved."),
        "outside_eea": _("Processing takes place in the EU/EEA only (DPA § 5)."),
        "invalid_country": _("The country is a two-letter ISO code such as DE."),
        "name_required": _("Name, address and service are required."),
    }
    return texts.get(exc.code) or _("The input was refused: %(detail)s") % {"detail": exc.detail}


# --- tenants -----------------------------------------------------------------------------------


@require_GET
@staff("operator.tenants")
def console(request: HttpRequest) -> HttpResponse:
    """Every tenant's metadata and counts (never a person) with its possible lifecycle steps."""
    tenants = list(Tenant.objects.order_by("kind", "slug"))
    rows = []
    for overview in tenants_overview(tenants):
        operator = overview.kind == Tenant.Kind.OPERATOR
        steps = [] if operator else sorted(TRANSITIONS.get(overview.status, ()))
        rows.append(
            {
                "t": overview,
                "status": TENANT_STATUS.get(overview.status, overview.status),
                "operator": operator,
                "steps": [{"status": s, "label": ACTION_LABELS[s]} for s in steps],
            }
        )
    links = safe_links(
        [
            ("web:operator-support", gettext_lazy("Support access")),
            ("web:operator-instructions", gettext_lazy("Instructions")),
            ("web:operator-breaches", gettext_lazy("Breaches")),
            ("web:operator-offboarding", gettext_lazy("Offboarding")),
        ]
    )
    return render(request, "operator/index.html", {"rows": rows, "more": links})


@require_http_methods(["GET", "POST"])
@staff("operator.tenants")
def tenant_status(request: HttpRequest, tenant_id: int, status: str) -> HttpResponse:
    """A lifecycle step, confirmed on a page of its own before it happens."""
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None or status not in ACTION_LABELS:
        raise Http404("tenant not found")
    if request.method == "POST":
        try:
            tenant_lifecycle_set(actor=_actor(request), tenant=tenant, status=status)
        except DomainError as exc:
            messages.error(request, friendly(exc))
        else:
            messages.success(
                request,
                _("%(name)s is %(status)s now.")
                % {"name": tenant.name, "status": TENANT_STATUS[status]},
            )
        return redirect("web:operator")
    return render(
        request,
        "operator/confirm_status.html",
        {
            "tenant": tenant,
            "target": status,
            "current_label": TENANT_STATUS.get(tenant.status, tenant.status),
            "target_label": TENANT_STATUS[status],
            "action_label": ACTION_LABELS[status],
            "allowed": status in TRANSITIONS.get(tenant.status, ()) and not tenant.is_operator,
        },
    )


# --- subprocessors -----------------------------------------------------------------------------


class AnnounceForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Company name"), max_length=200)
    address = forms.CharField(label=gettext_lazy("Address"), max_length=300)
    country = forms.CharField(
        label=gettext_lazy("Country"),
        max_length=2,
        min_length=2,
        help_text=gettext_lazy("Two-letter ISO code; EU/EEA only (DPA § 5)."),
    )
    service = forms.CharField(
        label=gettext_lazy("Service"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class WithdrawForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=gettext_lazy("Resolution"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _subprocessors_page(
    request: HttpRequest, form: AnnounceForm | None = None, status: int = 200
) -> HttpResponse:
    now = timezone.now()
    subs = list(Subprocessor.objects.order_by("status", "name", "pk"))
    open_counts = dict(
        Objection.unscoped.filter(resolved_at__isnull=True)
        .values_list("subprocessor_id")
        .annotate(n=Count("pk"))
        .values_list("subprocessor_id", "n")
    )
    rows = [
        {
            "sub": s,
            "status": STATUS_LABELS.get(s.status, s.status),
            "open": open_counts.get(s.pk, 0),
            "due": s.status == Subprocessor.Status.PLANNED
            and s.objection_deadline is not None
            and s.objection_deadline <= now,
        }
        for s in subs
    ]
    objections = list(
        Objection.unscoped.select_related("tenant", "subprocessor").order_by(
            "resolved_at", "-created_at", "-pk"
        )[:200]
    )
    return render(
        request,
        "operator/subprocessors.html",
        {
            "rows": rows,
            "objections": objections,
            "form": form or AnnounceForm(),
            "resolve_form": ResolveForm(),
            "withdraw_form": WithdrawForm(),
            "any_due": any(r["due"] for r in rows),
        },
        status=status,
    )


@require_GET
@staff("operator.subprocessors")
def subprocessors(request: HttpRequest) -> HttpResponse:
    return _subprocessors_page(request)


@require_POST
@staff("operator.subprocessors")
def subprocessor_announce_view(request: HttpRequest) -> HttpResponse:
    form = AnnounceForm(request.POST)
    if not form.is_valid():
        return _subprocessors_page(request, form, status=422)
    try:
        sub = subprocessor_announce(actor=_actor(request), **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, friendly(exc))
        return _subprocessors_page(request, form, status=422)
    messages.success(
        request,
        _("%(name)s is announced to every tenant; objections are possible until %(date)s.")
        % {"name": sub.name, "date": when(sub.objection_deadline)},
    )
    return redirect("web:operator-subprocessors")


def _sub(subprocessor_id: int) -> Subprocessor:
    try:
        return subprocessor_get(subprocessor_id)
    except NotFound as exc:
        raise Http404("subprocessor not found") from exc


@require_POST
@staff("operator.subprocessors")
def subprocessor_activate_view(request: HttpRequest, subprocessor_id: int) -> HttpResponse:
    sub = _sub(subprocessor_id)
    try:
        subprocessor_activate(actor=_actor(request), subprocessor=sub)
    except DomainError as exc:
        messages.error(request, friendly(exc))
    else:
        messages.success(request, _("%(name)s is engaged now.") % {"name": sub.name})
    return redirect("web:operator-subprocessors")


@require_POST
@staff("operator.subprocessors")
def subprocessors_activate_due_view(request: HttpRequest) -> HttpResponse:
    """What the worker does hourly, now: engage every planned subprocessor whose window is
    over and that nobody objects to; the others are named with the reason."""
    due = Subprocessor.objects.filter(
        status=Subprocessor.Status.PLANNED, objection_deadline__lte=timezone.now()
    ).order_by("pk")
    engaged, waiting = [], []
    for sub in due:
        try:
            subprocessor_activate(actor=_actor(request), subprocessor=sub)
        except Conflict as exc:
            waiting.append(f"{sub.name}: {friendly(exc)}")
        else:
            engaged.append(sub.name)
    if engaged:
        messages.success(request, _("Engaged: %(names)s.") % {"names": ", ".join(engaged)})
    for line in waiting:
        messages.warning(request, line)
    if not engaged and not waiting:
        messages.info(request, _("No subprocessor is due."))
    return redirect("web:operator-subprocessors")


@require_POST
@staff("operator.subprocessors")
def subprocessor_withdraw_view(request: HttpRequest, subprocessor_id: int) -> HttpResponse:
    sub = _sub(subprocessor_id)
    form = WithdrawForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        subprocessor_withdraw(actor=_actor(request), subprocessor=sub, note=note)
    except DomainError as exc:
        messages.error(request, friendly(exc))
    else:
        messages.success(request, _("%(name)s is withdrawn.") % {"name": sub.name})
    return redirect("web:operator-subprocessors")


@require_POST
@staff("operator.subprocessors")
def objection_resolve_view(request: HttpRequest, objection_id: int) -> HttpResponse:
    try:
        objection = objection_get(objection_id)
    except NotFound as exc:
        raise Http404("objection not found") from exc
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say how the objection was resolved."))
        return redirect("web:operator-subprocessors")
    try:
        objection_resolve(
            actor=_actor(request), objection=objection, resolution=form.cleaned_data["resolution"]
        )
    except DomainError as exc:
        messages.error(request, friendly(exc))
    else:
        messages.success(
            request,
            _("The objection of %(tenant)s is resolved; the tenant has been told.")
            % {"tenant": objection.tenant.name},
        )
    return redirect("web:operator-subprocessors")


# --- notices -----------------------------------------------------------------------------------


@require_GET
@staff("operator.tenants")
def notices(request: HttpRequest) -> HttpResponse:
    """Notices to the operator, kept in the operator tenant (also when a mail is lost)."""
    rows = list(Notice.objects.order_by("-created_at", "-pk")[:NOTICES_SHOWN])
    return render(request, "operator/notices.html", {"notices": rows, "limit": NOTICES_SHOWN})
