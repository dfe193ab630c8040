"""Availability: the right status for every resource, in a constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deskwerk.bookings.models import Booking
from deskwerk.bookings.selectors import Status, availability, bookings_of_person
from deskwerk.bookings.services import booking_cancel, booking_create
from deskwerk.spaces.models import Amenity, Floor, Resource, ResourceAmenity, Zone
from tests.conftest import Site, future

WINDOW = (future(2, 9), future(2, 12))


def statuses(viewer, **scope) -> dict[str, Status]:
    start, end = scope.pop("window", WINDOW)
    return {
        item.resource.name: item.status
        for item in availability(viewer=viewer, starts_at=start, ends_at=end, **scope)
    }


@pytest.fixture
def booked(bound, site, member, owner):
    """D1 booked by the member, D2 by the owner, D3 not bookable, the room free."""
    site.desks[2].bookable = False
    site.desks[2].save()
    mine = booking_create(
        actor=member, resource=site.desks[0], starts_at=future(2, 10), ends_at=future(2, 11)
    )
    theirs = booking_create(
        actor=owner, resource=site.desks[1], starts_at=future(2, 8), ends_at=future(2, 10)
    )
    return mine, theirs


def test_floor_statuses(booked, site, member):
    mine, _ = booked
    assert statuses(member, floor_id=site.floor.pk) == {
        "D1": Status.MINE,
        "D2": Status.BUSY,
        "D3": Status.UNAVAILABLE,
        "Room": Status.FREE,
    }
    by_name = {
        i.resource.name: i
        for i in availability(
            viewer=member, starts_at=WINDOW[0], ends_at=WINDOW[1], floor_id=site.floor.pk
        )
    }
    assert by_name["D1"].booking_id == mine.pk
    assert by_name["D2"].booking_id is None  # another person's booking is not revealed


def test_the_same_floor_seen_by_the_other_person(booked, site, owner):
    assert statuses(owner, floor_id=site.floor.pk) == {
        "D1": Status.BUSY,
        "D2": Status.MINE,
        "D3": Status.UNAVAILABLE,
        "Room": Status.FREE,
    }


def test_zone_scope_lists_only_the_zone(booked, site, member):
    assert statuses(member, zone_id=site.zone.pk) == {
        "D1": Status.MINE,
        "D2": Status.BUSY,
        "D3": Status.UNAVAILABLE,
    }


def test_building_scope_spans_floors(booked, site, member, owner):
    upstairs = Floor.objects.create(building=site.building, name="2", level=2)
    top = Resource.objects.create(floor=upstairs, name="T1")
    Resource.objects.create(floor=upstairs, name="T2")
    booking_create(actor=owner, resource=top, starts_at=future(2, 11), ends_at=future(2, 14))
    assert statuses(member, building_id=site.building.pk) == {
        "D1": Status.MINE,
        "D2": Status.BUSY,
        "D3": Status.UNAVAILABLE,
        "Room": Status.FREE,
        "T1": Status.BUSY,
        "T2": Status.FREE,
    }
    assert statuses(member, floor_id=upstairs.pk) == {"T1": Status.BUSY, "T2": Status.FREE}


def test_kind_filter(booked, site, member):
    assert statuses(member, floor_id=site.floor.pk, kind="room") == {"Room": Status.FREE}


def test_zone_scope_ignores_bookings_outside_the_zone(booked, site, member):
    """The zone query filters bookings by resource, not only by floor."""
    booking_create(actor=member, resource=site.room, starts_at=WINDOW[0], ends_at=WINDOW[1])
    assert "Room" not in statuses(member, zone_id=site.zone.pk)
    assert statuses(member, floor_id=site.floor.pk)["Room"] == Status.MINE


def test_cancelled_released_and_completed_do_not_block(bound, site, member, owner):
    start, end = WINDOW
    cancelled = booking_create(actor=owner, resource=site.desks[0], starts_at=start, ends_at=end)
    booking_cancel(actor=owner, booking=cancelled)
    for desk, state in ((site.desks[1], "released"), (site.desks[2], "completed")):
        booking = booking_create(actor=owner, resource=desk, starts_at=start, ends_at=end)
        Booking.objects.filter(pk=booking.pk).update(state=state)
    assert statuses(member, floor_id=site.floor.pk) == {
        "D1": Status.FREE,
        "D2": Status.FREE,
        "D3": Status.FREE,
        "Room": Status.FREE,
    }


def test_checked_in_blocks(bound, site, member, owner):
    booking = booking_create(
        actor=owner, resource=site.desks[0], starts_at=WINDOW[0], ends_at=WINDOW[1]
    )
    Booking.objects.filter(pk=booking.pk).update(state=Booking.State.CHECKED_IN)
    assert statuses(member, floor_id=site.floor.pk)["D1"] == Status.BUSY


def test_touching_the_window_does_not_block(bound, site, member, owner):
    """Half-open intervals: ending at the window's start or starting at its end is no overlap."""
    start, end = WINDOW
    booking_create(
        actor=owner, resource=site.desks[0], starts_at=start - dt.timedelta(hours=2), ends_at=start
    )
    booking_create(
        actor=owner, resource=site.room, starts_at=end, ends_at=end + dt.timedelta(hours=1)
    )
    # One minute into the window does block.
    booking_create(
        actor=member,
        resource=site.desks[1],
        starts_at=end - dt.timedelta(minutes=1),
        ends_at=end + dt.timedelta(hours=1),
    )
    assert statuses(owner, floor_id=site.floor.pk) == {
        "D1": Status.FREE,
        "D2": Status.BUSY,
        "D3": Status.FREE,
        "Room": Status.FREE,
    }


