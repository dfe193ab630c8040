"""Cursor pagination: every item exactly once across pages, and bad cursors are refused."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from deskwerk.bookings.services import booking_create
from deskwerk.spaces.models import Floor, Resource
from deskwerk.tenancy.context import tenant_context
from tests.api.conftest import assert_problem
from tests.conftest import future

pytestmark = pytest.mark.django_db


def _walk(api: Any, path: str, limit: int, **params: Any) -> list[int]:
    ids: list[int] = []
    cursor = None
    for _ in range(100):
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        response = api.get(path, **query)
        assert response.status_code == 200, response.content
        page = response.data
        assert len(page["items"]) <= limit
        ids += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return ids
    raise AssertionError("pagination did not end")


def _cursor(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.fixture
def many_resources(site, tenant) -> list[int]:
    with tenant_context(tenant):
        floor = Floor.objects.create(building=site.building, name="2", level=2)
        for i in range(9):
            Resource.objects.create(floor=floor, name=f"E{i}")
        return list(Resource.objects.order_by("id").values_list("id", flat=True))


@pytest.mark.parametrize("limit", [1, 2, 3, 13, 14, 200])
def test_walking_resources_yields_each_once(limit, many_resources, api_member):
    assert _walk(api_member, "/resources", limit) == many_resources


def test_walking_with_a_filter_yields_each_once(many_resources, site, api_member):
    expected = sorted(r.pk for r in [*site.desks, site.room])

    assert _walk(api_member, "/resources", 2, floor_id=site.floor.pk) == expected


@pytest.mark.parametrize(
    "path", ["/locations", "/buildings", "/floors", "/zones", "/amenities", "/resources"]
)
def test_every_space_list_paginates(path, world, api_member):
    everything = [item["id"] for item in api_member.get(path).data["items"]]

    assert len(everything) >= 2
    assert _walk(api_member, path, 1) == everything


@pytest.fixture
def many_bookings(site, tenant, member) -> list[int]:
    """Bookings with equal start times (desk and room at once), so the id breaks ties."""
    with tenant_context(tenant):
        made = []
        for day in (3, 1, 2):
            for resource in (site.desks[0], site.room):
                made.append(
                    booking_create(
                        actor=member,
                        resource=resource,
                        starts_at=future(day, 9),
                        ends_at=future(day, 10),
                    )
                )
    made.sort(key=lambda b: (b.starts_at, b.pk))
    return [b.pk for b in made]


@pytest.mark.parametrize("limit", [1, 2, 4, 6, 7])
def test_walking_bookings_yields_each_once_in_time_order(limit, many_bookings, api_member):
    assert _walk(api_member, "/bookings", limit) == many_bookings


def test_a_booking_added_while_walking_does_not_shift_pages(many_bookings, api_member, site):
    first = api_member.get("/bookings", limit=2).data
    api_member.post(
        "/bookings",
        {
            "resource_id": site.desks[1].pk,
            "starts_at": future(1, 6).isoformat(),
            "ends_at": future(1, 7).isoformat(),
        },
    )

    rest = _walk(api_member, "/bookings", 2, cursor=first["next_cursor"])

    assert [b["id"] for b in first["items"]] + rest == many_bookings


BAD_CURSORS = {
    "not base64": "!!!",
    "not json": base64.urlsafe_b64encode(b"\xff\x00").decode(),
    "not a list": _cursor({"id": 1}),
    "wrong size": _cursor([1, 2, 3]),
    "string id": _cursor(["abc"]),
    "object id": _cursor([{"a": 1}]),
    "null id": _cursor([None]),
    "huge id": _cursor([2**70]),
    "bool id": _cursor([True]),
}


@pytest.mark.parametrize("cursor", BAD_CURSORS.values(), ids=BAD_CURSORS.keys())
def test_a_bad_space_cursor_is_422(cursor, site, api_member, caplog):
    assert_problem(api_member.get("/resources", cursor=cursor), 422, "invalid_cursor")
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


BAD_BOOKING_CURSORS = {
    "not base64": "!!!",
    "wrong size": _cursor([1]),
    "not a time": _cursor(["yesterday", 1]),
    "naive time": _cursor(["2030-01-01T09:00:00", 1]),
    "number time": _cursor([12, 1]),
    "string id": _cursor(["2030-01-01T09:00:00+00:00", "abc"]),
    "huge id": _cursor(["2030-01-01T09:00:00+00:00", 2**70]),
    "float id": _cursor(["2030-01-01T09:00:00+00:00", 1.5]),
}


@pytest.mark.parametrize("cursor", BAD_BOOKING_CURSORS.values(), ids=BAD_BOOKING_CURSORS.keys())
def test_a_bad_booking_cursor_is_422(cursor, many_bookings, api_member, caplog):
    assert_problem(api_member.get("/bookings", cursor=cursor), 422, "invalid_cursor")
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


@pytest.mark.parametrize("path", ["/resources", "/bookings"])
@pytest.mark.parametrize("limit", [0, -1, 201, 10**6])
def test_a_limit_out_of_range_is_422(path, limit, site, api_member):
    assert_problem(api_member.get(path, limit=limit), 422, "invalid_limit")


def test_a_cursor_from_another_list_gives_no_foreign_rows(site, other_site, api_outsider):
    """Cursors only say where to continue; the tenant filter still applies."""
    ids = _walk(api_outsider, "/resources", 1)

    assert set(ids) == {r.pk for r in [*other_site.desks, other_site.room]}
