"""Roles over the API: grants with four-eyes approval, and the role report.

Owners (``roles.grant``) grant, approve, reject and revoke; auditors read the report; everyone
reads their own grants. Tokens need ``roles:admin`` for anything beyond their own grants.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from deskwerk.access.models import RoleGrant
from deskwerk.access.roles import (
    grant_get,
    has_permission,
    person_grants,
    role_approve,
    role_grant,
    role_reject,
    role_report,
    role_revoke,
)
from deskwerk.accounts.mfa import require_recent_authentication
from deskwerk.accounts.models import User
from deskwerk.api.auth import actor, require_scope
from deskwerk.api.schemas import ERRORS, Page
from deskwerk.core.errors import NotFound

router = Router(tags=["roles"])
SCOPE = "roles:admin"


class GrantOut(Schema):
    id: int
    person_id: int
    person_name: str | None
    role: str
    state: str
    created_at: dt.datetime
    activated_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    granted_by_id: int | None  # None: granted by the system
    approved_by_id: int | None
    revoked_by_id: int | None
    warning: str


class GrantIn(Schema):
    role: str = Field(max_length=30)
    expires_at: dt.datetime | None = None


class ReportOut(Schema):
    grants: list[GrantOut]
    admins: int  # people holding an administrative role now
    max_admins: int
    warnings: list[str]


def _out(grant: RoleGrant, names: dict[int, str] | None = None) -> dict[str, Any]:
    return {
        "id": grant.pk,
        "person_id": grant.user_id,
        "person_name": (names or {}).get(grant.user_id),
        "role": grant.role,
        "state": grant.state,
        "created_at": grant.created_at,
        "activated_at": grant.activated_at,
        "expires_at": grant.expires_at,
        "revoked_at": grant.revoked_at,
        "granted_by_id": grant.granted_by_id,
        "approved_by_id": grant.approved_by_id,
        "revoked_by_id": grant.revoked_by_id,
        "warning": grant.warning,
    }


def _reader_permission(user: User) -> str:
    return "roles.grant" if has_permission(user, "roles.grant") else "audit.read"


def _person(person_id: int) -> User:
    person = User.objects.filter(pk=person_id).first()
    if person is None:
        raise NotFound("person not found")
    return person


@router.get(
    "/people/{person_id}/roles",
    response={200: Page[GrantOut], **ERRORS},
    operation_id="person_roles_list",
    summary="A person's role grants (your own; anyone's with roles.grant or audit.read)",
)
def person_roles_list(request: HttpRequest, person_id: int) -> Any:
    user = actor(request)
    person = _person(person_id)
    if person.pk != user.pk:
        grants = person_grants(actor=user, person=person)  # 404 without the permission
        require_scope(request, SCOPE, _reader_permission(user))
    else:
        grants = person_grants(actor=user, person=person)
    names = {person.pk: person.full_name or person.email}
    return {"items": [_out(g, names) for g in grants], "next_cursor": None}


@router.post(
    "/people/{person_id}/roles",
    response={201: GrantOut, **ERRORS},
    operation_id="person_roles_grant",
    summary="Grant a role; administrative roles wait for a second owner's approval",
)
def person_roles_grant(request: HttpRequest, person_id: int, payload: GrantIn) -> Any:
    user = require_scope(request, SCOPE, "roles.grant")
    require_recent_authentication(request)  # a session re-authenticates first (decision 0020)
    person = _person(person_id)
    grant = role_grant(actor=user, person=person, role=payload.role, expires_at=payload.expires_at)
    return Status(201, _out(grant))


@router.post(
    "/role-grants/{grant_id}/approve",
    response={200: GrantOut, **ERRORS},
    operation_id="role_grant_approve",
    summary="Approve a pending grant (four-eyes: not the granter, not the grantee)",
)
def role_grant_approve(request: HttpRequest, grant_id: int) -> Any:
    user = require_scope(request, SCOPE, "roles.grant")
    require_recent_authentication(request)  # approving completes a grant (decision 0020)
    return _out(role_approve(actor=user, grant=grant_get(grant_id)))


@router.post(
    "/role-grants/{grant_id}/reject",
    response={200: GrantOut, **ERRORS},
    operation_id="role_grant_reject",
    summary="Reject (or, as its granter, withdraw) a pending grant",
)
def role_grant_reject(request: HttpRequest, grant_id: int) -> Any:
    user = require_scope(request, SCOPE, "roles.grant")
    return _out(role_reject(actor=user, grant=grant_get(grant_id)))


@router.post(
    "/role-grants/{grant_id}/revoke",
    response={200: GrantOut, **ERRORS},
    operation_id="role_grant_revoke",
    summary="Revoke a grant at once (the tenant's last owner stays)",
)
def role_grant_revoke(request: HttpRequest, grant_id: int) -> Any:
    user = require_scope(request, SCOPE, "roles.grant")
    return _out(role_revoke(actor=user, grant=grant_get(grant_id)))


@router.get(
    "/roles/report",
    response={200: ReportOut, **ERRORS},
    operation_id="roles_report",
    summary="Who held which role, since when, until when, granted and approved by whom",
)
def roles_report(request: HttpRequest) -> Any:
    user = require_scope(request, SCOPE, _reader_permission(user=actor(request)))
    report = role_report(actor=user)
    names = {g.user_id: g.user.full_name or g.user.email for g in report.grants}
    return {
        "grants": [_out(g, names) for g in report.grants],
        "admins": report.admins,
        "max_admins": report.max_admins,
        "warnings": report.warnings,
    }
