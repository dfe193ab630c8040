"""Writes the audit row of every API request made under a support grant (decision 0024)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)


class SupportAuditMiddleware:
    """Place right after the tenancy middleware, outside the API's own: the row names the
    status the caller finally gets. ``deskwerk.support.access`` marks the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "support_grant", None) is not None:
            from deskwerk.support.access import support_request_audit

            support_request_audit(request, response.status_code)
        return response
