"""The edge of the API: refuse oversized bodies before anything reads them, and keep
answers that the framework makes itself (405) in the problem+json format."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from deskwerk.api.errors import problem
from deskwerk.profiles.photos import MAX_PHOTO_BYTES
from deskwerk.spaces.plans import MAX_PLAN_BYTES

_PLAN_UPLOAD = re.compile(r"^/api/v1/floors/\d+/plan$")
_PHOTO_UPLOAD = "/api/v1/me/profile/photo"
MULTIPART_OVERHEAD = 16 * 1024  # boundaries and part headers around the photo


class ApiBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return problem(400, "bad_content_length", "Bad Content-Length")
            limit = settings.API_MAX_BODY_BYTES
            if request.method == "PUT" and _PLAN_UPLOAD.match(request.path):
                limit = MAX_PLAN_BYTES
            elif request.method == "PUT" and request.path == _PHOTO_UPLOAD:
                limit = MAX_PHOTO_BYTES + MULTIPART_OVERHEAD
            if length > limit:
                return problem(
                    413,
                    "payload_too_large",
                    "Payload too large",
                    f"bodies are limited to {limit} bytes",
                )
        response = self.get_response(request)
        if response.status_code == 405 and request.path.startswith("/api/"):
            # ninja answers an unsupported method in plain text; keep the one error format.
            allowed = response.get("Allow", "")
            response = problem(
                405, "method_not_allowed", "Method not allowed", f"allowed: {allowed}"
            )
            if allowed:
                response["Allow"] = allowed
        return response
