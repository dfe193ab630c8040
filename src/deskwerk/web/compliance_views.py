"""The tenant's compliance pages (DPA §§ 6, 10, 15): the hub, the compliance report (HTML and
PDF), authorised persons, subprocessors with objections, and the operator's notices.

Who may enter: owners, privacy officers and auditors (``compliance.report``) and the tenant's
authorised persons (``may_act_as_authorised``); the tenant's other people get a 403 page, as on
the admin pages. Every write goes through ``deskwerk.processor.services``, which checks again.
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
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deskwerk.access.roles import has_permission
from deskwerk.accounts.models import User
from deskwerk.compliance.pdf import report_pdf
from deskwerk.compliance.services import compliance_report
from deskwerk.core.errors import DomainError, Forbidden
from deskwerk.processor.models import AuthorisedPerson, Notice, Objection, Subprocessor
from deskwerk.processor.selectors import (
    authorised_recipients,
    subprocessor_history,
    subprocessors_current,
)
from deskwerk.processor.services import (
    authorised_person_create,
    authorised_person_delete,
    authorised_person_update,
    may_act_as_authorised,
    objection_create,
)

View = Callable[..., HttpResponse]
NOTICES_SHOWN = 100
STATUS_LABELS = {
    "planned": gettext_lazy("planned"),
    "active": gettext_lazy("active"),
    "withdrawn": gettext_lazy("withdrawn"),
    "listed": gettext_lazy("listed (Annex 2)"),
    "announced": gettext_lazy("announced"),
    "activated": gettext_lazy("engaged"),
}


def safe_links(names: list[tuple[str, Any]]) -> list[dict[str, str]]:
    """Links to pages that exist: an entry whose URL name does not resolve (yet) is left out."""
    links = []
    for name, label in names:
        try:
            links.append({"url": reverse(name), "label": str(label)})
        except NoReverseMatch:
            continue
    return links


def may_use_hub(user: Any) -> bool:
    return has_permission(user, "compliance.report") or may_act_as_authorised(user)


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "compliance/forbidden.html", status=403)


def hub_member(view: View) -> View:
    """Signed in (else to sign-in) and allowed on the compliance pages (else a 403 page)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_use_hub(request.user):
            return _forbidden(request)
        return view(request, *args, **kwargs)

    return wrapper


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def when(value: dt.datetime | None) -> str:
    """A time in the page's time zone and language."""
    if value is None:
        return ""
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def friendly(exc: DomainError) -> str:
    """A refusal of the processor services, in the page's language."""
    texts = {
        "authorised_person_exists": _("An authorised person with this e-mail address exists."),
        "invalid_email": _("That is not an e-mail address."),
        "invalid_phone": _("A phone number has digits, spaces and + ( ) / . - only."),
        "name_required": _("First and last name are required."),
        "person_inactive": _("That account is deactivated."),
        "reason_required": _("An objection needs a reason."),
        "not_planned": _("This subprocessor is no longer planned: there is nothing to object to."),
        "objection_exists": _("Your organisation has an open objection to it already."),
        "permission_denied": _("Your roles do not allow this."),
    }
    return texts.get(exc.code) or _("The input was refused: %(detail)s") % {"detail": exc.detail}


# --- the hub -----------------------------------------------------------------------------------


@require_GET
@hub_member
def hub(request: HttpRequest) -> HttpResponse:
    user = _actor(request)
    report = has_permission(user, "compliance.report")
    links = safe_links(
        [
            ("web:support-grants", gettext_lazy("Support access for the operator")),
            ("web:instructions", gettext_lazy("Instructions")),
            ("web:breaches", gettext_lazy("Personal data breaches")),
        ]
    )
    return render(
        request,
        "compliance/hub.html",
        {
            "may_report": report,
            "may_manage": has_permission(user, "processor.manage"),
            "recipients": authorised_recipients(user.tenant),
            "more": links,
        },
    )


# --- the report --------------------------------------------------------------------------------


def _report_access(request: HttpRequest) -> HttpResponse | None:
    if not has_permission(request.user, "compliance.report"):
        return _forbidden(request)
    return None


@require_GET
@login_required
def report_page(request: HttpRequest) -> HttpResponse:
    refused = _report_access(request)
    if refused is not None:
        return refused
    report = compliance_report(actor=_actor(request), fmt="html")
    return render(request, "compliance/report.html", {"report": report})


@require_GET
@login_required
def report_pdf_view(request: HttpRequest) -> HttpResponse:
    refused = _report_access(request)
    if refused is not None:
        return refused
    user = _actor(request)
    report = compliance_report(actor=user, fmt="pdf")
    data = report_pdf(report, user.tenant)
    response = HttpResponse(data, content_type="application/pdf")
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="compliance-report-{user.tenant.slug}-{day}.pdf"'
    )
    return response


# --- authorised persons (§ 6 (3)–(6)) ----------------------------------------------------------


class AuthorisedPersonForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=100)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=100)
    org_unit = forms.CharField(
        label=gettext_lazy("Organisational unit"), max_length=200, required=False
    )
    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=254)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=50, required=False)
    link_account = forms.BooleanField(
        label=gettext_lazy("Link to this person's account here"),
        required=False,
        help_text=gettext_lazy(
            "The account with the same e-mail address may then act as authorised, e.g. object "
            "to a planned subprocessor."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["user_id"] = None
        if data.get("link_account") and data.get("email"):
            account = User.objects.filter(email__iexact=data["email"], is_active=True).first()
            if account is None:
                self.add_error("link_account", _("No active account here has this e-mail address."))
            else:
                data["user_id"] = account.pk
        return data


def _person_data(form: AuthorisedPersonForm) -> dict[str, Any]:
    keys = ("first_name", "last_name", "org_unit", "email", "phone", "user_id")
    return {k: form.cleaned_data[k] for k in keys}


@require_http_methods(["GET", "POST"])
@hub_member
def authorised_persons(request: HttpRequest) -> HttpResponse:
    """The list for everyone on the hub; adding for owners (``processor.manage``)."""
    user = _actor(request)
    may_manage = has_permission(user, "processor.manage")
    form = AuthorisedPersonForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not may_manage:
            return _forbidden(request)
        if form.is_valid():
            try:
                person = authorised_person_create(actor=user, **_person_data(form))
            except DomainError as exc:
                messages.error(request, friendly(exc))
                status = 422
            else:
                messages.success(
                    request,
                    _("%(name)s is an authorised person now; the operator has been told.")
                    % {"name": str(person)},
                )
                return redirect("web:authorised-persons")
        else:
            status = 422
    return render(
        request,
        "compliance/authorised_persons.html",
        {
            "persons": list(AuthorisedPerson.objects.order_by("last_name", "first_name", "pk")),
            "recipients": authorised_recipients(user.tenant),
            "form": form,
            "may_manage": may_manage,
        },
        status=status,
    )


def _person(person_id: int) -> AuthorisedPerson:
    person = AuthorisedPerson.objects.filter(pk=person_id).first()
    if person is None:
        raise Http404("authorised person not found")
    return cast(AuthorisedPerson, person)


@require_http_methods(["GET", "POST"])
@hub_member
def authorised_person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    user = _actor(request)
    person = _person(person_id)
    if not has_permission(user, "processor.manage"):
        return _forbidden(request)
    initial = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "org_unit": person.org_unit,
        "email": person.email,
        "phone": person.phone,
        "link_account": person.user_id is not None,
    }
    form = AuthorisedPersonForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                authorised_person_update(actor=user, person=person, changes=_person_data(form))
            except DomainError as exc:
                messages.error(request, friendly(exc))
                status = 422
            else:
                messages.success(request, _("Saved; the operator has been told."))
                return redirect("web:authorised-persons")
        else:
            status = 422
    return render(
        request,
        "compliance/authorised_person.html",
        {"form": form, "person": person},
        status=status,
    )


@require_POST
@hub_member
def authorised_person_remove(request: HttpRequest, person_id: int) -> HttpResponse:
    user = _actor(request)
    person = _person(person_id)
    if not has_permission(user, "processor.manage"):
        return _forbidden(request)
    name = str(person)
    authorised_person_delete(actor=user, person=person)
    messages.success(request, _("%(name)s is no longer an authorised person.") % {"name": name})
    return redirect("web:authorised-persons")


# --- subprocessors (§ 10, Annex 2) -------------------------------------------------------------


class ObjectionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for the objection"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@require_GET
@hub_member
def subprocessors(request: HttpRequest) -> HttpResponse:
    user = _actor(request)
    now = timezone.now()
    own = list(Objection.objects.select_related("subprocessor").order_by("created_at", "pk"))
    latest: dict[int, Objection] = {o.subprocessor_id: o for o in own}
    current: list[dict[str, Any]] = []
    for sub in subprocessors_current():
        window_open = (
            sub.status == Subprocessor.Status.PLANNED
            and sub.objection_deadline is not None
            and now < sub.objection_deadline
        )
        current.append(
            {
                "sub": sub,
                "status": STATUS_LABELS.get(sub.status, sub.status),
                "window_open": window_open,
                "objection": latest.get(sub.pk),
            }
        )
    history = [
        {"change": c, "action": STATUS_LABELS.get(c.action, c.action)}
        for c in subprocessor_history()
    ]
    return render(
        request,
        "compliance/subprocessors.html",
        {
            "active": [r for r in current if r["sub"].status == Subprocessor.Status.ACTIVE],
            "planned": [r for r in current if r["sub"].status == Subprocessor.Status.PLANNED],
            "history": history,
            "objections": own,
            "may_object": may_act_as_authorised(user),
            "form": ObjectionForm(),
        },
    )


@require_POST
@hub_member
def subprocessor_object(request: HttpRequest, subprocessor_id: int) -> HttpResponse:
    user = _actor(request)
    sub = Subprocessor.objects.filter(pk=subprocessor_id).first()
    if sub is None:
        raise Http404("subprocessor not found")
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("An objection needs a reason (at most 2,000 characters)."))
        return redirect("web:subprocessors")
    try:
        objection_create(actor=user, subprocessor=sub, reason=form.cleaned_data["reason"])
    except Forbidden:
        return _forbidden(request)
    except DomainError as exc:
        if exc.code == "objection_window_closed":
            messages.error(
                request,
                _(
                    "The objection period for %(name)s ended on %(date)s, so an objection can "
                    "no longer be recorded. Please contact the operator directly."
                )
                % {"name": sub.name, "date": when(sub.objection_deadline)},
            )
        else:
            messages.error(request, friendly(exc))
    else:
        messages.success(
            request,
            _("Your objection to %(name)s is recorded; the operator has been told.")
            % {"name": sub.name},
        )
    return redirect("web:subprocessors")


# --- notices -----------------------------------------------------------------------------------


@require_GET
@hub_member
def notices(request: HttpRequest) -> HttpResponse:
    rows = list(Notice.objects.order_by("-created_at", "-pk")[:NOTICES_SHOWN])
    return render(request, "compliance/notices.html", {"notices": rows, "limit": NOTICES_SHOWN})
