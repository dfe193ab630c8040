"""Sessions over the API: people see and end their own; administrators end anyone's.

Sessions are named by a random public id, never by their key. Anyone else's session (another
tenant's, or a colleague's for a non-administrator) answers 404, like an id that never existed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from deskwerk.access.roles import has_permission
from deskwerk.accounts.mfa import require_recent_authentication
from deskwerk.accounts.models import User
from deskwerk.api.auth import actor, require_scope
from deskwerk.api.schemas import ERRORS, Page
from deskwerk.core.errors import NotFound
from deskwerk.websessions.models import WebSession
from deskwerk.websessions.selectors import sessions_of_person
from deskwerk.websessions.services import person_sessions_end, session_end
from deskwerk.websessions.store import SessionStore

router = Router(tags=["sessions"])
SCOPE = "sessions:admin"


class SessionOut(Schema):
    id: int
    device: str
    ip: str  # truncated: /24 (IPv4) or /48 (IPv6)
    created_at: dt.datetime
    last_activity: dt.datetime
    expires_at: dt.datetime
    current: bool  # the session this request came with


class SessionsEnded(Schema):
    ended: int


def _current_id(request: HttpRequest) -> int | None:
    session = getattr(request, "session", None)
    if getattr(request, "api_token", None) is not None or not isinstance(session, SessionStore):
        return None
    return session.public_id


def _list(request: HttpRequest, person: User) -> dict[str, Any]:
    current = _current_id(request)
    return {
        "items": [
            {
                "id": s.public_id,
                "device": s.device,
                "ip": s.ip,
                "created_at": s.created_at,
                "last_activity": s.last_activity,
                "expires_at": s.expires_at,
                "current": s.public_id == current,
            }
            for s in sessions_of_person(person)
        ],
        "next_cursor": None,  # one page: the timeouts keep a person's sessions few
    }


def _person(request: HttpRequest, person_id: int) -> User:
    """An administrator's view of a person of their tenant (404 for anyone else's)."""
    require_scope(request, SCOPE)
    person = User.objects.filter(pk=person_id).first()
    if person is None:
        raise NotFound("person not found")
    return person


@router.get(
    "/sessions",
    response={200: Page[SessionOut], **ERRORS},
    operation_id="sessions_list",
    summary="Your signed-in sessions: device, truncated IP, last activity",
)
def sessions_list(request: HttpRequest) -> Any:
    return _list(request, actor(request))


@router.delete(
    "/sessions/{session_id}",
    response={204: None, **ERRORS},
    operation_id="session_end",
    summary="End one of your sessions (administrators: anyone's, with sessions:admin)",
)
def session_delete(request: HttpRequest, session_id: int) -> Any:
    user = actor(request)
    session = WebSession.objects.filter(public_id=session_id, tenant_id=user.tenant_id).first()
    if session is None or (
        session.user_id != user.pk and not has_permission(user, "sessions.manage")
    ):
        raise NotFound("session not found")
    if session.user_id != user.pk:
        user = require_scope(request, SCOPE)
    elif session.public_id != _current_id(request):
        require_recent_authentication(request)  # ASVS 7.5.2: ending others proves it is you
    session_end(actor=user, session=session)
    return Status(204, None)


@router.get(
    "/people/{person_id}/sessions",
    response={200: Page[SessionOut], **ERRORS},
    operation_id="person_sessions_list",
    summary="A person's sessions (administrators)",
)
def person_sessions_list(request: HttpRequest, person_id: int) -> Any:
    return _list(request, _person(request, person_id))


@router.delete(
    "/people/{person_id}/sessions",
    response={200: SessionsEnded, **ERRORS},
    operation_id="person_sessions_end",
    summary="End all of a person's sessions at once (administrators)",
)
def person_sessions_delete(request: HttpRequest, person_id: int) -> Any:
    person = _person(request, person_id)
    return {"ended": person_sessions_end(actor=actor(request), person=person)}
