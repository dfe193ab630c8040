"""django-allauth, bound to the tenant of the request.

allauth looks people up by e-mail across all users; here an e-mail identifies nobody
without its tenant. Every hook that authenticates or finds accounts is narrowed to
``request.tenant`` (set by ``TenantPathMiddleware``), and sign-up is closed: people join
by invitation or single sign-on.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest


def request_tenant(request: HttpRequest | None) -> Any:
    """The tenant of the request, or ``None`` outside ``/t/<slug>/``."""
    return getattr(request, "tenant", None)


class TenantAccountAdapter(DefaultAccountAdapter):
    """Authentication and lookups within the tenant of the URL only."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def authenticate(self, request: HttpRequest, **credentials: Any) -> AbstractBaseUser | None:
        tenant = request_tenant(request)
        if tenant is None:
            return None
        return super().authenticate(request, tenant=tenant, **credentials)


class TenantSocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on only through the tenant's own identity provider; no open sign-up."""

    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        return False
