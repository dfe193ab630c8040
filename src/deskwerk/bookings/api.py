"""Bookings and availability over the API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest, JsonResponse
from ninja import Router, Schema, Status
from pydantic import Field

from deskwerk.access.roles import has_permission
from deskwerk.accounts.models import User
from deskwerk.api.auth import require_scope
from deskwerk.api.idempotency import run_idempotent
from deskwerk.api.pagination import paginate
from deskwerk.api.schemas import ERRORS, ApiDateTime, Page, StrictIn
from deskwerk.bookings import selectors, services
from deskwerk.bookings.models import Booking
from deskwerk.bookings.timeslots import DayPart
from deskwerk.core.errors import InvalidInput, NotFound
from deskwerk.spaces.api import ResourceKind, _get
from deskwerk.spaces.models import Building, Floor, Resource, Zone

router = Router(tags=["bookings"])

IDEMPOTENCY_HEADER: dict[str, Any] = {
    "parameters": [
        {
            "in": "header",
            "name": "Idempotency-Key",
            "required": False,
            "schema": {"type": "string", "minLength": 1, "maxLength": 255},
            "description": "A retry with the same key and body returns the first answer "
            "and never books twice.",
        }
    ]
}

State = Literal["confirmed", "checked_in", "completed", "cancelled", "released"]


class BookingOut(Schema):
    id: int
    resource_id: int
    floor_id: int
    # None once the booking is pseudonymised (its link to the person is cut).
    booked_for_id: int | None
    booked_by_id: int | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    state: State
    note: str
    created_at: dt.datetime

    @staticmethod
    def dump(booking: Booking) -> dict[str, Any]:
        return BookingOut.from_orm(booking).model_dump(mode="json")


class BookingIn(StrictIn):
    resource_id: int
    starts_at: ApiDateTime
    ends_at: ApiDateTime
    booked_for_id: int | None = None
    note: str = Field("", max_length=500)


class BookingDaysIn(StrictIn):
    resource_id: int
    # Bounded like ApiDateTime: far-off days would overflow when turned into UTC times.
    days: list[Annotated[dt.date, Field(ge=dt.date(1900, 1, 1), le=dt.date(9000, 1, 1))]] = Field(
        min_length=1, max_length=services.MAX_DAYS_PER_REQUEST
    )
    part: Literal["full", "morning", "afternoon"] = "full"
    booked_for_id: int | None = None
    note: str = Field("", max_length=500)


class BookingPatch(StrictIn):
    resource_id: int | None = None
    starts_at: ApiDateTime | None = None
    ends_at: ApiDateTime | None = None
    note: str | None = Field(None, max_length=500)


class AvailabilityItem(Schema):
    resource_id: int
    name: str
    kind: ResourceKind
    zone_id: int | None
    pos_x: float
    pos_y: float
    capacity: int
    amenity_ids: list[int]
    status: Literal["free", "busy", "mine", "unavailable"]
    booking_id: int | None = None


class AvailabilityOut(Schema):
    starts_at: dt.datetime
    ends_at: dt.datetime
    resources: list[AvailabilityItem]


def _person(user: User, person_id: int | None) -> User:
    if person_id is None:
        if not isinstance(user, User):  # a service token books for people, never for itself
            raise InvalidInput("service tokens must name booked_for_id", code="booked_for_required")
        return user
    person = User.objects.filter(pk=person_id).first()
    if person is None:
        raise NotFound("person not found")
    return person


def _visible_booking(user: User, booking_id: int) -> Booking:
    """The caller's own booking (or, for admins, any of the tenant); otherwise 404."""
    booking = Booking.objects.filter(pk=booking_id).first()
    if booking is None or (
        user.pk not in (booking.booked_for_id, booking.booked_by_id)
        and not has_permission(user, "bookings.manage_others")
    ):
        raise NotFound("booking not found")
    return booking


@router.post(
    "/bookings",
    response={201: BookingOut, **ERRORS},
    operation_id="booking_create",
    openapi_extra=IDEMPOTENCY_HEADER,
    summary="Book a resource for a time window",
)
def booking_create(request: HttpRequest, payload: BookingIn) -> Any:
    """Honours ``Idempotency-Key``: a retried request returns the first booking."""
    user = require_scope(request, "bookings:write")

    def act() -> tuple[int, Any]:
        booking = services.booking_create(
            actor=user,
            resource=_get(Resource, payload.resource_id),
            starts_at=payload.starts_at,
            ends_at=payload.ends_at,
            booked_for=_person(user, payload.booked_for_id),
            note=payload.note,
        )
        return 201, BookingOut.dump(booking)

    return Status(
        *run_idempotent(request, user=user, payload=payload.model_dump(mode="json"), action=act)
    )


@router.post(
    "/bookings/days",
    response={201: list[BookingOut], **ERRORS},
    operation_id="booking_create_days",
    openapi_extra=IDEMPOTENCY_HEADER,
    summary="Book whole or half working days (one booking per day, all or nothing)",
)
def booking_create_days(request: HttpRequest, payload: BookingDaysIn) -> Any:
    user = require_scope(request, "bookings:write")

    def act() -> tuple[int, Any]:
        bookings = services.booking_create_days(
            actor=user,
            resource=_get(Resource, payload.resource_id),
            days=payload.days,
            part=DayPart(payload.part),
            booked_for=_person(user, payload.booked_for_id),
            note=payload.note,
        )
        return 201, [BookingOut.dump(b) for b in bookings]

    return Status(
        *run_idempotent(request, user=user, payload=payload.model_dump(mode="json"), action=act)
    )


