"""Identity providers over the API (owners: ``tenant.settings``).

The client secret is accepted on create and update and never returned: answers say only
whether one is set. Tokens need ``roles:admin``, because a provider's group mapping hands
out roles.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from deskwerk.api.auth import require_scope
from deskwerk.api.schemas import ERRORS, Page, StrictIn
from deskwerk.sso import services
from deskwerk.sso.models import IdentityProvider
from deskwerk.sso.services import PERMISSION, ProviderInput
from deskwerk.tenancy.urls import tenant_reverse

router = Router(tags=["sso"])
SCOPE = "roles:admin"


class ProviderOut(Schema):
    id: int
    slug: str
    protocol: str
    name: str
    issuer: str
    client_id: str
    has_client_secret: bool  # the secret itself is never returned
    allowed_domains: list[str]
    jit_create: bool
    default_role: str
    group_claim: str
    role_map: dict[str, list[str]]
    enabled: bool
    login_url: str  # where the sign-in button points
    redirect_uri: str  # register this at the identity provider
    created_at: dt.datetime
    updated_at: dt.datetime


class ProviderPatch(StrictIn):
    name: str | None = Field(None, max_length=100)
    issuer: str | None = Field(None, max_length=500)
    client_id: str | None = Field(None, max_length=255)
    client_secret: str | None = Field(None, max_length=1000)  # write-only
    allowed_domains: list[str] | None = Field(None, max_length=50)
    jit_create: bool | None = None
    default_role: str | None = Field(None, max_length=30)
    group_claim: str | None = Field(None, max_length=100)
    role_map: dict[str, list[str]] | None = None
    enabled: bool | None = None


class ProviderIn(ProviderPatch):
    slug: str = Field(..., max_length=40)
    name: str = Field(..., max_length=100)
    issuer: str = Field(..., max_length=500)
    client_id: str = Field(..., max_length=255)
    client_secret: str = Field(..., max_length=1000)
    allowed_domains: list[str] = Field(..., max_length=50)


def _out(provider: IdentityProvider, request: HttpRequest) -> dict[str, Any]:
    login = tenant_reverse(
        provider.tenant, "openid_connect_login", provider_id=provider.provider_id
    )
    callback = tenant_reverse(
        provider.tenant, "openid_connect_callback", provider_id=provider.provider_id
    )
    return {
        "id": provider.pk,
        "slug": provider.slug,
        "protocol": provider.protocol,
        "name": provider.name,
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "has_client_secret": provider.has_secret,
        "allowed_domains": provider.allowed_domains,
        "jit_create": provider.jit_create,
        "default_role": provider.default_role,
        "group_claim": provider.group_claim,
        "role_map": provider.role_map,
        "enabled": provider.enabled,
        "login_url": request.build_absolute_uri(login),
        "redirect_uri": request.build_absolute_uri(callback),
        "created_at": provider.created_at,
        "updated_at": provider.updated_at,
    }


def _input(payload: ProviderPatch) -> ProviderInput:
    return ProviderInput(**payload.model_dump(exclude_unset=True))


@router.get(
    "/sso/providers",
    response={200: Page[ProviderOut], **ERRORS},
    operation_id="sso_provider_list",
    summary="The tenant's single sign-on identity providers (never their secrets)",
)
def sso_provider_list(request: HttpRequest) -> Any:
    user = require_scope(request, SCOPE, PERMISSION)
    return {"items": [_out(p, request) for p in services.providers_of_tenant(actor=user)]}


@router.post(
    "/sso/providers",
    response={201: ProviderOut, **ERRORS},
    operation_id="sso_provider_create",
    summary="Add an OpenID Connect identity provider",
)
def sso_provider_create(request: HttpRequest, payload: ProviderIn) -> Any:
    user = require_scope(request, SCOPE, PERMISSION)
    provider = services.provider_create(actor=user, data=_input(payload))
    return Status(201, _out(provider, request))


@router.get(
    "/sso/providers/{provider_id}",
    response={200: ProviderOut, **ERRORS},
    operation_id="sso_provider_get",
    summary="One identity provider",
)
def sso_provider_get(request: HttpRequest, provider_id: int) -> Any:
    require_scope(request, SCOPE, PERMISSION)
    return _out(services.provider_get(provider_id), request)


@router.patch(
    "/sso/providers/{provider_id}",
    response={200: ProviderOut, **ERRORS},
    operation_id="sso_provider_update",
    summary="Change an identity provider; a client_secret given replaces the stored one",
)
def sso_provider_update(request: HttpRequest, provider_id: int, payload: ProviderPatch) -> Any:
    user = require_scope(request, SCOPE, PERMISSION)
    provider = services.provider_get(provider_id)
    updated = services.provider_update(actor=user, provider=provider, data=_input(payload))
    return _out(updated, request)


@router.delete(
    "/sso/providers/{provider_id}",
    response={204: None, **ERRORS},
    operation_id="sso_provider_delete",
    summary="Remove an identity provider; its people keep their accounts",
)
def sso_provider_delete(request: HttpRequest, provider_id: int) -> Any:
    user = require_scope(request, SCOPE, PERMISSION)
    services.provider_delete(actor=user, provider=services.provider_get(provider_id))
    return Status(204, None)
