"""The tenant's rules for a single sign-on, applied after the ID token has been verified.

Called from ``TenantSocialAccountAdapter.pre_social_login``. Order: the provider must be an
enabled one of the request's tenant; the e-mail's domain must be allowed; an existing link
(provider, subject) wins; else an account of *this tenant* with the same e-mail is linked only
if the IdP says ``email_verified``; else a new account if the provider creates them just in
time; else refused. Deactivated people are refused. Then the group claim is mapped to roles.
Every outcome is audited (``sso.login`` / ``sso.login_refused`` with the reason).
"""

from __future__ import annotations

from typing import Any

from allauth.core.exceptions import ImmediateHttpResponse
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deskwerk.access.models import RoleGrant
from deskwerk.access.roles import ADMIN_ROLES, ROLES, forget_roles
from deskwerk.accounts.models import User
from deskwerk.accounts.services import user_create
from deskwerk.audit.services import audit_record
from deskwerk.sso.models import IdentityProvider
from deskwerk.tenancy.models import Tenant

# What the person reads for each refusal reason (the audit records the reason itself).
REASONS: dict[str, Any] = {
    "provider_unknown": _("This sign-in option is not available."),
    "no_email": _("The identity provider did not tell us your e-mail address."),
    "domain_not_allowed": _("Your e-mail domain may not sign in here."),
    "email_not_verified": _(
        "An account with your e-mail address exists, but your identity provider has not "
        "confirmed the address, so it cannot be linked. Ask an administrator."
    ),
    "no_account": _("You have no account here yet. Ask an administrator for an invitation."),
    "inactive": _("Your account is deactivated."),
    "wrong_tenant": _("This sign-in option is not available."),
    "unsupported_process": _("This sign-in option only signs you in."),
    "cancelled": _("The sign-in was cancelled at your identity provider."),
    "token_request_failed": _(
        "Your identity provider refused to complete the sign-in. Ask an administrator to check "
        "the single sign-on set-up."
    ),
    "idp_unreachable": _("Your identity provider could not be reached. Please try again later."),
}
# Reasons raised by deskwerk.sso.oidc while verifying the IdP's answer.
TOKEN_REASONS = frozenset(
    {
        "issuer_mismatch",
        "malformed_id_token",
        "unsupported_algorithm",
        "invalid_jwks",
        "unknown_signing_key",
        "expired_id_token",
        "wrong_audience",
        "wrong_issuer",
        "bad_signature",
        "invalid_id_token",
        "nonce_mismatch",
        "no_id_token",
        "userinfo_failed",
        "userinfo_mismatch",
    }
)
UNVERIFIED_ANSWER = _("The identity provider's answer could not be verified. Please try again.")
SSO_WARNING = "requested by the single sign-on group mapping: needs an owner's approval"


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def email_verified(claims: dict[str, Any]) -> bool:
    """The IdP vouches for the address: ``email_verified`` (OIDC), or Entra ID's
    ``xms_edov`` (the e-mail domain's owner is verified), which Entra sends instead."""
    return _truthy(claims.get("email_verified")) or _truthy(claims.get("xms_edov"))


def claims_of(sociallogin: Any) -> dict[str, Any]:
    """The verified ID token's claims, completed by userinfo (same ``sub``, checked)."""
    data = sociallogin.account.extra_data or {}
    merged: dict[str, Any] = dict(data.get("id_token") or {})
    for key, value in (data.get("userinfo") or {}).items():
        merged.setdefault(key, value)
    return merged


def refusal(
    request: HttpRequest, reason: str, *, provider_id: str = "", user: User | None = None
) -> HttpResponse:
    """Audit a refused single sign-on and answer with a 403 page (no detail beyond the reason)."""
    tenant: Tenant | None = getattr(request, "tenant", None)
    if tenant is not None:
        audit_record(
            tenant=tenant,
            actor=None,
            action="sso.login_refused",
            object_type="accounts.user" if user is not None else "sso.identityprovider",
            object_id=user.pk if user is not None else provider_id,
            changed_fields=[f"reason:{reason}"],
        )
    html = render_to_string(
        "sso/refused.html",
        {"tenant": tenant, "reason": reason, "message": REASONS.get(reason, UNVERIFIED_ANSWER)},
        request=request,
    )
    return HttpResponse(html, status=403)


def reason_for(error: Any, exception: BaseException | None) -> str:
    """A short, stable reason for an authentication error (never the IdP's free text)."""
    from allauth.socialaccount.providers.oauth2.client import OAuth2Error
    from requests import RequestException

    if isinstance(exception, OAuth2Error) and str(exception) in TOKEN_REASONS:
        return str(exception)
    if isinstance(exception, OAuth2Error):
        return "token_request_failed"
    if isinstance(exception, RequestException):
        return "idp_unreachable"
    if exception is not None:
        return "idp_error"
    if str(error) == "cancelled":
        return "cancelled"
    return "invalid_state_or_idp_error"