def test_the_longest_booking_reaching_into_the_window_blocks(bound, site, member, owner):
    """The selector's lower bound (start - longest booking) must not cut off real overlaps."""
    longest = dt.timedelta(hours=settings.BOOKING_MAX_HOURS)
    start = WINDOW[0]
    booking_create(
        actor=owner,
        resource=site.desks[0],
        starts_at=start - longest + dt.timedelta(minutes=1),
        ends_at=start + dt.timedelta(minutes=1),
    )
    # Exactly as long and ending at the window's start: touches, does not block.
    booking_create(actor=owner, resource=site.room, starts_at=start - longest, ends_at=start)
    assert statuses(member, floor_id=site.floor.pk)["D1"] == Status.BUSY
    assert statuses(member, floor_id=site.floor.pk)["Room"] == Status.FREE
    # A window inside a long booking is busy too.
    inner = (start + dt.timedelta(minutes=1) - dt.timedelta(hours=2), start)
    assert statuses(member, floor_id=site.floor.pk, window=inner)["D1"] == Status.BUSY


def test_mine_wins_over_busy_on_a_shared_resource(bound, site, member, owner):
    """If someone else holds the desk earlier in the window and I hold it later, it is mine."""
    start, _ = WINDOW
    booking_create(actor=owner, resource=site.room, starts_at=start, ends_at=future(2, 10))
    booking_create(actor=member, resource=site.room, starts_at=future(2, 10), ends_at=future(2, 11))
    assert statuses(member, floor_id=site.floor.pk)["Room"] == Status.MINE
    assert statuses(owner, floor_id=site.floor.pk)["Room"] == Status.MINE


def test_another_tenants_floor_is_empty(bound, member, other_site):
    assert (
        availability(
            viewer=member, starts_at=WINDOW[0], ends_at=WINDOW[1], floor_id=other_site.floor.pk
        )
        == []
    )


