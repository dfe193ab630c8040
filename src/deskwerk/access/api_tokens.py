"""API tokens over the API: people manage their own; ``tokens.manage`` the tenant's service tokens.

The secret is in the 201 answer of a create, once; lists never show it or its hash. A token
can only mint tokens within its own scopes, so a narrow token cannot widen itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from deskwerk.access.models import ApiToken
from deskwerk.access.services import (
    ADMIN_SCOPES,
    DEFAULT_SCOPES,
    SCOPES,
    SERVICE_DEFAULT_SCOPES,
    SERVICE_SCOPE_PERMISSIONS,
    may_hold_scope,
    service_token_create,
    service_tokens,
    token_create,
    token_revoke,
    tokens_of_person,
)
from deskwerk.api.auth import actor, require_scope
from deskwerk.api.schemas import ERRORS, ApiDateTime, Page, StrictIn
from deskwerk.core.errors import Forbidden

router = Router(tags=["tokens"])
SCOPE = "tokens:admin"


class TokenOut(Schema):
    id: int
    kind: str
    name: str
    prefix: str  # the first characters of the secret, to recognise it
    scopes: list[str]
    created_at: dt.datetime
    created_by_id: int | None
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None  # updated at most once a minute
    revoked_at: dt.datetime | None


class IssuedOut(TokenOut):
    secret: str  # shown in this answer only; only its hash is stored


class TokenIn(StrictIn):
    name: str = Field(max_length=100)
    scopes: list[str] | None = Field(None, max_length=20)  # None: the defaults
    expires_at: ApiDateTime | None = None


def _out(token: ApiToken, secret: str | None = None) -> dict[str, Any]:
    data = {
        "id": token.pk,
        "kind": token.kind,
        "name": token.name,
        "prefix": token.prefix,
        "scopes": token.scopes,
        "created_at": token.created_at,
        "created_by_id": token.created_by_id,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }
    if secret is not None:
        data["secret"] = secret
    return data


def _within_caller_token(
    request: HttpRequest, scopes: list[str] | None, defaults: list[str], grantable: set[str]
) -> None:
    """A token may mint tokens only with scopes it has itself (sessions: any their roles allow).

    Scopes outside ``grantable`` are left to the service, which refuses them as
    ``scope_not_allowed``: no token could carry them, so "insufficient scope" would mislead.
    """
    caller: ApiToken | None = getattr(request, "api_token", None)
    if caller is None:
        return
    wanted = set(defaults if scopes is None else scopes) & grantable
    wider = sorted(wanted - set(caller.scopes))
    if wider:
        raise Forbidden(
            f"this token lacks the scopes {', '.join(wider)}", code="insufficient_scope"
        )


@router.get(
    "/tokens",
    response={200: Page[TokenOut], **ERRORS},
    operation_id="token_list",
    summary="The caller's own personal tokens (never their secrets)",
)
def token_list(request: HttpRequest) -> Any:
    return {"items": [_out(t) for t in tokens_of_person(actor=actor(request))]}


@router.post(
    "/tokens",
    response={201: IssuedOut, **ERRORS},
    operation_id="token_create",
    summary="Create a personal token; the secret is in this answer only",
)
def token_create_api(request: HttpRequest, payload: TokenIn) -> Any:
    user = actor(request)
    grantable = {s for s in SCOPES if s not in ADMIN_SCOPES or may_hold_scope(user, s)}
    _within_caller_token(request, payload.scopes, DEFAULT_SCOPES, grantable)
    issued = token_create(
        user=user, name=payload.name, scopes=payload.scopes, expires_at=payload.expires_at
    )
    return Status(201, _out(issued.token, issued.secret))


@router.post(
    "/tokens/{token_id}/revoke",
    response={200: TokenOut, **ERRORS},
    operation_id="token_revoke",
    summary="Revoke a personal token (one's own; anyone's with tokens.manage)",
)
def token_revoke_api(request: HttpRequest, token_id: int) -> Any:
    return _out(token_revoke(actor=actor(request), token_id=token_id))


@router.get(
    "/service-tokens",
    response={200: Page[TokenOut], **ERRORS},
    operation_id="service_token_list",
    summary="The tenant's service tokens (tokens.manage)",
)
def service_token_list(request: HttpRequest) -> Any:
    user = require_scope(request, SCOPE)
    return {"items": [_out(t) for t in service_tokens(actor=user)]}


@router.post(
    "/service-tokens",
    response={201: IssuedOut, **ERRORS},
    operation_id="service_token_create",
    summary="Create a tenant service token; the secret is in this answer only",
)
def service_token_create_api(request: HttpRequest, payload: TokenIn) -> Any:
    user = require_scope(request, SCOPE)
    _within_caller_token(
        request, payload.scopes, SERVICE_DEFAULT_SCOPES, set(SERVICE_SCOPE_PERMISSIONS)
    )
    issued = service_token_create(
        actor=user, name=payload.name, scopes=payload.scopes, expires_at=payload.expires_at
    )
    return Status(201, _out(issued.token, issued.secret))


@router.post(
    "/service-tokens/{token_id}/revoke",
    response={200: TokenOut, **ERRORS},
    operation_id="service_token_revoke",
    summary="Revoke a tenant service token (tokens.manage)",
)
def service_token_revoke_api(request: HttpRequest, token_id: int) -> Any:
    user = require_scope(request, SCOPE)
    return _out(token_revoke(actor=user, token_id=token_id, service=True))
