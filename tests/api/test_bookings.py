"""The booking contract that clients and scripts rely on: create, get, list, change, cancel."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from deskwerk.bookings.models import Booking
from tests.api.conftest import assert_problem, booking_count, dt_utc, snapshot
from tests.conftest import future

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def _body(resource, start: dt.datetime, hours: int = 3, **extra: object) -> dict[str, object]:
    return {
        "resource_id": resource.pk,
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=hours)).isoformat(),
        **extra,
    }


def test_create_answers_201_with_the_booking_in_utc(api_member, member, site):
    start = future(2, 7).astimezone(dt.timezone(dt.timedelta(hours=2)))  # 09:00+02:00

    response = api_member.post("/bookings", _body(site.desks[0], start))

    assert response.status_code == 201, response.content
    data = response.data
    assert isinstance(data["id"], int)
    assert data["state"] == "confirmed"
    assert data["resource_id"] == site.desks[0].pk
    assert data["floor_id"] == site.floor.pk
    assert data["booked_for_id"] == data["booked_by_id"] == member.pk
    for name in ("starts_at", "ends_at", "created_at"):
        assert data[name].endswith(("Z", "+00:00")), data[name]
    assert dt_utc(data["starts_at"]) == start
    assert dt_utc(data["ends_at"]) == start + dt.timedelta(hours=3)
    stored = Booking.unscoped.get(pk=data["id"])
    assert (stored.starts_at, stored.booked_for_id) == (start, member.pk)


def test_get_returns_what_create_returned(api_member, site):
    created = api_member.post("/bookings", _body(site.desks[0], future(2, 9))).data

    fetched = api_member.get(f"/bookings/{created['id']}")

    assert fetched.status_code == 200
    assert fetched.data == created


def test_an_overlap_is_409_booking_conflict_and_not_stored(api_member, api_owner, site):
    assert api_member.post("/bookings", _body(site.desks[0], future(2, 9))).status_code == 201

    response = api_owner.post("/bookings", _body(site.desks[0], future(2, 11)))

    body = assert_problem(response, 409, "booking_conflict")
    assert body["detail"]
    assert booking_count() == 1


def test_back_to_back_is_no_conflict(api_member, api_owner, site):
    assert api_member.post("/bookings", _body(site.desks[0], future(2, 9))).status_code == 201

    assert api_owner.post("/bookings", _body(site.desks[0], future(2, 12))).status_code == 201


def test_one_person_holds_one_desk_at_a_time(api_member, site):
    assert api_member.post("/bookings", _body(site.desks[0], future(2, 9))).status_code == 201

    response = api_member.post("/bookings", _body(site.desks[1], future(2, 10)))

    assert_problem(response, 409, "person_conflict")
    assert booking_count() == 1


def test_cancel_frees_the_slot_and_is_idempotent(api_member, api_owner, site):
    booking = api_member.post("/bookings", _body(site.desks[0], future(2, 9))).data
    path = f"/bookings/{booking['id']}/cancel"

    first = api_member.post(path)
    second = api_member.post(path)
    rebooked = api_owner.post("/bookings", _body(site.desks[0], future(2, 9)))

    assert first.status_code == second.status_code == 200
    assert first.data["state"] == second.data["state"] == "cancelled"
    assert rebooked.status_code == 201


def test_patch_moves_a_booking(api_member, site):
    booking = api_member.post("/bookings", _body(site.desks[0], future(2, 9))).data

    response = api_member.patch(
        f"/bookings/{booking['id']}",
        {
            "resource_id": site.desks[1].pk,
            "starts_at": future(3, 13).isoformat(),
            "ends_at": future(3, 15).isoformat(),
            "note": "moved",
        },
    )

    assert response.status_code == 200, response.content
    assert response.data["id"] == booking["id"]
    assert response.data["resource_id"] == site.desks[1].pk
    assert dt_utc(response.data["starts_at"]) == future(3, 13)
    assert response.data["note"] == "moved"
    assert booking_count() == 1


def test_patch_into_an_occupied_slot_is_409_and_changes_nothing(api_member, api_owner, site):
    mine = api_member.post("/bookings", _body(site.desks[0], future(2, 9))).data
    api_owner.post("/bookings", _body(site.desks[1], future(2, 9)))
    before = snapshot()

    response = api_member.patch(f"/bookings/{mine['id']}", {"resource_id": site.desks[1].pk})

    assert_problem(response, 409, "booking_conflict")
    assert snapshot() == before


def test_a_cancelled_booking_cannot_be_changed(api_member, site):
    booking = api_member.post("/bookings", _body(site.desks[0], future(2, 9))).data
    api_member.post(f"/bookings/{booking['id']}/cancel")

    response = api_member.patch(f"/bookings/{booking['id']}", {"note": "too late"})

    assert_problem(response, 409, "booking_not_active")


def test_an_admin_books_for_a_colleague_who_then_sees_it(api_owner, api_member, member, site):
    response = api_owner.post(
        "/bookings", _body(site.desks[0], future(2, 9), booked_for_id=member.pk)
    )

    assert response.status_code == 201, response.content
    assert response.data["booked_for_id"] == member.pk
    assert [b["id"] for b in api_member.get("/bookings").data["items"]] == [response.data["id"]]


def test_a_member_cannot_book_for_a_colleague(api_member, owner, site):
    response = api_member.post(
        "/bookings", _body(site.desks[0], future(2, 9), booked_for_id=owner.pk)
    )

    assert_problem(response, 403, "cannot_book_for_others")
    assert booking_count() == 0


def test_list_filters_by_state_and_time(api_member, site):
    early = api_member.post("/bookings", _body(site.desks[0], future(2, 9))).data
    late = api_member.post("/bookings", _body(site.desks[0], future(5, 9))).data
    api_member.post(f"/bookings/{early['id']}/cancel")

    def ids(**params: str) -> list[int]:
        return [b["id"] for b in api_member.get("/bookings", **params).data["items"]]

    assert ids() == [early["id"], late["id"]]
    assert ids(state="cancelled") == [early["id"]]
    assert ids(state="confirmed") == [late["id"]]
    assert ids(starts_after=future(3).isoformat()) == [late["id"]]
    assert ids(starts_before=future(3).isoformat()) == [early["id"]]


def test_days_books_the_locations_working_hours(api_member, site):
    day = future(20).date()

    response = api_member.post(
        "/bookings/days", {"resource_id": site.desks[0].pk, "days": [str(day)]}
    )

    assert response.status_code == 201, response.content
    [booking] = response.data
    assert dt_utc(booking["starts_at"]) == dt.datetime.combine(day, dt.time(8), tzinfo=BERLIN)
    assert dt_utc(booking["ends_at"]) == dt.datetime.combine(day, dt.time(18), tzinfo=BERLIN)


def test_days_books_half_days(api_member, site):
    day = future(20).date()

    morning = api_member.post(
        "/bookings/days", {"resource_id": site.desks[0].pk, "days": [str(day)], "part": "morning"}
    ).data[0]

    assert dt_utc(morning["starts_at"]) == dt.datetime.combine(day, dt.time(8), tzinfo=BERLIN)
    assert dt_utc(morning["ends_at"]) == dt.datetime.combine(day, dt.time(13), tzinfo=BERLIN)


def test_days_are_all_or_nothing(api_member, api_owner, site):
    taken, free = future(20).date(), future(21).date()
    api_owner.post("/bookings/days", {"resource_id": site.desks[0].pk, "days": [str(taken)]})
    before = snapshot()

    response = api_member.post(
        "/bookings/days", {"resource_id": site.desks[0].pk, "days": [str(free), str(taken)]}
    )

    body = assert_problem(response, 409, "booking_conflict")
    assert body["day"] == str(taken)
    assert snapshot() == before


def test_days_books_several_days_as_one_booking_each(api_member, site):
    days = [str(future(d).date()) for d in (20, 21, 22)]

    response = api_member.post(
        "/bookings/days", {"resource_id": site.desks[0].pk, "days": [*days, days[0]]}
    )

    assert response.status_code == 201, response.content
    assert [b["starts_at"][:10] for b in response.data] == days
    assert booking_count() == 3
