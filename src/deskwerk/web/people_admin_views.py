"""People administration pages: the people list, invitations, a person's account and roles
(four-eyes grants), second-factor resets and the role report.

Views parse input and call the identity services (``deskwerk.accounts.services``,
``accounts.invitations``, ``accounts.mfa``, ``access.roles``); every rule lives there.
Granting and approving roles and resetting someone's second factors need a recent sign-in or
re-authentication, as over the API (decision 0020): without one the person confirms it is
them on allauth's re-authentication page and comes back to the form, filled in again.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from allauth.mfa.models import Authenticator
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from deskwerk.access.models import RoleGrant
from deskwerk.access.roles import (
    ADMIN_ROLES,
    OPERATOR_ROLES,
    ROLES,
    grant_get,
    has_permission,
    person_grants,
    role_approve,
    role_grant,
    role_reject,
    role_report,
    role_revoke,
)
from deskwerk.accounts.invitations import (
    invitation_create,
    invitation_revoke,
    tenant_language,
)
from deskwerk.accounts.mfa import mfa_reset
from deskwerk.accounts.models import Invitation, User
from deskwerk.accounts.services import user_deactivate, user_reactivate
from deskwerk.audit.services import audit_record
from deskwerk.core.errors import DomainError
from deskwerk.web.admin_views import admin_sections
from deskwerk.web.reauth import confirm_first

PAGE_SIZE = 25
View = Callable[..., HttpResponse]

ROLE_LABELS: dict[str, Any] = {
    "owner": gettext_lazy("Owner (system administrator)"),
    "people_admin": gettext_lazy("People administrator"),
    "space_admin": gettext_lazy("Space administrator"),
    "privacy_officer": gettext_lazy("Privacy officer"),
    "auditor": gettext_lazy("Auditor"),
    "location_manager": gettext_lazy("Location manager"),
    "receptionist": gettext_lazy("Receptionist"),
    "employee": gettext_lazy("Employee"),
    "operator_admin": gettext_lazy("Operator administrator"),
}
ROLE_HELP: dict[str, Any] = {
    "owner": gettext_lazy("Everything, including roles and the organisation's settings."),
    "people_admin": gettext_lazy("Invites people, deactivates accounts, resets second factors."),
    "space_admin": gettext_lazy("Manages locations, buildings, floors and places."),
    "privacy_officer": gettext_lazy("Handles data-subject requests and the privacy settings."),
    "auditor": gettext_lazy("Reads the audit log and the records of processing."),
    "location_manager": gettext_lazy("Books for colleagues and manages their bookings."),
    "receptionist": gettext_lazy("Books for colleagues and visitors."),
    "employee": gettext_lazy("Books for themselves."),
    "operator_admin": gettext_lazy("Operator staff."),
}
STATE_LABELS: dict[str, Any] = {
    "pending": gettext_lazy("waiting for approval"),
    "active": gettext_lazy("active"),
    "revoked": gettext_lazy("revoked"),
    "expired": gettext_lazy("expired"),
    "rejected": gettext_lazy("rejected"),
    "accepted": gettext_lazy("accepted"),
}


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def friendly(exc: DomainError) -> str:
    """A refusal of the identity services, in the page's language."""
    texts = {
        "role_held": _("This person already holds or awaits that role."),
        "four_eyes": _(
            "A second person must approve this: neither the person who granted the role nor "
            "the person receiving it may approve it."
        ),
        "grant_not_pending": _("This grant is no longer waiting for approval."),
        "grant_not_active": _("This grant has already ended."),
        "last_admin": _(
            "This is your organisation's last owner. Appoint another owner first, then try again."
        ),
        "person_inactive": _("This person is deactivated: reactivate the account first."),
        "invalid_role": _("Choose one of the listed roles."),
        "email_taken": _("This e-mail address already has an account here."),
        "invitation_pending": _(
            "This address has a pending invitation already. Revoke it first to send a new one."
        ),
        "invitation_used": _("This invitation was already accepted."),
        "invalid_email": _("Enter a valid e-mail address."),
        "invalid_language": _("Choose German or English."),
        "permission_denied": _("Your roles do not allow this."),
        "not_found": _("Not found."),
    }
    return texts.get(exc.code) or _("The input was refused: %(detail)s") % {"detail": exc.detail}


