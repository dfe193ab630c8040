"""One error format for the whole API: RFC 9457 problem documents with a stable ``code``."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from deskwerk.core.errors import DomainError

logger = logging.getLogger(__name__)

PROBLEM_TYPE_BASE = "https://deskwerk.example/problems/"
CONTENT_TYPE = "application/problem+json"


def problem(status: int, code: str, title: str, detail: str = "", **extra: Any) -> JsonResponse:
    """Build a problem response. ``code`` is the stable, documented machine-readable key."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JsonResponse(body, status=status, content_type=CONTENT_TYPE)


def _validation_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic errors without the echoed input, which may hold personal data."""
    return [
        {
            "loc": [str(p) for p in e.get("loc", ())],
            "msg": e.get("msg", ""),
            "type": e.get("type", ""),
        }
        for e in errors
    ]


def install(api: NinjaAPI) -> None:
    """Register the handlers; every error the API can raise ends up as problem+json."""

    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return problem(exc.status, exc.code, exc.title, exc.detail, **exc.extra)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return problem(
            422,
            "validation_error",
            "Invalid input",
            "the request does not match the schema",
            errors=_validation_errors(exc.errors),
        )

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = problem(
            401, "not_authenticated", "Authentication required", "send a bearer token or sign in"
        )
        response["WWW-Authenticate"] = 'Bearer realm="deskwerk"'
        return response

    @api.exception_handler(AuthorizationError)
    def authorization_error(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return problem(403, "permission_denied", "Permission denied", str(exc))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, RequestDataTooBig):
            return problem(413, "payload_too_large", "Payload too large")
        # RecursionError: JSON nested too deep for the parser, still just malformed input.
        if isinstance(exc.__cause__, json.JSONDecodeError | UnicodeDecodeError | RecursionError):
            return problem(400, "malformed_json", "Malformed JSON", "the body is not valid JSON")
        if exc.status_code == 403:
            return problem(403, "csrf_failed", "CSRF check failed", str(exc))
        return problem(exc.status_code, f"http_{exc.status_code}", str(exc))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(404, "not_found", "Not found")

    @api.exception_handler(ObjectDoesNotExist)
    def does_not_exist(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(404, "not_found", "Not found")

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("unhandled API error")
        return problem(500, "server_error", "Server error", "the error was logged")


def not_found_view(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 handler: an unknown path under /api/ is a problem document too."""
    if request.path.startswith("/api/"):
        return problem(404, "not_found", "Not found", "no such API endpoint")
    return page_not_found(request, exception)
