"""Response headers and the request language for the web app.

Django 5.2 has no built-in Content-Security-Policy, and its ``LocaleMiddleware`` runs before
the user is known; both are small enough to own (docs/frontend.md).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers

from deskwerk.tenancy.context import current_tenant_or_none

# No inline script or style anywhere, no eval, no framing, forms post only to us.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)

# For self-contained HTML documents (records of processing, reports) that carry their styles
# inline and run no script: nothing may load, nothing may run.
STANDALONE_DOCUMENT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; "
    "form-action 'none'; base-uri 'none'"
)


class ContentSecurityPolicyMiddleware:
    """Put our policy on every HTML response that does not bring its own.

    Responses that set a policy themselves (the sandboxed floor-plan SVG) keep theirs.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if content_type.startswith("text/html") and "Content-Security-Policy" not in response:
            policy = CONTENT_SECURITY_POLICY
            # Single sign-on buttons post to us and are redirected on to the tenant's identity
            # providers: a page showing them allows those origins (deskwerk.sso).
            extra = getattr(request, "csp_form_action", ())
            if extra:
                policy = policy.replace(
                    "form-action 'self'", "form-action 'self' " + " ".join(extra)
                )
            response["Content-Security-Policy"] = policy
        return response


def supported_language(code: str | None) -> str | None:
    """``code`` if it is one of our languages (``de-AT`` counts as ``de``), else None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def request_language(request: HttpRequest) -> str:
    """The language of this request: the person's profile, else their choice in the language
    cookie, else the browser's Accept-Language, else ``LANGUAGE_CODE`` (English: what a client
    that states no preference — a script, a bot, the test client — gets)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        chosen = supported_language(getattr(user, "language", "") or None)
        if chosen:
            return chosen
    # Cookie, then Accept-Language, then LANGUAGE_CODE.
    return translation.get_language_from_request(request) or settings.LANGUAGE_CODE


class LanguageMiddleware:
    """Activate the request's language for templates, messages and errors.

    Placed after authentication (and after the tenant check that makes a person of another
    tenant anonymous), so the profile's language wins over the browser's.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = request_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        # Pages show times in the tenant's time zone (booking pages narrow it to the
        # location's); the API answers with explicit offsets and is left alone.
        tenant = current_tenant_or_none()
        if tenant is not None and not request.path.startswith("/api/"):
            timezone.activate(tenant.default_timezone)
        try:
            response = self.get_response(request)
        finally:
            translation.activate(settings.LANGUAGE_CODE)
            timezone.deactivate()
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", language)
        return response
