"""People over the API: read and correct a person's data (rectification, Art. 16).

The person themselves, or an administrator (with ``privacy:admin`` on tokens); anyone else
gets 404, as for another tenant's people.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from deskwerk.access.roles import has_permission
from deskwerk.accounts.mfa import require_recent_authentication
from deskwerk.accounts.models import ContactDetails, User
from deskwerk.accounts.services import person_update
from deskwerk.api.auth import actor, require_scope
from deskwerk.api.schemas import ERRORS, StrictIn
from deskwerk.core.errors import NotFound

router = Router(tags=["people"])


class PersonOut(Schema):
    id: int
    email: str
    full_name: str
    role: str
    is_active: bool
    restricted_at: dt.datetime | None
    phone: str
    mobile: str
    org_unit: str

    @staticmethod
    def dump(person: User) -> dict[str, Any]:
        contact = ContactDetails.unscoped.filter(user=person).first()
        return {
            "id": person.pk,
            "email": person.email,
            "full_name": person.full_name,
            "role": person.membership.role,
            "is_active": person.is_active,
            "restricted_at": person.restricted_at,
            "phone": contact.phone if contact else "",
            "mobile": contact.mobile if contact else "",
            "org_unit": contact.org_unit if contact else "",
        }


class PersonPatch(StrictIn):
    full_name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)
    mobile: str | None = Field(None, max_length=40)
    org_unit: str | None = Field(None, max_length=200)


def _target(request: HttpRequest, person_id: int) -> tuple[User, User]:
    """(caller, person): oneself, or anyone of the tenant for an administrator."""
    user = actor(request)
    if person_id == user.pk:
        return user, user
    if has_permission(user, "people.manage"):
        user = require_scope(request, "privacy:admin", "people.manage")
    elif has_permission(user, "privacy.requests"):
        user = require_scope(request, "privacy:admin", "privacy.requests")
    else:
        raise NotFound("person not found")
    person = User.objects.select_related("membership").filter(pk=person_id).first()
    if person is None:
        raise NotFound("person not found")
    return user, person


@router.get(
    "/people/{person_id}",
    response={200: PersonOut, **ERRORS},
    operation_id="person_get",
    summary="A person's account and contact data (yourself, or anyone for administrators)",
)
def person_get(request: HttpRequest, person_id: int) -> Any:
    _, person = _target(request, person_id)
    return PersonOut.dump(person)


@router.patch(
    "/people/{person_id}",
    response={200: PersonOut, **ERRORS},
    operation_id="person_update",
    summary="Correct a person's name, e-mail or contact data (rectification)",
)
def person_patch(request: HttpRequest, person_id: int, payload: PersonPatch) -> Any:
    user, person = _target(request, person_id)
    if payload.email is not None and payload.email.strip().lower() != person.email.lower():
        require_recent_authentication(request)  # a new address is a new way in (decision 0020)
    updated = person_update(actor=user, person=person, **payload.model_dump(exclude_unset=True))
    return PersonOut.dump(updated)