# --- access --------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def allowed(*permissions: str) -> Callable[[View], View]:
    """Signed in (else to the sign-in page) and holding one of ``permissions`` (else a 403
    page). People of other tenants are anonymous here and are sent to sign in."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not any(has_permission(user, p) for p in permissions):
                return render(
                    request,
                    "people_admin/forbidden.html",
                    {"sections": admin_sections(request)},
                    status=403,
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _person(person_id: int) -> User:
    """A person of the bound tenant, or 404 (another tenant's id looks missing)."""
    person = User.objects.filter(pk=person_id).first()
    if person is None:
        raise Http404("person not found")
    return person


def _grant(grant_id: int) -> RoleGrant:
    try:
        return grant_get(grant_id)
    except DomainError as exc:
        raise Http404("grant not found") from exc


def _back_to_person(person_id: int) -> HttpResponse:
    return redirect("web:admin-person", person_id)


# --- forms ---------------------------------------------------------------------------------


class SearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search by name or e-mail"), max_length=100, required=False
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[
            ("", gettext_lazy("Everyone")),
            ("active", gettext_lazy("Active")),
            ("inactive", gettext_lazy("Deactivated")),
        ],
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail address"), max_length=254)
    full_name = forms.CharField(label=gettext_lazy("Name"), max_length=200, required=False)
    language = forms.ChoiceField(
        label=gettext_lazy("Language of the invitation"),
        choices=[("de", "Deutsch"), ("en", "English")],
    )


class GrantForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Role"))
    until = forms.DateField(
        label=gettext_lazy("Until (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("The role ends at the end of this day. Empty: no end date."),
    )

    def __init__(self, *args: Any, tenant_zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zoneinfo.ZoneInfo(tenant_zone)
        self.fields["role"].choices = [  # type: ignore[attr-defined]
            (role, role_label(role)) for role in ROLES if role not in OPERATOR_ROLES
        ]

    def clean_until(self) -> dt.date | None:
        until: dt.date | None = self.cleaned_data.get("until")
        if until is not None and until < timezone.now().astimezone(self.zone).date():
            raise forms.ValidationError(_("The end date must be today or later."))
        return until

    def expires_at(self) -> dt.datetime | None:
        """The end of the chosen day in the organisation's time zone."""
        until = self.cleaned_data.get("until")
        if until is None:
            return None
        return dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=self.zone)


# --- the people list -----------------------------------------------------------------------


def _pending_grants(user: User) -> list[RoleGrant]:
    if not has_permission(user, "roles.grant"):
        return []
    return list(
        RoleGrant.objects.filter(state=RoleGrant.State.PENDING)
        .select_related("user", "granted_by")
        .order_by("created_at", "pk")
    )


def _annotate(grants: list[RoleGrant], actor: User) -> list[RoleGrant]:
    for grant in grants:
        grant.label = role_label(grant.role)  # type: ignore[attr-defined]
        grant.state_label = STATE_LABELS.get(grant.state, grant.state)  # type: ignore[attr-defined]
        grant.own = actor.pk in (grant.granted_by_id, grant.user_id)  # type: ignore[attr-defined]
        grant.warnings = _warnings(grant)  # type: ignore[attr-defined]
    return grants


def _warnings(grant: RoleGrant) -> list[str]:
    """The service's stored warnings (English words), said in the page's language."""
    out = []
    if "only one owner" in grant.warning:
        out.append(_("Active without a second approval: there was only one owner."))
    if "limit" in grant.warning:
        out.append(_("More people hold administrative roles than your limit: keep them few."))
    return out


def _may_see_roles(user: User) -> bool:
    """Other people's roles are for role and audit readers (as ``access.roles.person_grants``)."""
    return has_permission(user, "roles.grant") or has_permission(user, "audit.read")


def _people_page(request: HttpRequest, search: SearchForm) -> Any:
    people = User.objects.order_by("full_name", "email", "pk")
    if search.is_valid():
        q = search.cleaned_data["q"].strip()
        if q:
            people = people.filter(Q(full_name__icontains=q) | Q(email__icontains=q))
        if search.cleaned_data["status"] == "active":
            people = people.filter(is_active=True)
        elif search.cleaned_data["status"] == "inactive":
            people = people.filter(is_active=False)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    ids = [p.pk for p in rows]
    now = timezone.now()
    roles: dict[int, set[str]] = {}
    live = RoleGrant.objects.filter(user_id__in=ids, state=RoleGrant.State.ACTIVE).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )
    if not _may_see_roles(_actor(request)):
        live = live.none()
    for user_id, role in live.values_list("user_id", "role"):
        roles.setdefault(user_id, set()).add(role)
    with_factor = set(
        Authenticator.objects.filter(
            user_id__in=ids, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
        ).values_list("user_id", flat=True)
    )
    for person in rows:
        held = roles.get(person.pk, set())
        person.role_labels = [role_label(r) for r in ROLES if r in held and r != "employee"]
        person.has_factor = person.pk in with_factor
    return page, rows


@require_GET
@allowed("people.manage", "roles.grant")
def people_list(request: HttpRequest) -> HttpResponse:
    """Everyone of the tenant, searchable, 25 a page; invitations; grants awaiting approval.

    A fixed number of queries however many people a page shows (roles and factors of the
    page's people are read in one query each).
    """
    return _list_page(request, InviteForm(initial={"language": tenant_language(request.tenant)}))  # type: ignore[attr-defined]


def _list_page(request: HttpRequest, invite_form: InviteForm, status: int = 200) -> HttpResponse:
    actor = _actor(request)
    search = SearchForm(request.GET or None)
    page, rows = _people_page(request, search)
    query = request.GET.copy()
    query.pop("page", None)
    may_people = has_permission(actor, "people.manage")
    invitations = (
        list(
            Invitation.objects.filter(
                accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
            ).order_by("-created_at", "-pk")
        )
        if may_people
        else []
    )
    return render(
        request,
        "people_admin/list.html",
        {
            "sections": admin_sections(request),
            "search": search,
            "page": page,
            "people": rows,
            "query": query.urlencode(),
            "invite_form": invite_form,
            "invitations": invitations,
            "pending": _annotate(_pending_grants(actor), actor),
            "may_people": may_people,
            "may_roles": has_permission(actor, "roles.grant"),
            "may_see_roles": _may_see_roles(actor),
        },
        status=status,
    )


@require_POST
@allowed("people.manage")
def invite(request: HttpRequest) -> HttpResponse:
    """Invite by e-mail (``accounts.invitations``). Only as a member: administrative roles are
    granted after the person joined, so they pass the four-eyes approval."""
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation, _token = invitation_create(
                actor=_actor(request),
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                language=form.cleaned_data["language"],
                site_url=request.build_absolute_uri("/"),
            )
        except DomainError as exc:
            field = (
                "email"
                if exc.code in ("email_taken", "invitation_pending", "invalid_email")
                else None
            )
            form.add_error(field, friendly(exc))
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s. The link works once, for seven days.")
                % {"email": invitation.email},
            )
            return redirect("web:admin-people")
    return _list_page(request, form, status=422)


