"""Lets the session store see the request it serves (device and truncated IP of a session)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from deskwerk.websessions.store import SessionStore


class ClientInfoMiddleware:
    """Place right after Django's SessionMiddleware. Costs nothing per request: the device and
    IP are worked out only when a session row is written (sign-in, at most once a minute)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if isinstance(session, SessionStore):
            session.request_meta = request.META  # no reference cycle
        return self.get_response(request)
