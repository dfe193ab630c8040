"""django-allauth, bound to the tenant of the request.

allauth looks people up by e-mail across all users; here an e-mail identifies nobody
without its tenant. Every hook that authenticates or finds accounts is narrowed to
``request.tenant`` (set by ``TenantPathMiddleware``), and sign-up is closed: people join
by invitation or single sign-on. The forms allauth uses on our paths are replaced by the
tenant-scoped ones in ``deskwerk.accounts.forms`` (decision 0019 lists every global lookup).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from deskwerk.accounts.models import User

# allauth's mail templates and the notices (deskwerk.notify) that stand in for them. Anything
# else allauth would send is refused: every mail goes through the notice log and its templates.
NOTICES = {
    "account/email/password_reset_key": "password_reset",
}


def request_tenant(request: HttpRequest | None) -> Any:
    """The tenant of the request, or ``None`` outside ``/t/<slug>/``."""
    return getattr(request, "tenant", None)


def mail_language(request: HttpRequest | None, tenant: Any) -> str:
    """The language of a mail someone asked for at their browser: the page's language."""
    from deskwerk.accounts.invitations import LANGUAGES, tenant_language

    language = getattr(request, "LANGUAGE_CODE", "") or ""
    return language if language in LANGUAGES else tenant_language(tenant)


class TenantAccountAdapter(DefaultAccountAdapter):
    """Authentication and lookups within the tenant of the URL only."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def authenticate(self, request: HttpRequest, **credentials: Any) -> AbstractBaseUser | None:
        tenant = request_tenant(request)
        if tenant is None:
            return None
        return super().authenticate(request, tenant=tenant, **credentials)

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # allauth keys by site and e-mail: the same address in two tenants would share a count.
        tenant = request_tenant(request)
        login = str(credentials.get("email", "")).lower()
        return f"tenant:{tenant.pk if tenant is not None else '-'}:{login}"

    def clean_password(self, password: str, user: AbstractBaseUser | None = None) -> str:
        """The tenant's password policy (``accounts.passwords``), also before an account exists."""
        from deskwerk.accounts.passwords import policy_problems

        tenant = getattr(user, "tenant", None) or request_tenant(self.request)
        problems = policy_problems(
            password, tenant=tenant, user=user if isinstance(user, User) else None
        )
        if problems:
            raise ValidationError([ValidationError(msg, code=code) for code, msg in problems])
        return password

    def set_password(self, user: AbstractBaseUser, password: str) -> None:
        """Any password allauth sets goes through our service: stamped, sessions ended, audited."""
        from deskwerk.accounts.passwords import password_set

        assert isinstance(user, User)
        password_set(actor=None, person=user, new=password)

    def add_message(self, *args: Any, **kwargs: Any) -> None:
        """No flash messages: our pages state their outcome themselves (and messages would
        pile up in the session of pages that do not show them)."""

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return reverse("web:home")

    def get_logout_redirect_url(self, request: HttpRequest) -> str:
        return reverse("web:login")

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """A sign-in or re-authentication within the window counts as recent, for allauth's
        pages as for the API (decision 0020; also lets people who sign in only by single
        sign-on set up a second factor right after signing in)."""
        from deskwerk.accounts.mfa import recently_authenticated

        request = getattr(allauth_context, "request", None)
        if request is not None and recently_authenticated(request):
            return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def send_password_reset_mail(
        self, user: AbstractBaseUser, email: str, context: dict[str, Any]
    ) -> None:
        # The forms only ever hand over accounts of the request's tenant; check regardless.
        tenant = request_tenant(self.request)
        if tenant is None or getattr(user, "tenant_id", None) != tenant.pk:
            return
        super().send_password_reset_mail(user, email, context)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Through ``deskwerk.notify``: logged, kept in the outbox, German or English."""
        from deskwerk.notify.services import send_mail_message

        template = NOTICES.get(template_prefix)
        request = context.get("request") or allauth_context.request
        tenant = request_tenant(request)
        if template is None:
            raise ValueError(f"Deskwerk has no notice for allauth's mail {template_prefix!r}")
        if tenant is None:
            raise ValueError("allauth mail outside a tenant: there is no one to send it for")
        user = context.get("user")
        expires_at = timezone.now() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
        send_mail_message(
            tenant=tenant,
            to=[user if isinstance(user, User) else email],
            template=template,
            context={
                "name": getattr(user, "full_name", ""),
                "link": context.get("password_reset_url", ""),
                "expires_at": expires_at,
            },
            language=mail_language(request, tenant),
        )


class TenantSocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on only through the tenant's own identity providers (``deskwerk.sso``).

    allauth's apps come from the enabled ``IdentityProvider`` rows of ``request.tenant`` as
    unsaved ``SocialApp`` objects — never from the ``SocialApp`` table or settings — so another
    tenant's provider id is simply unknown here (404). allauth's sign-up is closed: accounts
    appear just in time in ``deskwerk.sso.login.admit`` if the tenant's provider allows it.
    """

    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        return False

    def list_apps(
        self, request: HttpRequest | None, provider: Any = None, client_id: Any = None
    ) -> list[Any]:
        from allauth.core import context

        from deskwerk.sso.models import IdentityProvider
        from deskwerk.sso.oidc import social_app

        tenant = request_tenant(request if request is not None else context.request)
        if tenant is None:
            return []
        rows = IdentityProvider.unscoped.filter(
            tenant=tenant, enabled=True, protocol=IdentityProvider.Protocol.OIDC
        ).order_by("slug")
        apps = [social_app(row) for row in rows]
        if provider:
            apps = [a for a in apps if provider in (a.provider, a.provider_id)]
        if client_id:
            apps = [a for a in apps if a.client_id == client_id]
        return apps

    def get_provider(self, request: HttpRequest, provider: Any, client_id: Any = None) -> Any:
        """Our OIDC provider class (nonce, verified signatures) for the tenant's app."""
        from deskwerk.sso.oidc import TenantOIDCProvider

        app = self.get_app(request, provider=provider, client_id=client_id)
        return TenantOIDCProvider(request, app=app)

    def authenticate_by_email(self, sociallogin: Any) -> tuple[Any, str] | None:
        """Off: allauth's version finds accounts by e-mail across all tenants. Matching by
        e-mail (tenant-scoped, verified addresses only) happens in ``deskwerk.sso.login``."""
        return None

    def pre_social_login(self, request: HttpRequest, sociallogin: Any) -> None:
        """The tenant's rules (domains, linking, just-in-time accounts, roles); refusals are
        audited and answered with a 403 page."""
        from deskwerk.sso.login import admit

        admit(request, sociallogin)

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Any = None,
        extra_context: Any = None,
    ) -> None:
        """Bad state, an error from the IdP, an ID token that fails verification: audited."""
        from allauth.core.exceptions import ImmediateHttpResponse

        from deskwerk.sso.login import reason_for, refusal

        provider_id = getattr(getattr(provider, "app", None), "provider_id", "")
        raise ImmediateHttpResponse(
            refusal(request, reason_for(error, exception), provider_id=provider_id)
        )
