"""Pages of support access and the instruction register (DPA § 7).

Tenant pages under ``compliance/``: support grants (owners, ``support.grant``) and instructions
(system admins and named authorised persons); others of the tenant get a 403 page, people of
other tenants are strangers here (sent to sign in). Operator pages under ``operator/`` in the
operator tenant's web: 404 for everyone but operator staff. Views parse input and call
``deskwerk.support.services``; they never write models.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deskwerk.access.roles import has_permission
from deskwerk.accounts.models import User
from deskwerk.core.errors import DomainError, NotFound
from deskwerk.processor.models import AuthorisedPerson
from deskwerk.processor.selectors import authorised_recipients
from deskwerk.processor.services import may_act_as_authorised
from deskwerk.support import selectors, services
from deskwerk.support.models import Instruction, SupportGrant
from deskwerk.tenancy.models import Tenant

LEVELS = [
    (SupportGrant.Level.READ, gettext_lazy("Read only")),
    (SupportGrant.Level.READ_WRITE, gettext_lazy("Read and write (bookings and spaces)")),
]
CHANNELS = [
    (Instruction.Channel.IN_APP, gettext_lazy("in the app")),
    (Instruction.Channel.WRITTEN, gettext_lazy("in writing")),
    (Instruction.Channel.EMAIL, gettext_lazy("by e-mail")),
    (Instruction.Channel.ORAL, gettext_lazy("orally")),
    (Instruction.Channel.PHONE, gettext_lazy("by phone")),
]
CHANNEL_LABELS: dict[str, Any] = dict(CHANNELS)
STATUS_LABELS: dict[str, Any] = {
    Instruction.Status.IN_FORCE: gettext_lazy("in force"),
    Instruction.Status.AWAITING: gettext_lazy("awaiting text confirmation"),
    Instruction.Status.SUSPENDED: gettext_lazy("suspended"),
    Instruction.Status.WITHDRAWN: gettext_lazy("withdrawn"),
}
ACTION_LABELS = {
    "recorded": gettext_lazy("recorded"),
    "confirmed": gettext_lazy("confirmed in text form"),
    "flagged": gettext_lazy("flagged as possibly unlawful"),
    "amended": gettext_lazy("amended"),
    "withdrawn": gettext_lazy("withdrawn"),
}
GRANT_STATES = {
    "active": gettext_lazy("active"),
    "expired": gettext_lazy("expired"),
    "revoked": gettext_lazy("revoked"),
}


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def friendly(exc: DomainError) -> str:
    """A refusal of the services, in the page's language."""
    texts = {
        "grant_too_long": _("Support access may be granted for at most 7 days at a time."),
        "end_in_past": _("The end must be in the future."),
        "not_operator_staff": _("Only staff of the operator can be named."),
        "staff_required": _("Name at least one staff member."),
        "purpose_required": _("State the purpose of the support access."),
        "grant_revoked": _("This support access was revoked already."),
        "grant_expired": _("This support access has ended already."),
        "text_required": _("Enter the instruction's text."),
        "text_unchanged": _("The new text is the same as the current one."),
        "date_in_future": _("An instruction cannot be given in the future."),
        "authorised_person_required": _("Choose who gave the instruction."),
        "not_authorised": _("Only a system administrator may give instructions here."),
        "instruction_withdrawn": _("This instruction is withdrawn."),
        "instruction_suspended": _("This instruction is suspended already."),
        "instruction_not_awaiting": _("This instruction does not await confirmation."),
        "reason_required": _("State the reason."),
        "invalid_channel": _("Instructions given in the app are recorded by the tenant."),
        "permission_denied": _("You may not do this."),
        "not_found": _("Not found: it may belong to another tenant or no longer exist."),
    }
    return texts.get(exc.code) or _("The input was refused: %(detail)s") % {"detail": exc.detail}


def _errors(form: forms.Form) -> str:
    return "; ".join(str(e) for errs in form.errors.values() for e in errs)


