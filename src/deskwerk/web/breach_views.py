"""Breach pages (DPA § 12): the operator's register and the tenant's view with the Art. 34 export.

The operator's pages live in the operator tenant's web (``operator/breaches/``) and exist only
for staff holding ``operator.breaches``: to everyone else they are a 404. The tenant's pages
(``compliance/breaches/``) are for owners and privacy officers; other people of the tenant get
a 403 page, another tenant's breach is a 404. Views parse input and call
``deskwerk.breaches.services``; they never write models.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from deskwerk.access.roles import has_permission
from deskwerk.accounts.models import User
from deskwerk.breaches.api import people_csv
from deskwerk.breaches.models import CONTENT_FIELDS, Breach, BreachNotice, BreachTenant
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
    deadline_met,
    tenant_breach_get,
)
from deskwerk.core.errors import DomainError, NotFound
from deskwerk.tenancy.models import Tenant
from deskwerk.web.reauth import confirm_first

View = Callable[..., HttpResponse]

LABELS: dict[str, Any] = {
    "nature": gettext_lazy("Nature of the breach"),
    "data_subject_categories": gettext_lazy("Categories of data subjects"),
    "data_subjects_approx": gettext_lazy("Approximate number of data subjects"),
    "record_categories": gettext_lazy("Categories of personal data records"),
    "records_approx": gettext_lazy("Approximate number of records"),
    "contact_point": gettext_lazy("Contact point (data protection officer)"),
    "likely_consequences": gettext_lazy("Likely consequences"),
    "measures": gettext_lazy("Measures taken or proposed"),
}
KINDS = [
    ("breach", gettext_lazy("Personal data breach")),
    ("suspected", gettext_lazy("Well-founded suspicion of a breach")),
]
STATUSES: dict[str, Any] = {
    "draft": gettext_lazy("Draft: contents missing"),
    "complete": gettext_lazy("Complete"),
    "closed": gettext_lazy("Closed"),
}


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _labels(names: list[str]) -> list[str]:
    return [str(LABELS.get(n, n)) for n in names]


def _remaining(deadline: dt.datetime, now: dt.datetime) -> dict[str, Any]:
    """The deadline clock: hours and minutes left, or how long it is overdue."""
    seconds = int((deadline - now).total_seconds())
    minutes = abs(seconds) // 60
    return {
        "overdue": seconds < 0,
        "hours": minutes // 60,
        "minutes": minutes % 60,
        "seconds": seconds,
    }


def friendly(exc: DomainError) -> str:
    """A refusal of the services, in the page's language."""
    texts = {
        "became_known_in_future": _("The time of knowledge lies in the future."),
        "naive_datetime": _("Enter the time of knowledge with a date and time."),
        "unknown_tenant": _("Choose affected customers from the list."),
        "operator_tenant_affected": _("The operator cannot be an affected customer."),
        "tenants_required": _("Choose at least one affected customer."),
        "breach_notified": _(
            "Every affected customer was notified already, or the change would alter what they "
            "were told (time of knowledge, notified customers). Send a follow-up instead."
        ),
        "breach_not_notified": _("No customer was notified yet: notify them first."),
        "breach_nothing_new": _(
            "Nothing changed since the last notice. Complete the record or add a note."
        ),
        "breach_closed": _("The breach is closed."),
        "closing_note_required": _("Say why the breach is closed."),
        "reauthentication_required": _("Confirm it is you first."),
    }
    return texts.get(exc.code) or _("The input was refused: %(detail)s") % {"detail": exc.detail}


# --- the operator's register -------------------------------------------------------------------


