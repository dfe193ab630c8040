"""Refuse oversized API bodies before anything reads them."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from deskwerk.api.errors import problem


class ApiBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return problem(400, "bad_content_length", "Bad Content-Length")
            if length > settings.API_MAX_BODY_BYTES:
                return problem(
                    413,
                    "payload_too_large",
                    "Payload too large",
                    f"bodies are limited to {settings.API_MAX_BODY_BYTES} bytes",
                )
        return self.get_response(request)
