"""Booking reads: availability of many resources at once, and a person's bookings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

from deskwerk.accounts.models import User
from deskwerk.bookings.models import Booking
from deskwerk.spaces.models import Floor, Resource, ResourceAmenity, Zone
from deskwerk.tenancy.context import current_tenant
from deskwerk.tenancy.services import assert_same_tenant


class Status(StrEnum):
    FREE = "free"
    BUSY = "busy"
    MINE = "mine"
    UNAVAILABLE = "unavailable"  # not bookable at all


class ResourceRow(NamedTuple):
    """The columns of a resource that availability needs (no model instance: 500 of those
    cost more than the query)."""

    pk: int
    name: str
    kind: str
    floor_id: int
    zone_id: int | None
    pos_x: float
    pos_y: float
    capacity: int
    bookable: bool


@dataclass(slots=True)
class ResourceAvailability:
    resource: ResourceRow
    status: Status
    amenity_ids: list[int] = field(default_factory=list)
    # The caller's own overlapping booking, when status is MINE.
    booking_id: int | None = None


def _availability_sql(vendor: str, *, scope: str, zone: bool, kind: bool, amenities: bool) -> str:
    """One statement: the scope's resources, their amenity ids and the overlapping bookings.

    The bookings part range-scans (tenant, floor, starts_at) between window start minus the
    longest booking and window end, grouped per resource, instead of probing per resource.
    """
    r, b, ra = Resource._meta.db_table, Booking._meta.db_table, ResourceAmenity._meta.db_table
    if not amenities:
        ids = "NULL"
    elif vendor == "postgresql":  # an int[] in order: nothing to parse or sort in Python
        ids = (
            f"ARRAY(SELECT ra.amenity_id FROM {ra} ra WHERE ra.tenant_id = r.tenant_id"  # noqa: S608
            " AND ra.resource_id = r.id ORDER BY ra.amenity_id)"
        )
    else:
        ids = (
            f"(SELECT group_concat(ra.amenity_id, ',') FROM {ra} ra"  # noqa: S608
            " WHERE ra.tenant_id = r.tenant_id AND ra.resource_id = r.id)"
        )
    if scope == "building":
        floors = (
            f"(SELECT f.id FROM {Floor._meta.db_table} f"  # noqa: S608
            " WHERE f.tenant_id = %(tenant)s AND f.building_id = %(building)s)"
        )
    elif scope == "zone":
        floors = (
            f"(SELECT z.floor_id FROM {Zone._meta.db_table} z"  # noqa: S608
            " WHERE z.tenant_id = %(tenant)s AND z.id = %(zone)s)"
        )
    else:
        floors = "(%(floor)s)"
    filters = " AND r.zone_id = %(zone)s" if zone else ""
    filters += " AND r.kind = %(kind)s" if kind else ""
    # Only table names from model metadata are interpolated; every value is a parameter.
    return f"""
        WITH busy AS (
            SELECT b.resource_id, MAX(CASE WHEN b.booked_for_id = %(viewer)s THEN b.id END) AS mine
            FROM {b} b
            WHERE b.tenant_id = %(tenant)s AND b.floor_id IN {floors}
              AND b.state IN (%(s1)s, %(s2)s)
              AND b.starts_at < %(end)s AND b.starts_at > %(lower)s AND b.ends_at > %(start)s
            GROUP BY b.resource_id
        )
        SELECT r.id, r.name, r.kind, r.floor_id, r.zone_id, r.pos_x, r.pos_y, r.capacity,
               r.bookable,
               {ids} AS amenities,
               busy.resource_id IS NOT NULL AS is_busy, busy.mine
        FROM {r} r LEFT JOIN busy ON busy.resource_id = r.id
        WHERE r.tenant_id = %(tenant)s AND r.floor_id IN {floors}{filters}
        ORDER BY r.name, r.id
    """  # noqa: S608


def _ids(value: list[int] | str | None) -> list[int]:
    """Amenity ids as PostgreSQL (an ordered array) or SQLite (a comma list) return them."""
    if not value:
        return []
    if isinstance(value, list):
        return value
    return sorted(int(i) for i in value.split(","))


def availability(
    *,
    viewer: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    floor_id: int | None = None,
    zone_id: int | None = None,
    building_id: int | None = None,
    kind: str | None = None,
    amenities: bool = True,
) -> list[ResourceAvailability]:
    """Status of every resource in a floor (or a zone of it) or a building for [start, end).

    One hand-written statement whatever the size (see ``_availability_sql``); the ORM's
    per-object cost was most of the time on a 500-resource floor (bench/RESULTS.md). The
    tenant is the bound one, named explicitly in every table's condition. ``amenities=False``
    leaves out the amenity ids (static data a client may already hold).
    """
    tenant = current_tenant()
    assert_same_tenant(tenant, viewer)
    adapt = connection.ops.adapt_datetimefield_value  # as the ORM stores them (SQLite: text)
    if floor_id is not None:
        scope = "floor"
    elif building_id is not None:
        scope = "building"
    elif zone_id is not None:
        scope = "zone"
    else:
        raise ValueError("availability needs a floor, a zone or a building")
    params = {
        "tenant": tenant.pk,
        "viewer": viewer.pk,
        "floor": floor_id,
        "building": building_id,
        "zone": zone_id,
        "kind": kind,
        "s1": Booking.State.CONFIRMED.value,
        "s2": Booking.State.CHECKED_IN.value,
        "start": adapt(starts_at),
        "end": adapt(ends_at),
        "lower": adapt(starts_at - dt.timedelta(hours=settings.BOOKING_MAX_HOURS)),
    }
    sql = _availability_sql(
        connection.vendor,
        scope=scope,
        zone=zone_id is not None,
        kind=kind is not None,
        amenities=amenities,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()

    result = []
    for pk, name, kind_, floor, zone, x, y, capacity, bookable, ids, is_busy, mine in rows:
        resource = ResourceRow(pk, name, kind_, floor, zone, x, y, capacity, bool(bookable))
        if is_busy:
            status = Status.MINE if mine is not None else Status.BUSY
        elif not resource.bookable:
            status = Status.UNAVAILABLE
        else:
            status = Status.FREE
        result.append(
            ResourceAvailability(
                resource=resource,
                status=status,
                amenity_ids=_ids(ids),
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
