"""Availability of a floor, zone or building: every resource with free / busy / mine."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deskwerk.spaces.models import Resource
from deskwerk.tenancy.context import tenant_context
from tests.api.conftest import World
from tests.conftest import future

pytestmark = pytest.mark.django_db


def _statuses(response) -> dict[int, str]:
    assert response.status_code == 200, response.content
    return {r["resource_id"]: r["status"] for r in response.data["resources"]}


def _at_booking_time() -> dict[str, str]:
    """The window of World's bookings (day 2, 09-12 UTC), partly overlapped."""
    return {"starts_at": future(2, 11).isoformat(), "ends_at": future(2, 14).isoformat()}


def test_floor_lists_every_resource_with_its_status(world: World, api_member):
    site = world.site
    with tenant_context(world.tenant):
        Resource.objects.filter(pk=site.room.pk).update(bookable=False)

    statuses = _statuses(
        api_member.get(f"/floors/{site.floor.pk}/availability", **_at_booking_time())
    )

    assert statuses == {
        site.desks[0].pk: "mine",
        site.desks[1].pk: "busy",
        site.desks[2].pk: "free",
        site.room.pk: "unavailable",
        world.spare["resource"].pk: "free",
    }


def test_mine_carries_the_booking_id_and_amenities(world: World, api_member):
    response = api_member.get(f"/floors/{world.site.floor.pk}/availability", **_at_booking_time())

    by_id = {r["resource_id"]: r for r in response.data["resources"]}
    desk = by_id[world.site.desks[0].pk]
    assert desk["booking_id"] == world.member_booking.pk
    assert desk["amenity_ids"] == [world.amenity.pk]
    assert by_id[world.site.desks[1].pk]["booking_id"] is None  # no leak of others' ids


def test_the_owner_sees_the_members_booking_as_busy(world: World, api_owner):
    statuses = _statuses(
        api_owner.get(f"/floors/{world.site.floor.pk}/availability", **_at_booking_time())
    )

    assert statuses[world.site.desks[0].pk] == "busy"
    assert statuses[world.site.desks[1].pk] == "mine"


def test_windows_are_half_open(world: World, api_member):
    after = {"starts_at": future(2, 12).isoformat(), "ends_at": future(2, 13).isoformat()}
    before = {"starts_at": future(2, 8).isoformat(), "ends_at": future(2, 9).isoformat()}

    for window in (after, before):
        statuses = _statuses(
            api_member.get(f"/floors/{world.site.floor.pk}/availability", **window)
        )
        assert statuses[world.site.desks[0].pk] == "free"


def test_a_cancelled_booking_frees_the_resource(world: World, api_member):
    api_member.post(f"/bookings/{world.member_booking.pk}/cancel")

    statuses = _statuses(
        api_member.get(f"/floors/{world.site.floor.pk}/availability", **_at_booking_time())
    )

    assert statuses[world.site.desks[0].pk] == "free"


def test_zone_lists_only_its_resources(world: World, api_member):
    statuses = _statuses(
        api_member.get(f"/zones/{world.site.zone.pk}/availability", **_at_booking_time())
    )

    assert set(statuses) == {d.pk for d in world.site.desks}


def test_building_spans_its_floors(world: World, api_member, tenant):
    with tenant_context(tenant):
        upstairs = Resource.objects.create(floor=world.spare["floor"], name="Up")

    statuses = _statuses(
        api_member.get(f"/buildings/{world.site.building.pk}/availability", **_at_booking_time())
    )

    assert upstairs.pk in statuses
    assert statuses[world.site.desks[0].pk] == "mine"
    assert len(statuses) == 6


def test_kind_filters(world: World, api_member):
    response = api_member.get(
        f"/floors/{world.site.floor.pk}/availability", kind="room", **world.window()
    )

    assert _statuses(response) == {world.site.room.pk: "free"}


def test_times_come_back_in_utc(world: World, api_member):
    response = api_member.get(
        f"/floors/{world.site.floor.pk}/availability",
        starts_at="2030-06-01T10:00:00+02:00",
        ends_at="2030-06-01T12:00:00+02:00",
    )

    assert response.data["starts_at"] in ("2030-06-01T08:00:00Z", "2030-06-01T08:00:00+00:00")


def test_the_query_count_does_not_grow_with_the_floor(world: World, api_member, tenant):
    path = f"/floors/{world.site.floor.pk}/availability"
    window = _at_booking_time()
    api_member.get(path, **window)  # warm caches (content types, sessions)

    with CaptureQueriesContext(connection) as small:
        api_member.get(path, **window)
    with tenant_context(tenant):
        for i in range(40):
            Resource.objects.create(floor=world.site.floor, name=f"More{i}")
    with CaptureQueriesContext(connection) as large:
        response = api_member.get(path, **window)

    assert len(response.data["resources"]) == 45
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_hand_serialised_answer_matches_the_documented_schema(world: World, api_member):
    """The endpoint skips response validation for speed; the answer must still be exactly
    what AvailabilityOut documents — no field more, none less, every type right."""
    from deskwerk.bookings.api import AvailabilityItem, AvailabilityOut

    response = api_member.get(f"/floors/{world.site.floor.pk}/availability", **_at_booking_time())
    assert response.status_code == 200
    parsed = AvailabilityOut.model_validate(response.data)
    assert set(response.data) == set(AvailabilityOut.model_fields)
    for item in response.data["resources"]:
        assert set(item) == set(AvailabilityItem.model_fields)
    assert len(parsed.resources) == len(response.data["resources"]) > 0
