"""Booking reads: availability of many resources at once, and a person's bookings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Aggregate, CharField, OuterRef, QuerySet, Subquery
from django.db.models.sql.compiler import SQLCompiler

from deskwerk.accounts.models import User
from deskwerk.bookings.models import Booking
from deskwerk.spaces.models import Resource, ResourceAmenity


class Status(StrEnum):
    FREE = "free"
    BUSY = "busy"
    MINE = "mine"
    UNAVAILABLE = "unavailable"  # not bookable at all


class _IdList(Aggregate):
    """The group's ids as one comma-separated string (GROUP_CONCAT / string_agg)."""

    function = "GROUP_CONCAT"
    output_field = CharField()

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> Any:
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s(%(expressions)s::text, ',')",
            **extra,
        )


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

    Two queries whatever the size: resources with their amenity ids, overlapping bookings.
    The bookings query range-scans (tenant, floor, starts_at), bounded below by the longest
    possible booking, instead of probing once per resource. The amenity ids come with the
    resources (a correlated aggregate on the (tenant, resource, amenity) index): a separate
    ``resource_id IN (…500 ids…)`` query cost more than the rest together (bench/RESULTS.md).
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
    amenity_ids = (
        ResourceAmenity.objects.filter(resource_id=OuterRef("pk"))
        .order_by()
        .values("resource_id")
        .annotate(ids=_IdList("amenity_id"))
        .values("ids")
    )
    resource_list = list(
        resources.annotate(amenity_id_list=Subquery(amenity_ids)).order_by("name", "id")
    )
    if not resource_list:
        return []

    amenities: dict[int, list[int]] = {
        r.pk: sorted(int(i) for i in r.amenity_id_list.split(","))
        for r in resource_list
        if r.amenity_id_list
    }

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