def test_amenities_come_along(bound, site, member):
    monitor = Amenity.objects.create(code="monitor", name="Monitor")
    dock = Amenity.objects.create(code="dock", name="Docking station")
    ResourceAmenity.objects.create(resource=site.desks[0], amenity=monitor)
    ResourceAmenity.objects.create(resource=site.desks[0], amenity=dock)
    items = {
        i.resource.name: i
        for i in availability(
            viewer=member, starts_at=WINDOW[0], ends_at=WINDOW[1], floor_id=site.floor.pk
        )
    }
    assert sorted(items["D1"].amenity_ids) == sorted([monitor.pk, dock.pk])
    assert items["D2"].amenity_ids == []


def test_bookings_of_person(bound, site, member, owner):
    later = booking_create(
        actor=member, resource=site.desks[0], starts_at=future(3, 9), ends_at=future(3, 10)
    )
    earlier = booking_create(
        actor=member, resource=site.desks[0], starts_at=future(2, 9), ends_at=future(2, 10)
    )
    booking_create(
        actor=owner, resource=site.desks[1], starts_at=future(2, 9), ends_at=future(2, 10)
    )
    booking_cancel(actor=member, booking=later)
    assert list(bookings_of_person(person=member)) == [earlier, later]
    assert list(bookings_of_person(person=member, states=["confirmed"])) == [earlier]
    assert list(bookings_of_person(person=member, starts_after=future(3, 0))) == [later]


# --- constant query count ----------------------------------------------------------------


def big_floor(site: Site, size: int, viewer, other) -> Floor:
    """A floor of ``size`` desks in two zones, a third of them booked, some with amenities."""
    floor = Floor.objects.create(building=site.building, name=f"Big {size}", level=size)
    zone = Zone.objects.create(floor=floor, name="North")
    tenant = site.floor.tenant
    resources = Resource.objects.bulk_create(
        Resource(
            tenant=tenant,
            floor=floor,
            zone=zone if i % 2 else None,
            name=f"B{i:04d}",
            bookable=i % 10 != 0,
        )
        for i in range(size)
    )
    amenity, _ = Amenity.objects.get_or_create(tenant=tenant, code="monitor", name="Monitor")
    ResourceAmenity.objects.bulk_create(
        ResourceAmenity(tenant=tenant, resource=r, amenity=amenity) for r in resources[::4]
    )
    start, end = WINDOW
    Booking.objects.bulk_create(
        Booking(
            tenant=tenant,
            resource=r,
            floor=floor,
            booked_for=viewer if i % 2 else other,
            booked_by=viewer if i % 2 else other,
            starts_at=start,
            ends_at=end,
        )
        for i, r in enumerate(resources[::3])
    )
    return floor


def count_queries(**scope) -> tuple[int, list]:
    with CaptureQueriesContext(connection) as ctx:
        result = availability(starts_at=WINDOW[0], ends_at=WINDOW[1], **scope)
    return len(ctx.captured_queries), result


def test_query_count_does_not_grow_with_the_floor(bound, site, member, owner):
    small = big_floor(site, 50, member, owner)
    large = big_floor(site, 500, member, owner)

    small_count, small_result = count_queries(viewer=member, floor_id=small.pk)
    large_count, large_result = count_queries(viewer=member, floor_id=large.pk)

    assert len(small_result) == 50
    assert len(large_result) == 500
    assert small_count == large_count <= 3
    # The data really was there to tempt per-resource queries.
    assert {i.status for i in large_result} == {
        Status.FREE,
        Status.BUSY,
        Status.MINE,
        Status.UNAVAILABLE,
    }
    assert sum(bool(i.amenity_ids) for i in large_result) == 125

    small_zone = Zone.objects.get(floor=small)
    large_zone = Zone.objects.get(floor=large)
    assert (
        count_queries(viewer=member, zone_id=small_zone.pk)[0]
        == count_queries(viewer=member, zone_id=large_zone.pk)[0]
    )
    # The building holds both floors and the fixture's: still the same number of queries.
    assert count_queries(viewer=member, building_id=site.building.pk)[0] == small_count