@require_POST
@allowed("people.manage")
def invitation_withdraw(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404("invitation not found")
    try:
        invitation_revoke(actor=_actor(request), invitation=invitation)
    except DomainError as exc:
        messages.error(request, friendly(exc))
    else:
        messages.success(
            request, _("The invitation for %(email)s was withdrawn.") % {"email": invitation.email}
        )
    return redirect("web:admin-people")


# --- one person ----------------------------------------------------------------------------


def _person_page(
    request: HttpRequest, person: User, grant_form: GrantForm, status: int = 200
) -> HttpResponse:
    actor = _actor(request)
    try:
        grants = _annotate(person_grants(actor=actor, person=person), actor)
        may_see_roles = True
    except DomainError:  # people administrators manage accounts, not roles: none shown
        grants, may_see_roles = [], False
    factors = sorted(
        set(Authenticator.objects.filter(user_id=person.pk).values_list("type", flat=True))
    )
    factor_names = {
        "totp": _("authenticator app"),
        "webauthn": _("security key or passkey"),
        "recovery_codes": _("recovery codes"),
    }
    return render(
        request,
        "people_admin/person.html",
        {
            "sections": admin_sections(request),
            "person": person,
            "grants": grants,
            "current": [g for g in grants if g.state in ("active", "pending")],
            "history": [g for g in grants if g.state not in ("active", "pending")],
            "factors": [factor_names.get(f, f) for f in factors],
            "grant_form": grant_form,
            "role_help": [
                (role_label(r), ROLE_HELP[r], r in ADMIN_ROLES)
                for r in ROLES
                if r not in OPERATOR_ROLES
            ],
            "may_people": has_permission(actor, "people.manage"),
            "may_roles": has_permission(actor, "roles.grant"),
            "is_self": actor.pk == person.pk,
            "may_see_roles": may_see_roles,
        },
        status=status,
    )


def _grant_form(request: HttpRequest, data: Any = None) -> GrantForm:
    zone = request.tenant.default_timezone  # type: ignore[attr-defined]
    # After a re-authentication the page may come back with the chosen values in the query.
    initial = {k: request.GET[k] for k in ("role", "until") if k in request.GET}
    return GrantForm(data, tenant_zone=zone, initial=initial or None)


@require_GET
@allowed("people.manage", "roles.grant")
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    return _person_page(request, _person(person_id), _grant_form(request))


@require_POST
@allowed("roles.grant")
def person_grant(request: HttpRequest, person_id: int) -> HttpResponse:
    """Grant a role; administrative roles wait for a second owner's approval."""
    person = _person(person_id)
    form = _grant_form(request, request.POST)
    if not form.is_valid():
        return _person_page(request, person, form, status=422)
    query = {"role": form.cleaned_data["role"]}
    if form.cleaned_data["until"]:
        query["until"] = form.cleaned_data["until"].isoformat()
    back = f"{reverse('web:admin-person', args=[person.pk])}?{urlencode(query)}"
    confirm = confirm_first(request, back)
    if confirm is not None:
        return confirm
    try:
        grant = role_grant(
            actor=_actor(request),
            person=person,
            role=form.cleaned_data["role"],
            expires_at=form.expires_at(),
        )
    except DomainError as exc:
        form.add_error("role" if exc.code in ("role_held", "invalid_role") else None, friendly(exc))
        return _person_page(request, person, form, status=422)
    label = role_label(grant.role)
    if grant.state == RoleGrant.State.PENDING:
        messages.success(
            request,
            _("%(role)s requested. Another owner must approve it before it counts.")
            % {"role": label},
        )
    else:
        messages.success(request, _("%(role)s granted.") % {"role": label})
        for warning in _warnings(grant):
            messages.warning(request, warning)
    return _back_to_person(person.pk)


def _grant_action(
    request: HttpRequest,
    grant_id: int,
    action: Callable[..., RoleGrant],
    done: str,
    *,
    fresh: bool = False,
) -> HttpResponse:
    grant = _grant(grant_id)
    if request.POST.get("back", "") == "people":
        back = reverse("web:admin-people")
    else:
        back = reverse("web:admin-person", args=[grant.user_id])
    if fresh:
        confirm = confirm_first(request, back)
        if confirm is not None:
            return confirm
    try:
        action(actor=_actor(request), grant=grant)
    except DomainError as exc:
        messages.error(request, friendly(exc))
    else:
        messages.success(request, done % {"role": role_label(grant.role), "name": grant.user})
    return redirect(back)


@require_POST
@allowed("roles.grant")
def grant_approve(request: HttpRequest, grant_id: int) -> HttpResponse:
    return _grant_action(
        request, grant_id, role_approve, _("%(role)s for %(name)s approved."), fresh=True
    )


@require_POST
@allowed("roles.grant")
def grant_reject(request: HttpRequest, grant_id: int) -> HttpResponse:
    return _grant_action(request, grant_id, role_reject, _("%(role)s for %(name)s rejected."))


@require_POST
@allowed("roles.grant")
def grant_revoke(request: HttpRequest, grant_id: int) -> HttpResponse:
    return _grant_action(request, grant_id, role_revoke, _("%(role)s for %(name)s revoked."))


def _account_action(
    request: HttpRequest, person_id: int, action: Callable[..., User], done: str
) -> HttpResponse:
    """Deactivate or reactivate through ``accounts.services``; a refusal becomes a message."""
    person = _person(person_id)
    try:
        action(actor=_actor(request), person=person)
    except DomainError as exc:
        messages.error(request, friendly(exc))
    else:
        messages.success(request, done % {"name": person})
    return _back_to_person(person.pk)


@require_POST
@allowed("people.manage")
def person_deactivate(request: HttpRequest, person_id: int) -> HttpResponse:
    return _account_action(
        request,
        person_id,
        user_deactivate,
        _("%(name)s is deactivated: no more sign-in, and every session has ended."),
    )


@require_POST
@allowed("people.manage")
def person_reactivate(request: HttpRequest, person_id: int) -> HttpResponse:
    return _account_action(request, person_id, user_reactivate, _("%(name)s can sign in again."))


@require_POST
@allowed("people.manage")
def person_mfa_reset(request: HttpRequest, person_id: int) -> HttpResponse:
    """Remove every second factor of a person who lost theirs (after checking who asks)."""
    person = _person(person_id)
    confirm = confirm_first(request, reverse("web:admin-person", args=[person.pk]))
    if confirm is not None:
        return confirm
    try:
        removed = mfa_reset(actor=_actor(request), person=person)
    except DomainError as exc:
        messages.error(request, friendly(exc))
    else:
        messages.success(
            request,
            _(
                "%(count)s second factors of %(name)s removed; their sessions have ended. At the "
                "next sign-in they set up a new one if your policy asks for it."
            )
            % {"count": removed, "name": person},
        )
    return _back_to_person(person.pk)


@require_POST
@allowed("people.manage")
def person_reset_link(request: HttpRequest, person_id: int) -> HttpResponse:
    """Send the person allauth's password-reset link (ASVS 6.4.6): the administrator never
    chooses or sees a password; the link works once, for an hour, like a self-service reset."""
    from deskwerk.accounts.forms import TenantResetPasswordForm, reset_candidates

    person = _person(person_id)
    if not person.is_active or not reset_candidates(person.tenant, person.email):
        messages.error(
            request,
            _("%(name)s has no password to reset (deactivated, or signs in by single sign-on).")
            % {"name": person},
        )
        return _back_to_person(person.pk)
    form = TenantResetPasswordForm(data={"email": person.email})
    if form.is_valid():
        form.save(request)
        audit_record(
            tenant=person.tenant,
            actor=_actor(request),
            action="password.reset_sent",
            obj=person,
        )
        messages.success(
            request,
            _("A link to choose a new password was sent to %(email)s; it works once, for an hour.")
            % {"email": person.email},
        )
    return _back_to_person(person.pk)


# --- the role report -----------------------------------------------------------------------


@require_GET
@allowed("roles.grant", "audit.read")
def roles_report(request: HttpRequest) -> HttpResponse:
    """Who held which role when, granted, approved and ended by whom (Annex 1 I.3)."""
    actor = _actor(request)
    report = role_report(actor=actor)
    return render(
        request,
        "people_admin/report.html",
        {
            "sections": admin_sections(request),
            "grants": _annotate(report.grants, actor),
            "admins": report.admins,
            "max_admins": report.max_admins,
            "too_many": report.admins > report.max_admins,
            "generated_at": timezone.now(),
            "zone": request.tenant.default_timezone,  # type: ignore[attr-defined]
        },
    )