@router.get(
    "/bookings",
    response={200: Page[BookingOut], **ERRORS},
    operation_id="booking_list",
    summary="The caller's bookings, oldest first",
)
def booking_list(
    request: HttpRequest,
    starts_after: ApiDateTime | None = None,
    starts_before: ApiDateTime | None = None,
    state: State | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Any:
    user = require_scope(request, "bookings:read")
    qs = selectors.bookings_of_person(
        person=user,
        starts_after=starts_after,
        starts_before=starts_before,
        states=[state] if state else None,
    )
    items, next_cursor = paginate(
        qs,
        order=["starts_at", "id"],
        cursor=cursor,
        limit=limit,
        key=lambda b: [b.starts_at.isoformat(), b.pk],
        parse=lambda v: [_parse_cursor_time(v[0]), v[1]],
    )
    return {"items": items, "next_cursor": next_cursor}


def _parse_cursor_time(value: Any) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput("the cursor is not one we issued", code="invalid_cursor") from exc
    if parsed.tzinfo is None:
        raise InvalidInput("the cursor is not one we issued", code="invalid_cursor")
    return parsed


@router.get(
    "/bookings/{booking_id}",
    response={200: BookingOut, **ERRORS},
    operation_id="booking_get",
    summary="One booking",
)
def booking_get(request: HttpRequest, booking_id: int) -> Any:
    user = require_scope(request, "bookings:read")
    return _visible_booking(user, booking_id)


@router.patch(
    "/bookings/{booking_id}",
    response={200: BookingOut, **ERRORS},
    operation_id="booking_change",
    summary="Move a booking or change its note",
)
def booking_change(request: HttpRequest, booking_id: int, payload: BookingPatch) -> Any:
    user = require_scope(request, "bookings:write")
    booking = _visible_booking(user, booking_id)
    return services.booking_change(
        actor=user,
        booking=booking,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        resource=_get(Resource, payload.resource_id) if payload.resource_id is not None else None,
        note=payload.note,
    )


@router.post(
    "/bookings/{booking_id}/cancel",
    response={200: BookingOut, **ERRORS},
    operation_id="booking_cancel",
    summary="Cancel a booking (idempotent)",
)
def booking_cancel(request: HttpRequest, booking_id: int) -> Any:
    user = require_scope(request, "bookings:write")
    return services.booking_cancel(actor=user, booking=_visible_booking(user, booking_id))


def _availability(
    request: HttpRequest,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    kind: str | None,
    *,
    floor_id: int | None = None,
    zone_id: int | None = None,
    building_id: int | None = None,
) -> JsonResponse:
    """Serialised here, not by the response schema: validating 500 items again costs more than
    the query (bench/RESULTS.md). The schema still documents the answer; tests check both agree."""
    user = require_scope(request, "bookings:read")
    if ends_at <= starts_at:
        raise InvalidInput("the end must be after the start", code="end_before_start")
    if ends_at - starts_at > dt.timedelta(days=31):
        raise InvalidInput("ask for at most 31 days at once", code="window_too_long")
    rows = selectors.availability(
        viewer=user,
        starts_at=starts_at,
        ends_at=ends_at,
        kind=kind,
        floor_id=floor_id,
        zone_id=zone_id,
        building_id=building_id,
    )
    body = {
        # Like every time the API returns: in UTC, whatever offset the caller used.
        "starts_at": starts_at.astimezone(dt.UTC),
        "ends_at": ends_at.astimezone(dt.UTC),
        "resources": [
            {
                "resource_id": row.resource.pk,
                "name": row.resource.name,
                "kind": row.resource.kind,
                "zone_id": row.resource.zone_id,
                "pos_x": row.resource.pos_x,
                "pos_y": row.resource.pos_y,
                "capacity": row.resource.capacity,
                "amenity_ids": row.amenity_ids,
                "status": row.status.value,
                "booking_id": row.booking_id,
            }
            for row in rows
        ],
    }
    return JsonResponse(body)


@router.get(
    "/floors/{floor_id}/availability",
    response={200: AvailabilityOut, **ERRORS},
    operation_id="floor_availability",
    summary="Every resource of a floor with its status",
)
def floor_availability(
    request: HttpRequest,
    floor_id: int,
    starts_at: ApiDateTime,
    ends_at: ApiDateTime,
    kind: ResourceKind | None = None,
) -> Any:
    floor = _get(Floor, floor_id)
    return _availability(request, starts_at, ends_at, kind, floor_id=floor.pk)


@router.get(
    "/zones/{zone_id}/availability",
    response={200: AvailabilityOut, **ERRORS},
    operation_id="zone_availability",
    summary="Every resource of a zone with its status",
)
def zone_availability(
    request: HttpRequest,
    zone_id: int,
    starts_at: ApiDateTime,
    ends_at: ApiDateTime,
    kind: ResourceKind | None = None,
) -> Any:
    zone = _get(Zone, zone_id)
    return _availability(request, starts_at, ends_at, kind, zone_id=zone.pk, floor_id=zone.floor_id)


@router.get(
    "/buildings/{building_id}/availability",
    response={200: AvailabilityOut, **ERRORS},
    operation_id="building_availability",
    summary="Every resource of a building with its status",
)
def building_availability(
    request: HttpRequest,
    building_id: int,
    starts_at: ApiDateTime,
    ends_at: ApiDateTime,
    kind: ResourceKind | None = None,
) -> Any:
    building = _get(Building, building_id)
    return _availability(request, starts_at, ends_at, kind, building_id=building.pk)
