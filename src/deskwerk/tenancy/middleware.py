"""Binding the tenant (and request facts) for exactly one request."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from deskwerk.core.request_context import RequestInfo, reset_request, set_request, truncate_ip
from deskwerk.tenancy.context import bind_tenant, unbind_tenant
from deskwerk.tenancy.models import Tenant

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class TenantContextMiddleware:
    """Outermost: start every request with no tenant bound and unbind whatever was bound."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request_token = set_request(
            RequestInfo(request_id=request_id, ip=truncate_ip(request.META.get("REMOTE_ADDR")))
        )
        tenant_token = bind_tenant(None)
        try:
            response = self.get_response(request)
        finally:
            unbind_tenant(tenant_token)
            reset_request(request_token)
        response["X-Request-ID"] = request_id
        return response


class TenantAccessMiddleware:
    """For web views under ``/t/<tenant_slug>/``: resolve an active tenant and bind it.

    A signed-in person of another tenant is treated as anonymous here; a suspended or
    terminated tenant is not found.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> None:
        slug = view_kwargs.get("tenant_slug")
        if slug is None:
            return
        tenant = Tenant.objects.filter(slug=slug, status=Tenant.Status.ACTIVE).first()
        if tenant is None:
            raise Http404("tenant not found")
        request.tenant = tenant  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.tenant_id != tenant.pk:
            from django.contrib.auth.models import AnonymousUser

            request.user = AnonymousUser()
        bind_tenant(tenant)
