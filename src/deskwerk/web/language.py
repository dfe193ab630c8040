"""The language switch: remembers the choice in a cookie, and on the profile when signed in."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from deskwerk.web.middleware import supported_language


def _safe_next(request: HttpRequest) -> str:
    """Where to go back to: the posted ``next`` if it stays on this site, else the start page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    try:
        return reverse("web:home") if getattr(request, "tenant", None) else "/"
    except NoReverseMatch:
        return "/"


def _store_on_profile(request: HttpRequest, language: str) -> None:
    """Keep the choice on the person, so it follows them to other browsers and into e-mails."""
    user = getattr(request, "user", None)
    if getattr(request, "tenant", None) is None or user is None or not user.is_authenticated:
        return  # outside a tenant's pages nobody is signed in for this purpose: cookie only
    from deskwerk.accounts.services import person_set_language

    person_set_language(actor=user, person=user, language=language)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """POST ``language`` (``de``/``en``) and ``next``: switch and go back. CSRF-protected."""
    response = HttpResponseRedirect(_safe_next(request))
    language = supported_language(request.POST.get("language"))
    if language is None:
        return response
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite="Lax",
    )
    _store_on_profile(request, language)
    return response
