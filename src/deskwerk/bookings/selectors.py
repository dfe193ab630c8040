"""Booking reads: availability of many resources at once, and a person's bookings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from django.conf import settings
from django.db.models import QuerySet

from deskwerk.accounts.models import User
from deskwerk.bookings.models import Booking
from deskwerk.spaces.models import Resource, ResourceAmenity


class Status(StrEnum):
    FREE = "free"
    BUSY = "busy"
    MINE = "mine"
    UNAVAILABLE = "unavailable"  # not bookable at all


@dataclass
class ResourceAvailability:
    resource: Resource
    status: Status
    amenity_ids: list[int] = field(default_factory=list)
    # The caller's own overlapping booking, when status is MINE.
    booking_id: int | None = None


def availability(
    *,
    viewer: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    floor_id: int | None = None,
    zone_id: int | None = None,
    building_id: int | None = None,
    kind: str | None = None,
) -> list[ResourceAvailability]:
    """Status of every resource in a floor, zone or building for [starts_at, ends_at).

    Three queries whatever the size: resources, their amenities, overlapping bookings. The
    bookings query range-scans (tenant, floor, starts_at), bounded below by the longest
    possible booking, instead of probing once per resource.
    """
    resources: QuerySet[Resource] = Resource.objects.all()
    if floor_id is not None:
        resources = resources.filter(floor_id=floor_id)
    if zone_id is not None:
        resources = resources.filter(zone_id=zone_id)
    if building_id is not None:
        resources = resources.filter(floor__building_id=building_id)
    if kind is not None:
        resources = resources.filter(kind=kind)
    resource_list = list(resources.order_by("name", "id"))
    if not resource_list:
        return []

    amenities: dict[int, list[int]] = {}
    for resource_id, amenity_id in ResourceAmenity.objects.filter(
        resource_id__in=[r.pk for r in resource_list]
    ).values_list("resource_id", "amenity_id"):
        amenities.setdefault(resource_id, []).append(amenity_id)

    bookings = Booking.objects.filter(
        state__in=Booking.ACTIVE_STATES,
        starts_at__lt=ends_at,
        starts_at__gt=starts_at - dt.timedelta(hours=settings.BOOKING_MAX_HOURS),
        ends_at__gt=starts_at,
    )
    if floor_id is not None:
        bookings = bookings.filter(floor_id=floor_id)
    else:
        bookings = bookings.filter(floor_id__in={r.floor_id for r in resource_list})
    if zone_id is not None or kind is not None:
        bookings = bookings.filter(resource_id__in=[r.pk for r in resource_list])

    busy: dict[int, int | None] = {}
    for resource_id, booked_for_id, booking_id in bookings.values_list(
        "resource_id", "booked_for_id", "id"
    ):
        if booked_for_id == viewer.pk:
            busy[resource_id] = booking_id
        else:
            busy.setdefault(resource_id, None)

    result = []
    for resource in resource_list:
        mine = busy.get(resource.pk)
        if resource.pk in busy:
            status = Status.MINE if mine is not None else Status.BUSY
        elif not resource.bookable:
            status = Status.UNAVAILABLE
        else:
            status = Status.FREE
        result.append(
            ResourceAvailability(
                resource=resource,
                status=status,
                amenity_ids=amenities.get(resource.pk, []),
                booking_id=mine,
            )
        )
    return result


def bookings_of_person(
    *,
    person: User,
    starts_after: dt.datetime | None = None,
    starts_before: dt.datetime | None = None,
    states: list[str] | None = None,
) -> QuerySet[Booking]:
    """A person's bookings, oldest first; callers paginate."""
    qs = Booking.objects.filter(booked_for=person).select_related("resource")
    if starts_after is not None:
        qs = qs.filter(starts_at__gte=starts_after)
    if starts_before is not None:
        qs = qs.filter(starts_at__lt=starts_before)
    if states:
        qs = qs.filter(state__in=states)
    return qs.order_by("starts_at", "id")
