"""The person's signed-in browsers (Annex 1 I.7): see them and end them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from deskwerk.accounts.models import User
from deskwerk.core.errors import NotFound
from deskwerk.web.reauth import confirm_first
from deskwerk.websessions.models import WebSession
from deskwerk.websessions.selectors import sessions_of_person
from deskwerk.websessions.services import person_sessions_end, session_end
from deskwerk.websessions.store import SessionStore


def _again() -> str:
    return _("Please confirm it is you first, then end the sessions again.")


def _current_public_id(request: HttpRequest) -> int | None:
    session = getattr(request, "session", None)
    return session.public_id if isinstance(session, SessionStore) else None


@login_required
@require_http_methods(["GET"])
def sessions_page(request: HttpRequest) -> HttpResponse:
    """Device, truncated IP and last activity of every live session; this one marked."""
    current = _current_public_id(request)
    sessions = [
        {"session": s, "current": s.public_id == current}
        for s in sessions_of_person(request.user)  # type: ignore[arg-type]
    ]
    return render(request, "web/sessions.html", {"sessions": sessions})


@login_required
@require_POST
def session_end_view(request: HttpRequest, public_id: int) -> HttpResponse:
    """End one of one's own sessions; ending the current one signs out."""
    person: User = request.user  # type: ignore[assignment]
    session = WebSession.objects.filter(public_id=public_id, user_id=person.pk).first()
    if session is None:
        raise Http404("session not found")
    if public_id != _current_public_id(request):  # signing out needs no proof; ending others does
        confirm = confirm_first(request, reverse("web:sessions"), _again())
        if confirm is not None:
            return confirm
    try:
        session_end(actor=request.user, session=session)  # type: ignore[arg-type]
    except NotFound as exc:
        raise Http404("session not found") from exc
    if public_id == _current_public_id(request):
        return redirect("web:login")
    messages.success(request, _("The session has ended."))
    return redirect("web:sessions")


@login_required
@require_POST
def sessions_end_others_view(request: HttpRequest) -> HttpResponse:
    """Sign out everywhere else: every session but this one."""
    confirm = confirm_first(request, reverse("web:sessions"), _again())
    if confirm is not None:
        return confirm
    count = person_sessions_end(
        actor=request.user,  # type: ignore[arg-type]
        person=request.user,  # type: ignore[arg-type]
        keep=_current_public_id(request),
    )
    messages.success(request, _("%(count)d other sessions have ended.") % {"count": count})
    return redirect("web:sessions")
