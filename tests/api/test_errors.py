"""Bad input: a clear 4xx problem+json with a stable code, nothing written, never a 500."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from deskwerk.spaces.models import Amenity, Resource
from deskwerk.tenancy.context import tenant_context
from tests.api.conftest import World, assert_problem, snapshot
from tests.conftest import Site, future

pytestmark = pytest.mark.django_db


def _booking(w: World, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "resource_id": w.site.desks[2].pk,
        "starts_at": future(3, 9).isoformat(),
        "ends_at": future(3, 12).isoformat(),
    }
    body.update(overrides)
    return body


def _naive(days: int, hour: int) -> str:
    return future(days, hour).replace(tzinfo=None).isoformat()


Case = tuple[str, str, Callable[[World], Any], int, str]

# (method, path, JSON body or raw bytes, status, code). Paths are formatted with World.ids.
CASES: dict[str, Case] = {
    # POST /bookings
    "booking wrong type": (
        "POST",
        "/bookings",
        lambda w: _booking(w, resource_id="desk"),
        422,
        "validation_error",
    ),
    "booking not a time": (
        "POST",
        "/bookings",
        lambda w: _booking(w, starts_at="tomorrow"),
        422,
        "validation_error",
    ),
    "booking missing field": (
        "POST",
        "/bookings",
        lambda w: {"resource_id": w.site.desks[0].pk},
        422,
        "validation_error",
    ),
    "booking naive start": (
        "POST",
        "/bookings",
        lambda w: _booking(w, starts_at=_naive(3, 9)),
        422,
        "validation_error",
    ),
    "booking naive end": (
        "POST",
        "/bookings",
        lambda w: _booking(w, ends_at=_naive(3, 12)),
        422,
        "validation_error",
    ),
    "booking end before start": (
        "POST",
        "/bookings",
        lambda w: _booking(w, ends_at=future(3, 8).isoformat()),
        422,
        "end_before_start",
    ),
    "booking end equals start": (
        "POST",
        "/bookings",
        lambda w: _booking(w, ends_at=future(3, 9).isoformat()),
        422,
        "end_before_start",
    ),
    "booking too long": (
        "POST",
        "/bookings",
        lambda w: _booking(w, ends_at=future(4, 10).isoformat()),
        422,
        "duration_too_long",
    ),
    "booking in the past": (
        "POST",
        "/bookings",
        lambda w: _booking(
            w, starts_at=future(-2, 9).isoformat(), ends_at=future(-2, 10).isoformat()
        ),
        422,
        "booking_in_past",
    ),
    "booking beyond horizon": (
        "POST",
        "/bookings",
        lambda w: _booking(
            w, starts_at=future(400, 9).isoformat(), ends_at=future(400, 10).isoformat()
        ),
        422,
        "beyond_horizon",
    ),
    "booking unknown field": (
        "POST",
        "/bookings",
        lambda w: _booking(w, state="checked_in"),
        422,
        "validation_error",
    ),
    "booking note too long": (
        "POST",
        "/bookings",
        lambda w: _booking(w, note="x" * 501),
        422,
        "validation_error",
    ),
    "booking foreign resource": (
        "POST",
        "/bookings",
        lambda w: _booking(w, resource_id=w.foreign["resource"]),
        404,
        "not_found",
    ),
    "booking missing resource": (
        "POST",
        "/bookings",
        lambda w: _booking(w, resource_id=10**9),
        404,
        "not_found",
    ),
    "booking huge resource id": (
        "POST",
        "/bookings",
        lambda w: _booking(w, resource_id=2**70),
        404,
        "not_found",
    ),
    "booking for a foreign person": (
        "POST",
        "/bookings",
        lambda w: _booking(w, booked_for_id=w.foreign["person"]),
        404,
        "not_found",
    ),
    "booking not bookable": (
        "POST",
        "/bookings",
        lambda w: _booking(w, resource_id=w.unbookable.pk),
        409,
        "resource_not_bookable",
    ),
    "booking body is a list": ("POST", "/bookings", lambda w: [1, 2], 422, "validation_error"),
    "booking body is a string": ("POST", "/bookings", lambda w: "hello", 422, "validation_error"),
    "booking malformed json": (
        "POST",
        "/bookings",
        lambda w: b'{"resource_id": 1,',
        400,
        "malformed_json",
    ),
    "booking not utf-8": (
        "POST",
        "/bookings",
        lambda w: b'{"note": "\xff\xfe"}',
        400,
        "malformed_json",
    ),
    "booking year one": (
        "POST",
        "/bookings",
        lambda w: _booking(
            w, starts_at="0001-01-01T01:00:00+02:00", ends_at="0001-01-01T02:00:00+02:00"
        ),
        422,
        "validation_error",
    ),
    "booking year 9999": (
        "POST",
        "/bookings",
        lambda w: _booking(
            w, starts_at="9999-12-31T20:00:00-05:00", ends_at="9999-12-31T21:00:00-05:00"
        ),
        422,
        "validation_error",
    ),
    "booking nested too deep": (
        "POST",
        "/bookings",
        lambda w: b"[" * 30_000 + b"]" * 30_000,
        400,
        "malformed_json",
    ),
    "booking NUL in note": (  # PostgreSQL cannot store NUL: must not become a 500 there
        "POST",
        "/bookings",
        lambda w: _booking(w, note="a\x00b"),
        422,
        "validation_error",
    ),
    "location NUL in name": (
        "POST",
        "/locations",
        lambda w: {"name": "HQ\x00"},
        422,
        "validation_error",
    ),
    "booking empty body": ("POST", "/bookings", lambda w: b"", 422, "validation_error"),
    # POST /bookings/days
    "days none": (
        "POST",
        "/bookings/days",
        lambda w: {"resource_id": w.site.desks[0].pk, "days": []},
        422,
        "validation_error",
    ),
    "days too many": (
        "POST",
        "/bookings/days",
        lambda w: {
            "resource_id": w.site.desks[0].pk,
            "days": [str(future(d).date()) for d in range(1, 40)],
        },
        422,
        "validation_error",
    ),
    "days bad part": (
        "POST",
        "/bookings/days",
        lambda w: {
            "resource_id": w.site.desks[0].pk,
            "days": [str(future(2).date())],
            "part": "evening",
        },
        422,
        "validation_error",
    ),
    "days bad date": (
        "POST",
        "/bookings/days",
        lambda w: {"resource_id": w.site.desks[0].pk, "days": ["2025-02-30"]},
        422,
        "validation_error",
    ),
    "days in the past": (
        "POST",
        "/bookings/days",
        lambda w: {"resource_id": w.site.desks[0].pk, "days": [str(future(-3).date())]},
        422,
        "booking_in_past",
    ),
    "days far future": (  # -11:00 at the end of year 9999 would overflow in UTC
        "POST",
        "/bookings/days",
        lambda w: {"resource_id": w.pacific.pk, "days": ["9999-12-31"]},
        422,
        "validation_error",
    ),
    "days year one": (
        "POST",
        "/bookings/days",
        lambda w: {"resource_id": w.pacific.pk, "days": ["0001-01-01"]},
        422,
        "validation_error",
    ),
    "days foreign resource": (
        "POST",
        "/bookings/days",
        lambda w: {"resource_id": w.foreign["resource"], "days": [str(future(2).date())]},
        404,
        "not_found",
    ),
    # PATCH /bookings/{id}
    "patch naive": (
        "PATCH",
        "/bookings/{booking}",
        lambda w: {"starts_at": _naive(2, 8)},
        422,
        "validation_error",
    ),
    "patch end before start": (
        "PATCH",
        "/bookings/{booking}",
        lambda w: {"ends_at": future(2, 8).isoformat()},
        422,
        "end_before_start",
    ),
    "patch too long": (
        "PATCH",
        "/bookings/{booking}",
        lambda w: {"ends_at": future(4, 9).isoformat()},
        422,
        "duration_too_long",
    ),
    "patch unknown field": (
        "PATCH",
        "/bookings/{booking}",
        lambda w: {"booked_for_id": w.ids["booking"]},
        422,
        "validation_error",
    ),
    "patch foreign resource": (
        "PATCH",
        "/bookings/{booking}",
        lambda w: {"resource_id": w.foreign["resource"]},
        404,
        "not_found",
    ),
    "patch conflict": (
        "PATCH",
        "/bookings/{booking}",
        lambda w: {"resource_id": w.site.desks[1].pk},
        409,
        "booking_conflict",
    ),
    "patch malformed json": (
        "PATCH",
        "/bookings/{booking}",
        lambda w: b"{nope",
        400,
        "malformed_json",
    ),
    "patch missing booking": (
        "PATCH",
        "/bookings/999999999",
        lambda w: {"note": "x"},
        404,
        "not_found",
    ),
    # spaces
    "location unknown field": (
        "POST",
        "/locations",
        lambda w: {"name": "X", "owner": "me"},
        422,
        "validation_error",
    ),
    "location bad time zone": (
        "POST",
        "/locations",
        lambda w: {"name": "X", "timezone": "Mars/Olympus"},
        422,
        "validation_error",
    ),
    "location empty name": ("POST", "/locations", lambda w: {"name": ""}, 422, "validation_error"),
    "location name too long": (
        "POST",
        "/locations",
        lambda w: {"name": "x" * 201},
        422,
        "validation_error",
    ),
    "location bad time": (
        "POST",
        "/locations",
        lambda w: {"name": "X", "work_day_start": "25:00"},
        422,
        "validation_error",
    ),
    "location day ends before it starts": (
        "POST",
        "/locations",
        lambda w: {"name": "X", "work_day_start": "18:00", "work_day_end": "08:00"},
        422,
        "validation_error",
    ),
    "location duplicate name": (
        "POST",
        "/locations",
        lambda w: {"name": w.site.location.name},
        409,
        "duplicate",
    ),
    "location patch day order": (
        "PATCH",
        "/locations/{location}",
        lambda w: {"work_day_end": "07:00"},
        422,
        "validation_error",
    ),
    "location patch bad zone": (
        "PATCH",
        "/locations/{location}",
        lambda w: {"timezone": "Nowhere"},
        422,
        "validation_error",
    ),
    "location in use": ("DELETE", "/locations/{location}", lambda w: None, 409, "in_use"),
    "building foreign location": (
        "POST",
        "/buildings",
        lambda w: {"location_id": w.foreign["location"], "name": "X"},
        404,
        "not_found",
    ),
    "building wrong type": (
        "POST",
        "/buildings",
        lambda w: {"location_id": "one", "name": "X"},
        422,
        "validation_error",
    ),
    "building missing parent": (
        "POST",
        "/buildings",
        lambda w: {"name": "X"},
        422,
        "validation_error",
    ),
    "building move": (
        "PATCH",
        "/buildings/{building}",
        lambda w: {"location_id": w.ids["spare_location"]},
        422,
        "validation_error",
    ),
    "floor foreign building": (
        "POST",
        "/floors",
        lambda w: {"building_id": w.foreign["building"], "name": "X"},
        404,
        "not_found",
    ),
    "floor level out of range": (
        "POST",
        "/floors",
        lambda w: {"building_id": w.ids["building"], "name": "X", "level": 1000},
        422,
        "validation_error",
    ),
    "floor in use": ("DELETE", "/floors/{floor}", lambda w: None, 409, "in_use"),
    "zone foreign floor": (
        "POST",
        "/zones",
        lambda w: {"floor_id": w.foreign["floor"], "name": "X"},
        404,
        "not_found",
    ),
    "amenity bad code": (
        "POST",
        "/amenities",
        lambda w: {"code": "Not Ok!", "name": "X"},
        422,
        "validation_error",
    ),
    "amenity duplicate code": (
        "POST",
        "/amenities",
        lambda w: {"code": "monitor", "name": "X"},
        409,
        "duplicate",
    ),
    "resource foreign floor": (
        "POST",
        "/resources",
        lambda w: {"floor_id": w.foreign["floor"], "name": "X"},
        404,
        "not_found",
    ),
    "resource foreign zone": (
        "POST",
        "/resources",
        lambda w: {"floor_id": w.ids["floor"], "zone_id": w.foreign["zone"], "name": "X"},
        404,
        "not_found",
    ),
    "resource zone of another floor": (
        "POST",
        "/resources",
        lambda w: {"floor_id": w.ids["spare_floor"], "zone_id": w.ids["zone"], "name": "X"},
        422,
        "zone_floor_mismatch",
    ),
    "resource foreign amenity": (
        "POST",
        "/resources",
        lambda w: {"floor_id": w.ids["floor"], "name": "X", "amenity_ids": [w.foreign["amenity"]]},
        422,
        "unknown_amenity",
    ),
    "resource bad kind": (
        "POST",
        "/resources",
        lambda w: {"floor_id": w.ids["floor"], "name": "X", "kind": "sofa"},
        422,
        "validation_error",
    ),
    "resource zero capacity": (
        "POST",
        "/resources",
        lambda w: {"floor_id": w.ids["floor"], "name": "X", "capacity": 0},
        422,
        "validation_error",
    ),
    "resource negative position": (
        "POST",
        "/resources",
        lambda w: {"floor_id": w.ids["floor"], "name": "X", "pos_x": -1},
        422,
        "validation_error",
    ),
    "resource not a number": (
        "POST",
        "/resources",
        lambda w: {"floor_id": w.ids["floor"], "name": "X", "pos_x": "NaN"},
        422,
        "validation_error",
    ),
    "resource patch foreign zone": (
        "PATCH",
        "/resources/{resource}",
        lambda w: {"zone_id": w.foreign["zone"]},
        404,
        "not_found",
    ),
    "resource patch foreign amenity": (
        "PATCH",
        "/resources/{resource}",
        lambda w: {"amenity_ids": [w.foreign["amenity"]]},
        422,
        "unknown_amenity",
    ),
    "resource in use": ("DELETE", "/resources/{resource}", lambda w: None, 409, "in_use"),
    # GET parameters
    "availability naive": (
        "GET",
        "/floors/{floor}/availability",
        lambda w: {"starts_at": _naive(2, 8), "ends_at": _naive(2, 9)},
        422,
        "validation_error",
    ),
    "availability end before start": (
        "GET",
        "/floors/{floor}/availability",
        lambda w: {"starts_at": future(2, 9).isoformat(), "ends_at": future(2, 8).isoformat()},
        422,
        "end_before_start",
    ),
    "availability too long": (
        "GET",
        "/zones/{zone}/availability",
        lambda w: {"starts_at": future(2, 9).isoformat(), "ends_at": future(40, 8).isoformat()},
        422,
        "window_too_long",
    ),
    "availability missing window": (
        "GET",
        "/buildings/{building}/availability",
        lambda w: {},
        422,
        "validation_error",
    ),
    "availability bad kind": (
        "GET",
        "/floors/{floor}/availability",
        lambda w: {**w.window(), "kind": "sofa"},
        422,
        "validation_error",
    ),
    "availability year one": (
        "GET",
        "/floors/{floor}/availability",
        lambda w: {
            "starts_at": "0001-01-01T00:00:00+00:00",
            "ends_at": "0001-01-02T00:00:00+00:00",
        },
        422,
        "validation_error",
    ),
    "availability year 9999": (
        "GET",
        "/buildings/{building}/availability",
        lambda w: {
            "starts_at": "9999-12-31T10:00:00-05:00",
            "ends_at": "9999-12-31T20:00:00-05:00",
        },
        422,
        "validation_error",
    ),
    "list year one": (
        "GET",
        "/bookings",
        lambda w: {"starts_after": "0001-01-01T01:00:00+02:00"},
        422,
        "validation_error",
    ),
    "list year 9999": (
        "GET",
        "/bookings",
        lambda w: {"starts_before": "9999-12-31T20:00:00-05:00"},
        422,
        "validation_error",
    ),
    "availability foreign floor": (
        "GET",
        "/floors/{foreign_floor}/availability",
        lambda w: w.window(),
        404,
        "not_found",
    ),
    "list bad limit type": (
        "GET",
        "/resources",
        lambda w: {"limit": "many"},
        422,
        "validation_error",
    ),
    "list bad filter type": (
        "GET",
        "/resources",
        lambda w: {"floor_id": "first"},
        422,
        "validation_error",
    ),
    "list bad state": ("GET", "/bookings", lambda w: {"state": "lost"}, 422, "validation_error"),
    "list naive filter": (
        "GET",
        "/bookings",
        lambda w: {"starts_after": _naive(1, 0)},
        422,
        "validation_error",
    ),
    "id not a number": ("GET", "/locations/first", lambda w: None, 422, "validation_error"),
    "unknown api path": ("GET", "/nothing-here", lambda w: None, 404, "not_found"),
    "trailing slash": ("GET", "/locations/", lambda w: None, 404, "not_found"),
}


@pytest.fixture
def bad_world(world: World, other_site, outsider) -> World:
    """``world`` plus ids from the other tenant and an unbookable resource."""
    with tenant_context(world.tenant):
        world.unbookable = Resource.objects.create(
            floor=world.site.floor, name="Broken", bookable=False
        )
    with tenant_context(other_site.location.tenant):
        amenity = Amenity.objects.create(code="foreign", name="Foreign")
    world.foreign = {
        "location": other_site.location.pk,
        "building": other_site.building.pk,
        "floor": other_site.floor.pk,
        "zone": other_site.zone.pk,
        "resource": other_site.desks[0].pk,
        "amenity": amenity.pk,
        "person": outsider.pk,
    }
    world.ids["foreign_floor"] = other_site.floor.pk
    world.pacific = Site(world.tenant, "Pacific/Pago_Pago").desks[0]
    return world


def _send(client: Client, method: str, path: str, body: Any) -> Any:
    if method == "GET":
        return client.get(path, body or {})
    data = body if isinstance(body, bytes) else json.dumps(body) if body is not None else ""
    return client.generic(method, path, data, content_type="application/json")


@pytest.mark.parametrize("case", CASES, ids=str)
def test_bad_input_gets_a_problem_and_writes_nothing(case, bad_world, api_owner, caplog):
    method, path, body, status, code = CASES[case]
    before = snapshot()

    with caplog.at_level(logging.WARNING):
        response = _send(
            api_owner.client, method, "/api/v1" + path.format(**bad_world.ids), body(bad_world)
        )

    assert_problem(response, status, code)
    assert snapshot() == before
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_an_oversized_body_is_413_and_writes_nothing(world, api_owner, caplog):
    body = json.dumps(
        {
            "resource_id": world.site.desks[2].pk,
            "starts_at": future(3, 9).isoformat(),
            "ends_at": future(3, 10).isoformat(),
            "note": "x" * 70_000,
        }
    )
    before = snapshot()

    with caplog.at_level(logging.WARNING):
        response = api_owner.post("/bookings", body)

    assert_problem(response, 413, "payload_too_large")
    assert snapshot() == before
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_an_unsupported_method_is_405_and_writes_nothing(world, api_owner):
    """ninja's own 405 is turned into problem+json; ``Allow`` survives; nothing changes."""
    before = snapshot()

    response = api_owner.client.put(
        f"/api/v1/locations/{world.ids['location']}", '{"name": "X"}', "application/json"
    )

    assert_problem(response, 405, "method_not_allowed")
    assert "PATCH" in response["Allow"]
    assert snapshot() == before


def test_an_oversized_malformed_body_is_still_413(api_owner):
    assert_problem(api_owner.post("/bookings", "{" * 100_000), 413, "payload_too_large")
