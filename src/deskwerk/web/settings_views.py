"""The organisation's settings pages: privacy (pseudonymisation, retention, the colleague
finder), sign-in security (second factors, passwords, lockout, session timeouts) and single
sign-on providers.

Each form calls the service that owns the setting (``privacy.settings``,
``profiles.settings``, ``accounts.mfa``, ``accounts.passwords``, ``accounts.lockout``,
``websessions.timeouts``, ``sso.services``); the bounds and the permission checks are theirs.
A form that changes several sections saves them in one transaction, so a refusal changes
nothing. Only values that differ are passed on, so saving an unchanged form audits nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deskwerk.access.roles import ADMIN_ROLES, OPERATOR_ROLES, ROLES, has_permission
from deskwerk.accounts import lockout, mfa, passwords
from deskwerk.accounts.models import User
from deskwerk.core.errors import DomainError, InvalidInput
from deskwerk.privacy import settings as privacy
from deskwerk.profiles import settings as finder
from deskwerk.sso import services as sso
from deskwerk.sso.models import IdentityProvider
from deskwerk.tenancy.models import Tenant
from deskwerk.tenancy.urls import tenant_reverse
from deskwerk.web.admin_views import admin_sections
from deskwerk.web.people_admin_views import allowed, role_label
from deskwerk.websessions import timeouts

Bounds = dict[str, tuple[int, int, int]]


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _tenant(request: HttpRequest) -> Tenant:
    return cast(Tenant, request.tenant)  # type: ignore[attr-defined]


def _out_of_bounds(bounds: Bounds, name: str) -> str:
    _default, low, high = bounds[name]
    return _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}


# --- forms ---------------------------------------------------------------------------------


class _NumbersForm(forms.Form):
    """Whole numbers whose bounds belong to a service: shown as help and as ``min``/``max``
    hints; the service refuses anything outside them (the message goes next to the field)."""

    bounds: Bounds = {}
    units: dict[str, Any] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            default, low, high = self.bounds[name]
            field.widget.attrs.update({"min": low, "max": high, "inputmode": "numeric"})
            field.help_text = _("%(low)s to %(high)s %(unit)s; default %(default)s.") % {
                "low": low,
                "high": high,
                "unit": self.units[name],
                "default": default,
            }


def _number(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        error_messages={
            "required": gettext_lazy("Enter a whole number."),
            "invalid": gettext_lazy("Enter a whole number."),
        },
    )


DAYS = gettext_lazy("days")
MINUTES = gettext_lazy("minutes")
HOURS = gettext_lazy("hours")
CHARACTERS = gettext_lazy("characters")
ATTEMPTS = gettext_lazy("attempts")


class PrivacyForm(_NumbersForm):
    bounds = privacy.BOUNDS
    units = {
        "pseudonymise_after_days": DAYS,
        "audit_retention_days": DAYS,
        "usage_retention_days": DAYS,
    }
    pseudonymise_after_days = _number(
        gettext_lazy("Pseudonymise bookings, check-ins and usage data after")
    )
    audit_retention_days = _number(gettext_lazy("Keep the audit log for"))
    usage_retention_days = _number(gettext_lazy("Keep usage data for"))


class PasswordsForm(_NumbersForm):
    bounds = {**passwords.BOUNDS, **lockout.BOUNDS}
    units = {
        "min_length": CHARACTERS,
        "max_age_days": DAYS,
        "max_failures": ATTEMPTS,
        "window_minutes": MINUTES,
        "lockout_minutes": MINUTES,
    }
    min_length = _number(gettext_lazy("Minimum password length"))
    max_age_days = _number(gettext_lazy("Passwords expire after (0: never)"))
    max_failures = _number(gettext_lazy("Failed sign-ins before a lockout"))
    window_minutes = _number(gettext_lazy("Failures are counted within"))
    lockout_minutes = _number(gettext_lazy("Lockout lasts"))


class SessionsForm(_NumbersForm):
    bounds = timeouts.BOUNDS
    units = {"idle_minutes": MINUTES, "absolute_hours": HOURS}
    idle_minutes = _number(gettext_lazy("Sign out after inactivity of"))
    absolute_hours = _number(gettext_lazy("Sign out in any case after"))


FINDER_CHOICES = [
    (
        finder.OPT_IN,
        gettext_lazy("Each person decides, hidden by default (recommended)"),
        gettext_lazy(
            "Nobody is findable until they choose so in their profile. The most private "
            "choice, and the default: data protection by default (GDPR Art. 25 (2))."
        ),
    ),
    (
        finder.OPT_OUT,
        gettext_lazy("Each person decides, shown by default"),
        gettext_lazy("Everyone is findable unless they hide themselves in their profile."),
    ),
    (
        finder.EVERYONE,
        gettext_lazy("Show everyone"),
        gettext_lazy(
            "Colleagues see where everyone books; nobody can hide. Needs a legal basis, e.g. "
            "a works agreement."
        ),
    ),
    (
        finder.NOBODY,
        gettext_lazy("Hide everyone"),
        gettext_lazy("The colleague finder is off: nobody sees where others sit."),
    ),
]
MFA_CHOICES = [
    (
        "nobody",
        gettext_lazy("Nobody is required"),
        gettext_lazy("Everyone may still set up an authenticator app or a security key."),
    ),
    (
        "admins",
        gettext_lazy("Administrators"),
        gettext_lazy(
            "Everyone holding an administrative role (owner, people, space or privacy "
            "administration, auditor) must set up a second factor."
        ),
    ),
    (
        "everyone",
        gettext_lazy("Everyone"),
        gettext_lazy("Every person must set up a second factor at their next sign-in."),
    ),
]


class _ChoiceForm(forms.Form):
    """One radio group whose options carry an explanation (``options`` for the template)."""

    choices: list[tuple[str, Any, Any]] = []

    def options(self) -> list[dict[str, Any]]:
        field = self["value"]
        current = field.value()
        return [
            {
                "value": value,
                "label": label,
                "help": help_text,
                "id": f"{self.prefix or 'id'}_{value}",
                "checked": value == current,
            }
            for value, label, help_text in self.choices
        ]


class FinderForm(_ChoiceForm):
    prefix = "finder"
    choices = FINDER_CHOICES
    value = forms.ChoiceField(
        label=gettext_lazy("Who colleagues can find"),
        choices=[(c[0], c[1]) for c in FINDER_CHOICES],
    )


class MfaForm(_ChoiceForm):
    prefix = "mfa"
    choices = MFA_CHOICES
    value = forms.ChoiceField(
        label=gettext_lazy("Two-factor authentication is required for"),
        choices=[(c[0], c[1]) for c in MFA_CHOICES],
    )


# --- the sections of the page --------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    permission: str
    form: type[forms.Form]
    current: Callable[[Tenant], dict[str, Any]]
    save: Callable[[User, Tenant, dict[str, Any]], Any]
    saved: Any  # the success message


def _save_passwords(actor: User, tenant: Tenant, changes: dict[str, Any]) -> None:
    policy = {k: v for k, v in changes.items() if k in passwords.BOUNDS}
    locks = {k: v for k, v in changes.items() if k in lockout.BOUNDS}
    if policy:
        passwords.password_policy_update(actor=actor, tenant=tenant, changes=policy)
    if locks:
        lockout.lockout_settings_update(actor=actor, tenant=tenant, changes=locks)


SECTIONS: dict[str, Section] = {
    "privacy": Section(
        permission="privacy.settings",
        form=PrivacyForm,
        current=lambda t: asdict(privacy.privacy_settings(t)),
        save=lambda a, t, c: privacy.privacy_settings_update(actor=a, tenant=t, changes=c),
        saved=gettext_lazy("The retention and pseudonymisation periods are saved."),
    ),
    "finder": Section(
        permission="privacy.settings",
        form=FinderForm,
        current=lambda t: {"value": finder.finder_mode(t)},
        save=lambda a, t, c: finder.finder_mode_update(actor=a, tenant=t, mode=c["value"]),
        saved=gettext_lazy("The colleague finder's mode is saved."),
    ),
    "mfa": Section(
        permission="tenant.settings",
        form=MfaForm,
        current=lambda t: {"value": mfa.mfa_policy(t).required_for},
        save=lambda a, t, c: mfa.mfa_policy_update(actor=a, tenant=t, required_for=c["value"]),
        saved=gettext_lazy("The two-factor policy is saved."),
    ),
    "passwords": Section(
        permission="tenant.settings",
        form=PasswordsForm,
        current=lambda t: {
            **asdict(passwords.password_policy(t)),
            **asdict(lockout.lockout_settings(t)),
        },
        save=_save_passwords,
        saved=gettext_lazy("The password policy and lockout are saved."),
    ),
    "sessions": Section(
        permission="tenant.settings",
        form=SessionsForm,
        current=lambda t: asdict(timeouts.session_timeouts(t)),
        save=lambda a, t, c: timeouts.session_timeouts_update(actor=a, tenant=t, changes=c),
        saved=gettext_lazy("The session timeouts are saved."),
    ),
}


def _settings_page(
    request: HttpRequest, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    actor, tenant = _actor(request), _tenant(request)
    forms_: dict[str, forms.Form | None] = {}
    for key, section in SECTIONS.items():
        if not has_permission(actor, section.permission):
            forms_[key] = None
        elif bound and key in bound:
            forms_[key] = bound[key]
        else:
            forms_[key] = section.form(initial=section.current(tenant))
    may_tenant = has_permission(actor, "tenant.settings")
    providers = sso.providers_of_tenant(actor=actor) if may_tenant else []
    return render(
        request,
        "settings/index.html",
        {
            "sections": admin_sections(request),
            "forms": forms_,
            "may_privacy": has_permission(actor, "privacy.settings"),
            "may_tenant": may_tenant,
            "providers": providers,
        },
        status=status,
    )


@require_GET
@allowed("tenant.settings", "privacy.settings")
def settings_index(request: HttpRequest) -> HttpResponse:
    return _settings_page(request)


@require_POST
@allowed("tenant.settings", "privacy.settings")
def settings_save(request: HttpRequest, section: str) -> HttpResponse:
    """Save one section; errors are shown next to their fields and nothing is written."""
    spec = SECTIONS.get(section)
    if spec is None:
        raise Http404("no such settings section")
    actor, tenant = _actor(request), _tenant(request)
    if not has_permission(actor, spec.permission):
        return render(
            request,
            "people_admin/forbidden.html",
            {"sections": admin_sections(request)},
            status=403,
        )
    form = spec.form(request.POST)
    if form.is_valid():
        current = spec.current(tenant)
        changes = {k: v for k, v in form.cleaned_data.items() if current.get(k) != v}
        try:
            with transaction.atomic():
                if changes:
                    spec.save(actor, tenant, changes)
        except InvalidInput as exc:
            name = exc.extra.get("setting")
            if name in form.fields and isinstance(form, _NumbersForm):
                form.add_error(name, _out_of_bounds(form.bounds, name))
            else:
                form.add_error(
                    "value" if "value" in form.fields else None, _("Choose one of the options.")
                )
        except DomainError as exc:
            form.add_error(None, _("The change was refused: %(detail)s") % {"detail": exc.detail})
        else:
            if changes:
                messages.success(request, str(spec.saved))
            else:
                messages.info(request, _("Nothing changed."))
            return redirect(f"{_settings_url()}#{section}")
    return _settings_page(request, {section: form}, status=422)


def _settings_url() -> str:
    return reverse("web:admin-settings")


# --- single sign-on ------------------------------------------------------------------------

GROUP_LINE = re.compile(r"^\s*(?P<group>[^=]+?)\s*=\s*(?P<roles>.+?)\s*$")


def _role_choices(*, admin: bool) -> list[tuple[str, str]]:
    return [
        (r, role_label(r))
        for r in ROLES
        if r not in OPERATOR_ROLES and (admin or r not in ADMIN_ROLES)
    ]


class ProviderForm(forms.Form):
    """An OpenID Connect provider. The client secret is write-only: never shown again, and
    left empty on edit it stays as it is."""

    slug = forms.CharField(
        label=gettext_lazy("Short name"),
        max_length=40,
        help_text=gettext_lazy(
            "Part of the sign-in address: lower-case letters, digits and hyphens, e.g. entra."
        ),
    )
    name = forms.CharField(
        label=gettext_lazy("Button label"),
        max_length=100,
        help_text=gettext_lazy('Shown on the sign-in page, e.g. "Microsoft Entra ID".'),
    )
    issuer = forms.CharField(
        label=gettext_lazy("Issuer URL"),
        max_length=500,
        help_text=gettext_lazy(
            "The https address of the identity provider (its discovery document lives below it)."
        ),
    )
    client_id = forms.CharField(label=gettext_lazy("Client ID"), max_length=255)
    client_secret = forms.CharField(
        label=gettext_lazy("Client secret"),
        max_length=1000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    allowed_domains = forms.CharField(
        label=gettext_lazy("Allowed e-mail domains"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        help_text=gettext_lazy("One or more, separated by spaces or new lines, e.g. acme.example."),
    )
    jit_create = forms.BooleanField(
        label=gettext_lazy("Create accounts at the first sign-in"), required=False
    )
    default_role = forms.ChoiceField(label=gettext_lazy("Role of new accounts"))
    group_claim = forms.CharField(
        label=gettext_lazy("Group claim"), max_length=100, initial="groups"
    )
    role_map = forms.CharField(
        label=gettext_lazy("Groups to roles"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "One group a line: group = role, role. Administrative roles mapped here wait for an "
            "owner's approval."
        ),
    )
    enabled = forms.BooleanField(label=gettext_lazy("Enabled"), required=False, initial=True)

    def __init__(self, *args: Any, provider: IdentityProvider | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.provider = provider
        self.fields["default_role"].choices = _role_choices(admin=False)  # type: ignore[attr-defined]
        self.fields["default_role"].initial = "employee"
        roles = ", ".join(r for r in ROLES if r not in OPERATOR_ROLES)
        roles_help = _("Roles: %(roles)s.") % {"roles": roles}
        self.fields["role_map"].help_text = f"{self.fields['role_map'].help_text} {roles_help}"
        if provider is not None:
            del self.fields["slug"]
            self.fields["client_secret"].required = False
            self.fields["client_secret"].help_text = _(
                "A secret is stored. Leave empty to keep it; enter a new one to replace it."
            )

    def clean_allowed_domains(self) -> list[str]:
        return [d for d in re.split(r"[\s,;]+", self.cleaned_data["allowed_domains"]) if d]

    def clean_role_map(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for line in self.cleaned_data["role_map"].splitlines():
            if not line.strip():
                continue
            match = GROUP_LINE.match(line)
            if match is None:
                raise forms.ValidationError(
                    _("Write one group a line: group = role, role (line: %(line)s).")
                    % {"line": line.strip()[:80]}
                )
            roles = [r for r in re.split(r"[\s,]+", match["roles"]) if r]
            out[match["group"]] = roles
        return out

    def to_input(self) -> sso.ProviderInput:
        data = dict(self.cleaned_data)
        if not data.get("client_secret"):
            data.pop("client_secret", None)
        return sso.ProviderInput(**data)


SSO_FIELDS = {
    "invalid_slug": "slug",
    "sso_provider_exists": "slug",
    "invalid_issuer": "issuer",
    "invalid_domain": "allowed_domains",
    "invalid_role_map": "role_map",
    "invalid_claim": "group_claim",
}


def _sso_error(form: ProviderForm, exc: DomainError) -> None:
    texts = {
        "invalid_slug": _("Lower-case letters, digits and hyphens, at most 40 characters."),
        "sso_provider_exists": _("Your organisation has a provider with this short name already."),
        "invalid_issuer": _(
            "Enter the provider's https address without query or fragment, e.g. "
            "https://login.example.com/realms/acme."
        ),
        "invalid_domain": _("Enter domain names such as example.com (at most 50)."),
        "invalid_role_map": _("Each group needs at least one role: group = role, role."),
        "invalid_claim": _("A claim name: letters, digits and _ : / . - (at most 100)."),
    }
    if exc.code == "invalid_role":
        default = form.cleaned_data.get("default_role")
        target = "role_map" if default in dict(_role_choices(admin=False)) else "default_role"
        form.add_error(target, _("Use the roles listed: %(detail)s") % {"detail": exc.detail})
        return
    field = SSO_FIELDS.get(exc.code)
    if field is not None and field in form.fields:
        form.add_error(field, texts[exc.code])
    else:
        form.add_error(None, _("The change was refused: %(detail)s") % {"detail": exc.detail})


def _provider(provider_id: int) -> IdentityProvider:
    try:
        return sso.provider_get(provider_id)
    except DomainError as exc:
        raise Http404("identity provider not found") from exc


def _redirect_uri(request: HttpRequest, provider: IdentityProvider) -> str:
    path = tenant_reverse(
        provider.tenant, "openid_connect_callback", provider_id=provider.provider_id
    )
    return request.build_absolute_uri(path)


def _provider_page(
    request: HttpRequest, form: ProviderForm, provider: IdentityProvider | None, status: int
) -> HttpResponse:
    return render(
        request,
        "settings/provider.html",
        {
            "sections": admin_sections(request),
            "form": form,
            "provider": provider,
            "redirect_uri": _redirect_uri(request, provider) if provider else "",
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@allowed("tenant.settings")
def provider_new(request: HttpRequest) -> HttpResponse:
    form = ProviderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            provider = sso.provider_create(actor=_actor(request), data=form.to_input())
        except DomainError as exc:
            _sso_error(form, exc)
        else:
            messages.success(
                request,
                _(
                    "%(name)s added. Register the redirect address shown below at the identity "
                    "provider."
                )
                % {"name": provider.name},
            )
            return redirect("web:admin-sso", provider.pk)
    return _provider_page(request, form, None, 422 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@allowed("tenant.settings")
def provider_edit(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = _provider(provider_id)
    initial = {
        "name": provider.name,
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "allowed_domains": "\n".join(provider.allowed_domains),
        "jit_create": provider.jit_create,
        "default_role": provider.default_role,
        "group_claim": provider.group_claim,
        "role_map": "\n".join(f"{g} = {', '.join(r)}" for g, r in provider.role_map.items()),
        "enabled": provider.enabled,
    }
    form = ProviderForm(request.POST or None, initial=initial, provider=provider)
    if request.method == "POST" and form.is_valid():
        try:
            sso.provider_update(actor=_actor(request), provider=provider, data=form.to_input())
        except DomainError as exc:
            _sso_error(form, exc)
        else:
            messages.success(request, _("%(name)s saved.") % {"name": form.cleaned_data["name"]})
            return redirect("web:admin-sso", provider.pk)
    return _provider_page(request, form, provider, 422 if request.method == "POST" else 200)


@require_POST
@allowed("tenant.settings")
def provider_enable(request: HttpRequest, provider_id: int) -> HttpResponse:
    """Switch a provider on or off (``enabled`` = "1" or "0"); idempotent."""
    provider = _provider(provider_id)
    enabled = request.POST.get("enabled") == "1"
    try:
        sso.provider_update(
            actor=_actor(request), provider=provider, data=sso.ProviderInput(enabled=enabled)
        )
    except DomainError as exc:
        messages.error(request, _("The change was refused: %(detail)s") % {"detail": exc.detail})
    else:
        text = _("%(name)s is enabled.") if enabled else _("%(name)s is disabled.")
        messages.success(request, text % {"name": provider.name})
    return redirect(f"{_settings_url()}#sso")


@require_POST
@allowed("tenant.settings")
def provider_delete(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = _provider(provider_id)
    sso.provider_delete(actor=_actor(request), provider=provider)
    messages.success(
        request,
        _("%(name)s removed. Its people keep their accounts.") % {"name": provider.name},
    )
    return redirect(f"{_settings_url()}#sso")
