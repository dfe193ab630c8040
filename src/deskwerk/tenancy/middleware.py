"""Binding the tenant (and request facts) for exactly one request."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import get_script_prefix, set_script_prefix

from deskwerk.core.request_context import RequestInfo, reset_request, set_request, truncate_ip
from deskwerk.tenancy.context import bind_tenant, unbind_tenant
from deskwerk.tenancy.models import Tenant
from deskwerk.tenancy.urls import TENANT_PATH, TENANT_URLCONF, base_prefix, tenant_prefix

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


class TenantPathMiddleware:
    """Serve ``/t/<slug>/...`` from the tenant URL map with ``/t/<slug>/`` as script prefix.

    Resolves an active tenant (else 404) before anything else looks at the request and binds
    it. Because the tenant part becomes the script prefix, every ``reverse()`` made while
    handling the request, django-allauth's included, stays inside the same tenant.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        match = TENANT_PATH.match(request.path_info)
        if match is None:
            return self.get_response(request)
        tenant = Tenant.objects.filter(slug=match["slug"], status__in=Tenant.LIVE_STATUSES).first()
        if tenant is None:
            raise Http404("tenant not found")
        request.tenant = tenant  # type: ignore[attr-defined]
        request.path_info = match["rest"]
        request.urlconf = TENANT_URLCONF  # type: ignore[attr-defined]
        previous = get_script_prefix()
        set_script_prefix(base_prefix().rstrip("/") + tenant_prefix(tenant))
        bind_tenant(tenant)
        try:
            return self.get_response(request)
        finally:
            set_script_prefix(previous)


class TenantAccessMiddleware:
    """After authentication: a signed-in person of another tenant is anonymous here."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        user = getattr(request, "user", None)
        if (
            tenant is not None
            and user is not None
            and user.is_authenticated
            and user.tenant_id != tenant.pk
        ):
            request.user = AnonymousUser()
        return self.get_response(request)