# --- forms -------------------------------------------------------------------------------------


class GrantForm(forms.Form):
    staff = forms.MultipleChoiceField(
        label=gettext_lazy("Staff of the operator"), widget=forms.CheckboxSelectMultiple
    )
    purpose = forms.CharField(
        label=gettext_lazy("Purpose"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Why support needs access, e.g. the ticket number."),
    )
    ends_at = forms.DateTimeField(
        label=gettext_lazy("Access ends"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
        help_text=gettext_lazy("At most 7 days from now. Access starts at once."),
    )
    level = forms.ChoiceField(
        label=gettext_lazy("Access"), choices=LEVELS, widget=forms.RadioSelect, initial="read"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].choices = [  # type: ignore[attr-defined]
            (str(u.pk), f"{u.full_name or u.email} ({u.email})") for u in selectors.support_staff()
        ]


class InstructionForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Instruction"),
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    channel = forms.ChoiceField(label=gettext_lazy("Given"), choices=CHANNELS, initial="in_app")
    given_on = forms.DateField(
        label=gettext_lazy("Given on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    given_by = forms.ChoiceField(label=gettext_lazy("Given by"))

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["given_by"].choices = given_by_choices(tenant)  # type: ignore[attr-defined]


class AmendForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("New text"),
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class OperatorInstructionForm(forms.Form):
    tenant = forms.ChoiceField(label=gettext_lazy("Tenant"))
    text = forms.CharField(
        label=gettext_lazy("Instruction"),
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Received"), choices=CHANNELS[1:], initial="phone"
    )
    given_on = forms.DateField(
        label=gettext_lazy("Given on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    person = forms.ChoiceField(
        label=gettext_lazy("Given by"),
        required=False,
        help_text=gettext_lazy(
            "An authorised person of that tenant; empty: its system administrator, "
            "while it names no authorised person and has only one."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tenants = Tenant.objects.filter(
            kind=Tenant.Kind.CUSTOMER, status__in=Tenant.LIVE_STATUSES
        ).order_by("name")
        self.fields["tenant"].choices = [(str(t.pk), t.name) for t in tenants]  # type: ignore[attr-defined]
        persons = AuthorisedPerson.unscoped.select_related("tenant").order_by(
            "tenant__name", "last_name", "pk"
        )
        self.fields["person"].choices = [  # type: ignore[attr-defined]
            ("", _("the tenant's system administrator")),
            *[(str(p.pk), f"{p.tenant.name}: {p.first_name} {p.last_name}") for p in persons],
        ]


class FlagForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why it may be unlawful"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def given_by_choices(tenant: Tenant) -> list[tuple[str, str]]:
    """Named authorised persons ("p<id>"), or — none named — the system admins ("u<id>")."""
    named = list(AuthorisedPerson.unscoped.filter(tenant=tenant).order_by("last_name", "pk"))
    if named:
        return [(f"p{p.pk}", f"{p.first_name} {p.last_name}") for p in named]
    return [(f"u{r.user_id}", r.name) for r in authorised_recipients(tenant) if r.user_id]


def _default_given_by(user: User) -> str:
    person = AuthorisedPerson.unscoped.filter(tenant_id=user.tenant_id, user_id=user.pk).first()
    return f"p{person.pk}" if person else f"u{user.pk}"


def _local_today(tenant: Tenant) -> dt.date:
    return dt.datetime.now(zoneinfo.ZoneInfo(tenant.default_timezone)).date()


# --- access ------------------------------------------------------------------------------------


def _forbidden(request: HttpRequest, text: str) -> HttpResponse:
    return render(request, "support/forbidden.html", {"text": text}, status=403)


def _operator_only(request: HttpRequest, permission: str) -> User:
    user = _user(request)
    if not has_permission(user, permission):
        raise Http404("not found")
    return user


# --- support grants: the tenant ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def support_grants(request: HttpRequest) -> HttpResponse:
    """The tenant's grants and the form to grant one (owners)."""
    user = _user(request)
    if not has_permission(user, "support.grant"):
        return _forbidden(request, _("Granting support access needs the system administrator."))
    tenant = user.tenant
    zone = zoneinfo.ZoneInfo(tenant.default_timezone)
    form = GrantForm(
        request.POST or None,
        initial={"ends_at": (timezone.now() + dt.timedelta(days=1)).astimezone(zone)},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            ends_at = form.cleaned_data["ends_at"]
            if timezone.is_naive(ends_at):
                ends_at = ends_at.replace(tzinfo=zone)
            try:
                services.support_grant_create(
                    actor=user,
                    staff_ids=[int(i) for i in form.cleaned_data["staff"]],
                    purpose=form.cleaned_data["purpose"],
                    ends_at=ends_at,
                    level=form.cleaned_data["level"],
                )
            except DomainError as exc:
                form.add_error(None, friendly(exc))
                status = 422
            else:
                messages.success(request, _("Support access granted. The operator is notified."))
                return redirect("web:support-grants")
        else:
            status = 422
    grants = selectors.tenant_grants()
    return render(
        request,
        "support/grants.html",
        {
            "form": form,
            "grants": [
                {
                    "grant": g,
                    "state": g.state(),
                    "state_label": GRANT_STATES[g.state()],
                    "staff": selectors.grant_staff(g),
                }
                for g in grants
            ],
        },
        status=status,
    )


@require_POST
@login_required
def support_grant_revoke(request: HttpRequest, grant_id: int) -> HttpResponse:
    user = _user(request)
    if not has_permission(user, "support.grant"):
        return _forbidden(request, _("Granting support access needs the system administrator."))
    try:
        services.support_grant_revoke(actor=user, grant=services.support_grant_get(grant_id))
    except NotFound as exc:
        raise Http404("support grant not found") from exc
    except DomainError as exc:
        messages.error(request, friendly(exc))
    else:
        messages.success(request, _("Support access revoked. It ended at once."))
    return redirect("web:support-grants")


# --- instructions: the tenant ------------------------------------------------------------------


def _instruction_rows(instructions: list[Instruction]) -> list[dict[str, Any]]:
    return [
        {
            "instruction": i,
            "status_label": STATUS_LABELS.get(i.status, i.status),
            "channel_label": CHANNEL_LABELS.get(i.channel, i.channel),
            "history": [
                {"event": e, "label": ACTION_LABELS.get(e.action, e.action)}
                for e in selectors.instruction_history(i)
            ],
        }
        for i in instructions
    ]


@require_http_methods(["GET", "POST"])
@login_required
def instructions(request: HttpRequest) -> HttpResponse:
    """The register: every instruction with status and history; record a new one."""
    user = _user(request)
    if not may_act_as_authorised(user):
        return _forbidden(
            request, _("Instructions are given by authorised persons and system administrators.")
        )
    tenant = user.tenant
    form = InstructionForm(
        request.POST or None,
        tenant=tenant,
        initial={"given_on": _local_today(tenant), "given_by": _default_given_by(user)},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            given_by = form.cleaned_data["given_by"]
            ref = int(given_by[1:])
            try:
                services.instruction_record(
                    actor=user,
                    text=form.cleaned_data["text"],
                    channel=form.cleaned_data["channel"],
                    given_on=form.cleaned_data["given_on"],
                    authorised_person_id=ref if given_by.startswith("p") else None,
                    given_by_id=ref if given_by.startswith("u") else None,
                )
            except DomainError as exc:
                form.add_error(None, friendly(exc))
                status = 422
            else:
                messages.success(request, _("Instruction recorded. The operator is notified."))
                return redirect("web:instructions")
        else:
            status = 422
    return render(
        request,
        "support/instructions.html",
        {
            "form": form,
            "rows": _instruction_rows(selectors.tenant_instructions()),
        },
        status=status,
    )


def _instruction_step(request: HttpRequest, instruction_id: int, step: str) -> HttpResponse:
    user = _user(request)
    if not may_act_as_authorised(user):
        return _forbidden(
            request, _("Instructions are given by authorised persons and system administrators.")
        )
    try:
        instruction = services.instruction_get(instruction_id)
        if step == "confirm":
            services.instruction_confirm(actor=user, instruction=instruction)
            done = _("Instruction confirmed in text form.")
        elif step == "amend":
            form = AmendForm(request.POST)
            if not form.is_valid():
                messages.error(request, _errors(form))
                return redirect("web:instructions")
            services.instruction_amend(
                actor=user, instruction=instruction, text=form.cleaned_data["text"]
            )
            done = _("Instruction amended: the new version is in force.")
        else:
            services.instruction_withdraw(actor=user, instruction=instruction)
            done = _("Instruction withdrawn.")
    except NotFound as exc:
        raise Http404("instruction not found") from exc
    except DomainError as exc:
        messages.error(request, friendly(exc))
    else:
        messages.success(request, done)
    return redirect("web:instructions")


@require_POST
@login_required
def instruction_confirm(request: HttpRequest, instruction_id: int) -> HttpResponse:
    return _instruction_step(request, instruction_id, "confirm")


@require_POST
@login_required
def instruction_amend(request: HttpRequest, instruction_id: int) -> HttpResponse:
    return _instruction_step(request, instruction_id, "amend")


@require_POST
@login_required
def instruction_withdraw(request: HttpRequest, instruction_id: int) -> HttpResponse:
    return _instruction_step(request, instruction_id, "withdraw")


# --- the operator ------------------------------------------------------------------------------


@require_GET
@login_required
def operator_support(request: HttpRequest) -> HttpResponse:
    """The grants naming the signed-in staff member, in every tenant (metadata only)."""
    user = _operator_only(request, "operator.support")
    return render(
        request,
        "support/operator_support.html",
        {
            "grants": [
                {"grant": g, "state": g.state(), "state_label": GRANT_STATES[g.state()]}
                for g in selectors.staff_grants(user)
            ],
            "header": "X-Deskwerk-Support-Tenant",
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def operator_instructions(request: HttpRequest) -> HttpResponse:
    """Every tenant's instructions; record one received outside the app; flag one."""
    user = _operator_only(request, "operator.instructions")
    form = OperatorInstructionForm(request.POST or None, initial={"given_on": timezone.localdate()})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            person = form.cleaned_data["person"]
            try:
                tenant = Tenant.objects.get(pk=int(form.cleaned_data["tenant"]))
                services.instruction_record_for_tenant(
                    actor=user,
                    tenant=tenant,
                    text=form.cleaned_data["text"],
                    channel=form.cleaned_data["channel"],
                    given_on=form.cleaned_data["given_on"],
                    authorised_person_id=int(person) if person else None,
                )
            except DomainError as exc:
                form.add_error(None, friendly(exc))
                status = 422
            else:
                messages.success(request, _("Instruction recorded. The tenant is notified."))
                return redirect("web:operator-instructions")
        else:
            status = 422
    return render(
        request,
        "support/operator_instructions.html",
        {
            "form": form,
            "rows": _instruction_rows(selectors.all_instructions()),
        },
        status=status,
    )


@require_POST
@login_required
def operator_instruction_flag(request: HttpRequest, instruction_id: int) -> HttpResponse:
    user = _operator_only(request, "operator.instructions")
    form = FlagForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("web:operator-instructions")
    try:
        services.instruction_flag(
            actor=user,
            instruction=services.instruction_get_any(instruction_id),
            reason=form.cleaned_data["reason"],
        )
    except NotFound as exc:
        raise Http404("instruction not found") from exc
    except DomainError as exc:
        messages.error(request, friendly(exc))
    else:
        messages.success(
            request, _("Instruction suspended. The tenant's authorised persons are notified.")
        )
    return redirect("web:operator-instructions")