def refuse(request: HttpRequest, reason: str, **kwargs: Any) -> None:
    raise ImmediateHttpResponse(refusal(request, reason, **kwargs))


def provider_for(tenant: Tenant, provider_id: str) -> IdentityProvider | None:
    for provider in IdentityProvider.unscoped.filter(tenant=tenant, enabled=True):
        if provider.provider_id == provider_id:
            return provider
    return None


def grant_mapped_roles(*, user: User, roles: list[str]) -> list[str]:
    """Grant the mapped roles the person neither holds nor awaits, by the system.

    Everyday roles are active at once. Administrative roles are only *requested*: a pending
    grant that an owner must approve (four-eyes) — single sign-on never makes an administrator
    by itself, not even in a tenant with a single owner.
    """
    now = timezone.now()
    live = Q(state=RoleGrant.State.ACTIVE) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    held = set(
        RoleGrant.unscoped.filter(
            Q(state=RoleGrant.State.PENDING) | live, tenant_id=user.tenant_id, user_id=user.pk
        ).values_list("role", flat=True)
    )
    granted = []
    for role in roles:
        if role in held or role not in ROLES:
            continue
        admin = role in ADMIN_ROLES
        grant = RoleGrant.unscoped.create(
            tenant_id=user.tenant_id,
            user=user,
            role=role,
            state=RoleGrant.State.PENDING if admin else RoleGrant.State.ACTIVE,
            activated_at=None if admin else now,
            warning=SSO_WARNING if admin else "",
        )
        audit_record(
            tenant=user.tenant,
            actor=None,
            action="role.grant",
            obj=grant,
            changed_fields=["user", "role", "state"] + ([] if admin else ["activated_at"]),
        )
        granted.append(role)
    forget_roles(user)
    return granted


def admit(request: HttpRequest, sociallogin: Any) -> User:
    """Decide who this single sign-on is, or raise ``ImmediateHttpResponse`` (refused)."""
    tenant: Tenant | None = getattr(request, "tenant", None)
    provider_id = sociallogin.account.provider
    if tenant is None:
        refuse(request, "provider_unknown", provider_id=provider_id)
    assert tenant is not None
    provider = provider_for(tenant, provider_id)
    if provider is None:
        refuse(request, "provider_unknown", provider_id=provider_id)
    assert provider is not None
    if sociallogin.state.get("process", "login") != "login":
        # allauth's "connect" (link to the signed-in account) and "redirect" processes: SSO
        # here only signs in; links are made by the rules below, never by the session.
        refuse(request, "unsupported_process", provider_id=provider_id)
    claims = claims_of(sociallogin)
    email = str(claims.get("email") or "").strip().lower()
    if "@" not in email:
        refuse(request, "no_email", provider_id=provider_id)
    if email.rpartition("@")[2] not in provider.allowed_domains:
        refuse(request, "domain_not_allowed", provider_id=provider_id)

    how: str
    user: User | None
    if sociallogin.is_existing:  # linked before: (provider id, subject) names the account
        user = sociallogin.user
        assert user is not None
        if user.tenant_id != tenant.pk:  # cannot happen: provider ids carry the tenant
            refuse(request, "wrong_tenant", provider_id=provider_id)
        how = "linked"
    else:
        user = User.unscoped.filter(tenant=tenant, email__iexact=email).first()
        how = "link_created" if user is not None else "jit_created"
        if user is not None and not email_verified(claims):
            refuse(request, "email_not_verified", user=user)
        if user is None and not provider.jit_create:
            refuse(request, "no_account", provider_id=provider_id)
    if user is not None and not user.is_active:
        refuse(request, "inactive", user=user)

    groups = claims.get(provider.group_claim)
    with transaction.atomic():
        if user is None:
            name = str(claims.get("name") or "")[:200]
            user = user_create(tenant=tenant, email=email, full_name=name, actor=None)
        if how != "linked":
            # allauth's own e-mail matching is off (authenticate_by_email); link explicitly,
            # and keep any password: the address is the tenant's and verified by its IdP.
            sociallogin._did_authenticate_by_email = None
            sociallogin.connect(request, user)
        granted = grant_mapped_roles(user=user, roles=provider.mapped_roles(groups))
        audit_record(
            tenant=tenant,
            actor=None,
            action="sso.login",
            obj=user,
            changed_fields=[how, f"provider:{provider.slug}"] + [f"role:{r}" for r in granted],
        )
    return user
