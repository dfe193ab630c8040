"""Records each authenticated request as one usage row, after the response is made."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from deskwerk.usage.services import usage_record


class UsageMiddleware:
    """Place after AuthenticationMiddleware. API token callers are known once the view has
    run (the token sets ``request.user``), so the row is written on the way out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        usage_record(request, response)
        return response
