"""Invitations over the API: list, create, revoke (``people.manage``; tokens: ``privacy:admin``,
the scope that already guards people administration).

The link's secret is in the e-mail only, never in an answer: an administrator cannot sign in
as the person they invited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from deskwerk.accounts.invitations import invitation_create, invitation_revoke
from deskwerk.accounts.models import Invitation
from deskwerk.api.auth import require_scope
from deskwerk.api.schemas import ERRORS, Page, StrictIn
from deskwerk.core.errors import NotFound

router = Router(tags=["people"])
SCOPE = "privacy:admin"
PERMISSION = "people.manage"
LIST_MAX = 500


class InvitationOut(Schema):
    id: int
    email: str
    full_name: str
    role: str
    language: str
    state: Literal["pending", "accepted", "expired", "revoked"]
    created_at: dt.datetime
    expires_at: dt.datetime
    invited_by_id: int | None
    accepted_at: dt.datetime | None
    account_id: int | None
    revoked_at: dt.datetime | None


class InvitationIn(StrictIn):
    email: str = Field(..., max_length=254)
    full_name: str = Field("", max_length=200)
    role: Literal["member", "admin"] = "member"
    language: Literal["de", "en"] | None = None


def _out(invitation: Invitation) -> dict[str, Any]:
    return {
        "id": invitation.pk,
        "email": invitation.email,
        "full_name": invitation.full_name,
        "role": invitation.role,
        "language": invitation.language,
        "state": invitation.state,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
        "invited_by_id": invitation.invited_by_id,
        "accepted_at": invitation.accepted_at,
        "account_id": invitation.account_id,
        "revoked_at": invitation.revoked_at,
    }


@router.get(
    "/people/invitations",
    response={200: Page[InvitationOut], **ERRORS},
    operation_id="invitation_list",
    summary="The tenant's invitations, newest first (never their links)",
)
def invitation_list(request: HttpRequest) -> Any:
    require_scope(request, SCOPE, PERMISSION)
    rows = Invitation.objects.order_by("-created_at", "-pk")[:LIST_MAX]
    return {"items": [_out(i) for i in rows]}


@router.post(
    "/people/invitations",
    response={201: InvitationOut, **ERRORS},
    operation_id="invitation_create",
    summary="Invite someone by e-mail (a link valid once, for seven days)",
)
def invitation_create_api(request: HttpRequest, payload: InvitationIn) -> Any:
    user = require_scope(request, SCOPE, PERMISSION)
    invitation, _ = invitation_create(
        actor=user,
        email=payload.email,
        full_name=payload.full_name,
        role=payload.role,
        language=payload.language,
        site_url=request.build_absolute_uri("/"),
    )
    return Status(201, _out(invitation))


@router.post(
    "/people/invitations/{invitation_id}/revoke",
    response={200: InvitationOut, **ERRORS},
    operation_id="invitation_revoke",
    summary="Withdraw a pending invitation; its link stops working",
)
def invitation_revoke_api(request: HttpRequest, invitation_id: int) -> Any:
    user = require_scope(request, SCOPE, PERMISSION)
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    if invitation is None:
        raise NotFound("invitation not found")
    return _out(invitation_revoke(actor=user, invitation=invitation))