def operator_only(view: View) -> View:
    """Signed in (else to sign-in) and operator staff with ``operator.breaches`` (else 404)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not has_permission(request.user, PERMISSION):
            raise Http404("not found")
        return view(request, *args, **kwargs)

    return wrapper


TEXTAREA = forms.Textarea(attrs={"rows": 4})


class TenantChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.slug})"


class BreachForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=KINDS)
    became_known_at = forms.DateTimeField(
        label=gettext_lazy("Became known at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=gettext_lazy("The 24-hour notification period starts at this moment."),
    )
    tenants = TenantChoices(
        label=gettext_lazy("Affected customers"),
        queryset=Tenant.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    nature = forms.CharField(
        label=LABELS["nature"], required=False, max_length=5000, widget=TEXTAREA
    )
    data_subject_categories = forms.CharField(
        label=LABELS["data_subject_categories"], required=False, max_length=5000
    )
    data_subjects_approx = forms.IntegerField(
        label=LABELS["data_subjects_approx"], required=False, min_value=0, max_value=2_000_000_000
    )
    record_categories = forms.CharField(
        label=LABELS["record_categories"], required=False, max_length=5000
    )
    records_approx = forms.IntegerField(
        label=LABELS["records_approx"], required=False, min_value=0, max_value=2_000_000_000
    )
    contact_point = forms.CharField(
        label=LABELS["contact_point"], required=False, max_length=5000, widget=TEXTAREA
    )
    likely_consequences = forms.CharField(
        label=LABELS["likely_consequences"], required=False, max_length=5000, widget=TEXTAREA
    )
    measures = forms.CharField(
        label=LABELS["measures"], required=False, max_length=5000, widget=TEXTAREA
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelMultipleChoiceField, self.fields["tenants"])
        field.queryset = Tenant.objects.filter(kind=Tenant.Kind.CUSTOMER).order_by("name")

    def data_for_service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["tenant_ids"] = [t.pk for t in data.pop("tenants")]
        return data


def _operator_row(breach: Breach, now: dt.datetime) -> dict[str, Any]:
    links = list(BreachTenant.unscoped.filter(breach=breach).order_by("pk"))
    names = {t.pk: t.name for t in Tenant.objects.filter(pk__in=[li.tenant_id for li in links])}
    return {
        "breach": breach,
        "status_label": STATUSES.get(breach.status, breach.status),
        "missing": _labels(breach.missing),
        "clock": _remaining(breach.deadline, now),
        "tenants": [
            {
                "name": names.get(li.tenant_id, ""),
                "notified_at": li.first_notified_at,
                "met": deadline_met(breach, li.first_notified_at, now),
            }
            for li in links
        ],
    }


@operator_only
@require_http_methods(["GET"])
def operator_breaches(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = [_operator_row(b, now) for b in breaches_all()]
    return render(request, "breaches/operator_list.html", {"rows": rows, "now": now})


def _initial(breach: Breach) -> dict[str, Any]:
    initial: dict[str, Any] = {name: getattr(breach, name) for name in CONTENT_FIELDS}
    initial["kind"] = breach.kind
    initial["became_known_at"] = timezone.localtime(breach.became_known_at)
    initial["tenants"] = [li.tenant_id for li in BreachTenant.unscoped.filter(breach=breach)]
    return initial


@operator_only
@require_http_methods(["GET", "POST"])
def operator_breach_edit(request: HttpRequest, breach_id: int | None = None) -> HttpResponse:
    """Record a breach (``breach_id`` None) or complete and correct one."""
    breach = None
    if breach_id is not None:
        try:
            breach = breach_get(breach_id)
        except NotFound as exc:
            raise Http404("breach not found") from exc
    if request.method == "POST":
        form = BreachForm(request.POST)
        if form.is_valid():
            try:
                if breach is None:
                    breach = breach_create(actor=_actor(request), data=form.data_for_service())
                    messages.success(request, _("The breach is recorded."))
                else:
                    breach = breach_update(
                        actor=_actor(request), breach=breach, data=form.data_for_service()
                    )
                    messages.success(request, _("The breach is saved."))
            except DomainError as exc:
                form.add_error(None, friendly(exc))
            else:
                return redirect("web:operator-breach", breach_id=breach.pk)
    else:
        form = BreachForm(initial=_initial(breach) if breach else {"kind": "breach"})
    context: dict[str, Any] = {"form": form, "breach": breach}
    if breach is not None:
        context.update(_operator_row(breach, timezone.now()))
        context["notices"] = BreachNotice.unscoped.filter(breach=breach).count()
    return render(request, "breaches/operator_form.html", context)


def _operator_action(request: HttpRequest, breach_id: int, action: str) -> HttpResponse:
    try:
        breach = breach_get(breach_id)
    except NotFound as exc:
        raise Http404("breach not found") from exc
    note = request.POST.get("note", "")
    try:
        if action == "notify":
            result = breach_notify(actor=_actor(request), breach=breach, note=note)
            messages.success(
                request,
                _("Notified %(count)d customer(s).") % {"count": len(result.notices)},
            )
        elif action == "follow-up":
            result = breach_follow_up(actor=_actor(request), breach=breach, note=note)
            messages.success(
                request,
                _("Follow-up sent to %(count)d customer(s).") % {"count": len(result.notices)},
            )
        else:
            breach_close(actor=_actor(request), breach=breach, note=note)
            messages.success(request, _("The breach is closed."))
    except DomainError as exc:
        messages.error(request, friendly(exc))
    return redirect("web:operator-breach", breach_id=breach.pk)


@operator_only
@require_POST
def operator_breach_notify(request: HttpRequest, breach_id: int) -> HttpResponse:
    return _operator_action(request, breach_id, "notify")


@operator_only
@require_POST
def operator_breach_follow_up(request: HttpRequest, breach_id: int) -> HttpResponse:
    return _operator_action(request, breach_id, "follow-up")


@operator_only
@require_POST
def operator_breach_close(request: HttpRequest, breach_id: int) -> HttpResponse:
    return _operator_action(request, breach_id, "close")


# --- the tenant's side -------------------------------------------------------------------------


def privacy_only(view: View) -> View:
    """Signed in and owner or privacy officer of the tenant (else a 403 page)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not has_permission(request.user, TENANT_PERMISSION):
            return render(request, "breaches/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


@privacy_only
@require_http_methods(["GET"])
def breaches(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = [
        {
            "s": s,
            "status_label": STATUSES.get(s.status, s.status),
            "met": (s.notified_at <= s.deadline)
            if s.notified_at
            else (False if now > s.deadline else None),
        }
        for s in breaches_for_tenant(_actor(request).tenant)
    ]
    return render(request, "breaches/tenant_list.html", {"rows": rows})


class ExportForm(forms.Form):
    audience = forms.ChoiceField(
        label=gettext_lazy("Whom to include"),
        choices=[
            ("active", gettext_lazy("Every active person of the organisation")),
            ("period", gettext_lazy("People with a booking in a period")),
        ],
        widget=forms.RadioSelect,
        initial="active",
    )
    since = forms.DateTimeField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    until = forms.DateTimeField(
        label=gettext_lazy("Until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def _tenant_breach(request: HttpRequest, breach_id: int) -> tuple[Breach, BreachTenant]:
    try:
        return tenant_breach_get(actor=_actor(request), breach_id=breach_id)
    except NotFound as exc:
        raise Http404("breach not found") from exc


def _detail(request: HttpRequest, breach_id: int, form: ExportForm, status: int) -> HttpResponse:
    breach, link = _tenant_breach(request, breach_id)
    notices = []
    for n in BreachNotice.objects.filter(breach=breach).order_by("phase", "pk"):
        notices.append(
            {
                "notice": n,
                "rows": [
                    {
                        "label": LABELS[name],
                        "value": n.contents.get(name),
                        "changed": name in n.changed and n.phase > 1,
                    }
                    for name in CONTENT_FIELDS
                ],
                "missing": _labels(n.missing),
            }
        )
    context = {
        "breach": breach,
        "link": link,
        "met": deadline_met(breach, link.first_notified_at),
        "status_label": STATUSES.get(breach.status, breach.status),
        "notices": notices,
        "form": form,
    }
    return render(request, "breaches/tenant_detail.html", context, status=status)


@privacy_only
@require_http_methods(["GET"])
def breach_detail(request: HttpRequest, breach_id: int) -> HttpResponse:
    return _detail(request, breach_id, ExportForm(), 200)


@privacy_only
@require_POST
def breach_export(request: HttpRequest, breach_id: int) -> HttpResponse:
    """The Art. 34 CSV; a session that has not proved itself lately re-authenticates first."""
    breach, _link = _tenant_breach(request, breach_id)
    back = reverse("web:breach", kwargs={"breach_id": breach.pk})
    confirm = confirm_first(request, back, _("Confirm it is you, then start the export again."))
    if confirm is not None:
        return confirm
    form = ExportForm(request.POST)
    if not form.is_valid():
        return _detail(request, breach_id, form, 422)
    try:
        rows = affected_people(
            actor=_actor(request),
            breach=breach,
            audience=form.cleaned_data["audience"],
            since=form.cleaned_data.get("since"),
            until=form.cleaned_data.get("until"),
        )
    except DomainError as exc:
        texts = {
            "period_required": _("Enter the start and end of the period."),
            "invalid_period": _("The end of the period must lie after its start."),
        }
        form.add_error(None, texts.get(exc.code) or friendly(exc))
        return _detail(request, breach_id, form, 422)
    response = HttpResponse(people_csv(rows), content_type="text/csv; charset=utf-8")
    slug = _actor(request).tenant.slug
    response["Content-Disposition"] = f'attachment; filename="breach-{breach.pk}-people-{slug}.csv"'
    response["Cache-Control"] = "no-store"
    return response
