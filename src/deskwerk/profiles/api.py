"""Profiles and the colleague finder over the API.

``/me/profile`` (and its photo) and ``/me/favourites`` are the caller's own: no scope beyond a
person (service tokens are refused). ``/people/finder`` reads who is where on a day under the
tenant's finder mode. ``/tenant/people-settings`` holds that mode (``privacy.settings``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import IO, Any, Literal, cast

from django.http import HttpRequest
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from ninja import Router, Schema, Status
from pydantic import Field, StrictInt

from deskwerk.accounts.models import User
from deskwerk.accounts.services import person_set_language
from deskwerk.api.auth import actor, require_scope
from deskwerk.api.schemas import ERRORS, StrictIn
from deskwerk.core.errors import InvalidInput
from deskwerk.profiles import selectors, services
from deskwerk.profiles.photos import MAX_PHOTO_BYTES
from deskwerk.profiles.settings import FINDER_MODES, finder_mode, finder_mode_update
from deskwerk.tenancy.models import Tenant
from deskwerk.tenancy.urls import tenant_reverse

router = Router(tags=["people"])
FinderChoice = Literal["", "shown", "hidden"]
FinderMode = Literal["everyone", "nobody", "opt_out", "opt_in"]
Language = Literal["", "de", "en"]


def photo_url(tenant: Tenant, person_id: int, stored: str) -> str | None:
    """The photo's address on the tenant's pages (signed-in colleagues only), with a version
    so a new photo is never hidden by a cached old one. None without a photo."""
    if not stored:
        return None
    version = hashlib.sha256(stored.encode()).hexdigest()[:12]
    url = tenant_reverse(tenant, "web:person-photo", person_id=person_id)
    return f"{url}?v={version}"


# --- profile -----------------------------------------------------------------------------------


class ProfileOut(Schema):
    id: int
    email: str
    full_name: str
    language: str = Field(description='"de", "en", or "" (follow the browser)')
    photo_url: str | None
    finder_mode: FinderMode
    finder_choice_allowed: bool = Field(description="may the person choose (opt_out, opt_in)")
    finder_choice: FinderChoice = Field(description='"" is the mode\'s default')
    visible_in_finder: bool


class ProfilePatch(StrictIn):
    language: Language | None = None
    finder_choice: FinderChoice | None = Field(
        None,
        description="only where the tenant's mode lets people choose; else 422 "
        "finder_choice_not_allowed",
    )


def _profile_out(user: User) -> dict[str, Any]:
    view = selectors.profile_of(user)
    return {
        "id": user.pk,
        "email": user.email,
        "full_name": user.full_name,
        "language": user.language,
        "photo_url": photo_url(user.tenant, user.pk, view.photo),
        "finder_mode": view.finder_mode,
        "finder_choice_allowed": view.may_choose,
        "finder_choice": view.finder_choice,
        "visible_in_finder": view.visible,
    }


@router.get(
    "/me/profile",
    response={200: ProfileOut, **ERRORS},
    operation_id="profile_get",
    summary="Your profile: language, photo, colleague-finder choice",
)
def profile_get(request: HttpRequest) -> Any:
    return _profile_out(actor(request))


@router.patch(
    "/me/profile",
    response={200: ProfileOut, **ERRORS},
    operation_id="profile_change",
    summary="Change your language or colleague-finder choice",
)
def profile_change(request: HttpRequest, payload: ProfilePatch) -> Any:
    user = actor(request)
    changes = payload.model_dump(exclude_unset=True)
    if any(value is None for value in changes.values()):
        raise InvalidInput("fields may be left out, not null")
    if "finder_choice" in changes:
        services.finder_choice_set(actor=user, choice=changes["finder_choice"])
    if "language" in changes:
        user = person_set_language(actor=user, person=user, language=changes["language"])
    return _profile_out(user)


@router.put(
    "/me/profile/photo",
    response={200: ProfileOut, **ERRORS},
    operation_id="profile_photo_set",
    summary="Upload your photo (multipart field photo: PNG, JPEG or WebP, at most 2 MB)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"photo": {"type": "string", "format": "binary"}},
                        "required": ["photo"],
                    }
                }
            },
        }
    },
)
def profile_photo_set(request: HttpRequest) -> Any:
    """Refused: other types (GIF, SVG …: 422 ``unsupported_photo_type``), more than 2 MB or
    25 megapixels (``photo_too_large``), files that do not decode (``invalid_photo``), a body
    that is not multipart with a ``photo`` field (``validation_error``). Kept: a square JPEG of
    at most 512 pixels, re-encoded without any metadata."""
    user = actor(request)
    services.photo_set(actor=user, data=_uploaded_photo(request))
    return _profile_out(user)


def _uploaded_photo(request: HttpRequest) -> bytes:
    """The ``photo`` part of a multipart PUT (Django parses multipart bodies of POST only)."""
    if request.content_type != "multipart/form-data":
        raise InvalidInput("send the photo as multipart/form-data, field photo")
    try:
        _, files = MultiPartParser(
            request.META,
            cast(IO[bytes], request),  # an HttpRequest reads like a file
            request.upload_handlers,
            request.encoding,
        ).parse()
    except (MultiPartParserError, ValueError) as exc:
        raise InvalidInput("the multipart body could not be read") from exc
    photo = files.get("photo")
    if photo is None:
        raise InvalidInput("the multipart body has no field photo")
    if photo.size is not None and photo.size > MAX_PHOTO_BYTES:
        raise InvalidInput(
            f"a profile photo may be at most {MAX_PHOTO_BYTES // (1024 * 1024)} MB",
            code="photo_too_large",
        )
    return bytes(photo.read(MAX_PHOTO_BYTES + 1))


@router.delete(
    "/me/profile/photo",
    response={204: None, **ERRORS},
    operation_id="profile_photo_remove",
    summary="Remove your photo (the file is deleted)",
)
def profile_photo_remove(request: HttpRequest) -> Any:
    services.photo_remove(actor=actor(request))
    return Status(204, None)


# --- favourites --------------------------------------------------------------------------------


class FavouriteResourceOut(Schema):
    id: int
    resource_id: int
    name: str
    kind: str
    floor_id: int
    floor: str
    building: str
    location: str


class FavouriteColleagueOut(Schema):
    id: int
    person_id: int
    name: str
    photo_url: str | None


class FavouritesOut(Schema):
    items: list[FavouriteResourceOut]
    colleagues: list[FavouriteColleagueOut]


class FavouriteIn(StrictIn):
    """Exactly one of the two."""

    resource_id: StrictInt | None = None
    person_id: StrictInt | None = None


class FavouriteOut(Schema):
    id: int
    resource_id: int | None
    person_id: int | None


def _favourites_out(user: User) -> dict[str, Any]:
    resources = selectors.favourite_resources(user)
    colleagues = selectors.favourite_colleagues(user)
    photos = selectors.photos_of([f.colleague_id for f in colleagues])
    return {
        "items": [
            {
                "id": f.pk,
                "resource_id": f.resource_id,
                "name": f.resource.name,
                "kind": f.resource.kind,
                "floor_id": f.resource.floor_id,
                "floor": f.resource.floor.name,
                "building": f.resource.floor.building.name,
                "location": f.resource.floor.building.location.name,
            }
            for f in resources
        ],
        "colleagues": [
            {
                "id": f.pk,
                "person_id": f.colleague_id,
                "name": f.colleague.full_name or f.colleague.email,
                "photo_url": photo_url(user.tenant, f.colleague_id, photos.get(f.colleague_id, "")),
            }
            for f in colleagues
        ],
    }


@router.get(
    "/me/favourites",
    response={200: FavouritesOut, **ERRORS},
    operation_id="favourites_list",
    summary="Your favourite places (items) and colleagues",
)
def favourites_list(request: HttpRequest) -> Any:
    return _favourites_out(actor(request))


@router.post(
    "/me/favourites",
    response={200: FavouriteOut, 201: FavouriteOut, **ERRORS},
    operation_id="favourite_add",
    summary="Mark a place (resource_id) or a colleague (person_id) as a favourite",
)
def favourite_add(request: HttpRequest, payload: FavouriteIn) -> Any:
    """201 when added, 200 when it already was one. A place or person of another tenant (or
    none at all) is 404; yourself is 422 ``favourite_self``."""
    user = actor(request)
    if (payload.resource_id is None) == (payload.person_id is None):
        raise InvalidInput("give exactly one of resource_id and person_id")
    if payload.resource_id is not None:
        added = services.favourite_resource_add(actor=user, resource_id=payload.resource_id)
        out = {"id": added.favourite.pk, "resource_id": payload.resource_id, "person_id": None}
    else:
        assert payload.person_id is not None
        added = services.favourite_colleague_add(actor=user, person_id=payload.person_id)
        out = {"id": added.favourite.pk, "resource_id": None, "person_id": payload.person_id}
    return Status(201 if added.created else 200, out)


@router.delete(
    "/me/favourites/resources/{resource_id}",
    response={204: None, **ERRORS},
    operation_id="favourite_resource_remove",
    summary="Remove a favourite place (204 also when it was none)",
)
def favourite_resource_remove(request: HttpRequest, resource_id: int) -> Any:
    services.favourite_resource_remove(actor=actor(request), resource_id=resource_id)
    return Status(204, None)


@router.delete(
    "/me/favourites/people/{person_id}",
    response={204: None, **ERRORS},
    operation_id="favourite_colleague_remove",
    summary="Remove a favourite colleague (204 also when they were none)",
)
def favourite_colleague_remove(request: HttpRequest, person_id: int) -> Any:
    services.favourite_colleague_remove(actor=actor(request), person_id=person_id)
    return Status(204, None)


# --- the finder --------------------------------------------------------------------------------


class PlaceOut(Schema):
    location: str
    building: str
    floor: str
    floor_id: int
    resource: str
    resource_id: int
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str


class FinderEntryOut(Schema):
    person_id: int
    name: str
    photo_url: str | None
    favourite: bool
    is_me: bool
    places: list[PlaceOut]


class FinderOut(Schema):
    enabled: bool = Field(description="false when the tenant's mode is nobody: the finder is off")
    mode: FinderMode
    date: dt.date
    detail: str
    items: list[FinderEntryOut]
    truncated: bool


@router.get(
    "/people/finder",
    response={200: FinderOut, **ERRORS},
    operation_id="people_finder",
    summary="Who is in which building and floor on a day (the tenant's finder mode applies)",
)
def people_finder(request: HttpRequest, date: dt.date | None = None, q: str = "") -> Any:
    """``date`` defaults to today in the tenant's time zone; each location's day is its own
    local calendar day. ``q`` searches names. Favourites come first. With the mode
    ``nobody`` the answer is ``enabled: false`` and no one."""
    user = actor(request)
    if date is not None and not 1900 <= date.year <= 9000:
        raise InvalidInput("the date is out of range")
    result = selectors.finder(viewer=user, day=date, query=q)
    detail = (
        "the colleague finder is switched off in this organisation"
        if not result.enabled
        else f"people in the office on {result.day.isoformat()} (mode {result.mode})"
    )
    return {
        "enabled": result.enabled,
        "mode": result.mode,
        "date": result.day,
        "detail": detail,
        "truncated": result.truncated,
        "items": [
            {
                "person_id": e.person_id,
                "name": e.name,
                "photo_url": photo_url(user.tenant, e.person_id, e.photo),
                "favourite": e.favourite,
                "is_me": e.is_me,
                "places": e.places,
            }
            for e in result.entries
        ],
    }


# --- the tenant's setting ----------------------------------------------------------------------


class PeopleSettingsOut(Schema):
    finder_mode: FinderMode
    modes: list[str]


class PeopleSettingsIn(StrictIn):
    finder_mode: str = Field(
        description="everyone | nobody | opt_out (each decides, default shown) | opt_in (each "
        "decides, default hidden: the default, Art. 25 (2) GDPR)"
    )


@router.get(
    "/tenant/people-settings",
    response={200: PeopleSettingsOut, **ERRORS},
    operation_id="people_settings_get",
    summary="The tenant's colleague-finder mode",
)
def people_settings_get(request: HttpRequest) -> Any:
    return {"finder_mode": finder_mode(actor(request).tenant), "modes": list(FINDER_MODES)}


@router.put(
    "/tenant/people-settings",
    response={200: PeopleSettingsOut, **ERRORS},
    operation_id="people_settings_set",
    summary="Set the colleague-finder mode (privacy.settings)",
)
def people_settings_set(request: HttpRequest, payload: PeopleSettingsIn) -> Any:
    user = require_scope(request, "privacy:admin", "privacy.settings")
    mode = finder_mode_update(actor=user, tenant=user.tenant, mode=payload.finder_mode)
    return {"finder_mode": mode, "modes": list(FINDER_MODES)}
