"""A sign-in that waits for its next step (e.g. the second factor) belongs to one tenant.

allauth keeps the pending login in the session, and the session cookie is the same under every
``/t/<slug>/``. Its account is looked up in the tenant of the URL, so under another tenant it
finds nobody — and allauth's stage pages do not expect that (a 500, never access). This
middleware drops a pending login the moment it is carried into a tenant it does not belong to.
"""

from __future__ import annotations

from collections.abc import Callable

from allauth.account.internal.stagekit import LOGIN_SESSION_KEY, clear_login
from allauth.account.utils import url_str_to_user_pk
from django.http import HttpRequest, HttpResponse

from deskwerk.accounts.models import User


def _belongs(data: object, tenant: object) -> bool:
    if not isinstance(data, dict) or data.get("user_pk") is None:
        return False
    try:
        pk = url_str_to_user_pk(data["user_pk"])
    except (TypeError, ValueError):
        return False
    return bool(User.unscoped.filter(pk=pk, tenant=tenant).exists())


class PendingLoginTenantMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        session = getattr(request, "session", None)
        if (
            tenant is not None
            and session is not None
            and LOGIN_SESSION_KEY in session
            and not _belongs(session.get(LOGIN_SESSION_KEY), tenant)
        ):
            clear_login(request)
        return self.get_response(request)
