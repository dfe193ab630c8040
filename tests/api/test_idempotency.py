"""``Idempotency-Key`` on the POSTs that create bookings: a retry never books twice."""

from __future__ import annotations

import json

import pytest

from deskwerk.api.models import IdempotencyKey
from tests.api.conftest import assert_problem, booking_count, snapshot
from tests.conftest import future

pytestmark = pytest.mark.django_db


def _body(site, desk: int = 0, day: int = 2) -> dict[str, object]:
    return {
        "resource_id": site.desks[desk].pk,
        "starts_at": future(day, 9).isoformat(),
        "ends_at": future(day, 12).isoformat(),
    }


def test_a_retry_returns_the_same_booking_and_books_once(api_member, site):
    first = api_member.post("/bookings", _body(site), **{"Idempotency-Key": "k-1"})
    retry = api_member.post("/bookings", _body(site), **{"Idempotency-Key": "k-1"})

    assert first.status_code == retry.status_code == 201
    assert retry.data == first.data
    assert booking_count() == 1


def test_without_a_key_a_retry_is_a_conflict(api_member, site):
    api_member.post("/bookings", _body(site))

    assert_problem(api_member.post("/bookings", _body(site)), 409, "booking_conflict")
    assert booking_count() == 1


def test_the_same_body_spelled_differently_is_the_same_request(api_member, site):
    body = _body(site)
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=2)

    first = api_member.post("/bookings", body, **{"Idempotency-Key": "k-1"})
    retry = api_member.post("/bookings", reordered, **{"Idempotency-Key": "k-1"})

    assert retry.status_code == 201
    assert retry.data["id"] == first.data["id"]
    assert booking_count() == 1


def test_the_key_with_a_different_body_is_refused(api_member, site):
    api_member.post("/bookings", _body(site), **{"Idempotency-Key": "k-1"})
    before = snapshot()

    response = api_member.post(
        "/bookings", _body(site, desk=1, day=3), **{"Idempotency-Key": "k-1"}
    )

    assert_problem(response, 422, "idempotency_key_reused")
    assert snapshot() == before


def test_the_key_on_another_endpoint_is_refused(api_member, site):
    api_member.post("/bookings", _body(site), **{"Idempotency-Key": "k-1"})

    response = api_member.post(
        "/bookings/days",
        {"resource_id": site.desks[1].pk, "days": [str(future(5).date())]},
        **{"Idempotency-Key": "k-1"},
    )

    assert_problem(response, 422, "idempotency_key_reused")
    assert booking_count() == 1


def test_keys_are_per_user(api_member, api_owner, member, owner, site):
    """Two people picking the same key each get their own booking, never each other's."""
    mine = api_member.post("/bookings", _body(site, desk=0), **{"Idempotency-Key": "same"})
    theirs = api_owner.post("/bookings", _body(site, desk=1), **{"Idempotency-Key": "same"})

    assert mine.status_code == theirs.status_code == 201
    assert mine.data["id"] != theirs.data["id"]
    assert mine.data["booked_for_id"] == member.pk
    assert theirs.data["booked_for_id"] == owner.pk
    assert booking_count() == 2


def test_keys_are_per_user_across_tenants(api_member, api_outsider, site, other_site):
    mine = api_member.post("/bookings", _body(site), **{"Idempotency-Key": "same"})
    theirs = api_outsider.post("/bookings", _body(other_site), **{"Idempotency-Key": "same"})

    assert mine.status_code == theirs.status_code == 201
    assert theirs.data["resource_id"] == other_site.desks[0].pk


def test_a_failed_request_is_not_remembered(api_member, api_owner, site):
    """A 409 rolls the key back with everything else: the retry, once the slot is free, books."""
    blocking = api_owner.post("/bookings", _body(site)).data
    refused = api_member.post("/bookings", _body(site), **{"Idempotency-Key": "k-1"})
    api_owner.post(f"/bookings/{blocking['id']}/cancel")

    retry = api_member.post("/bookings", _body(site), **{"Idempotency-Key": "k-1"})

    assert_problem(refused, 409, "booking_conflict")
    assert retry.status_code == 201
    assert IdempotencyKey.unscoped.count() == 1


def test_a_replay_answers_as_the_first_time_even_after_a_cancel(api_member, site):
    first = api_member.post("/bookings", _body(site), **{"Idempotency-Key": "k-1"}).data
    api_member.post(f"/bookings/{first['id']}/cancel")

    retry = api_member.post("/bookings", _body(site), **{"Idempotency-Key": "k-1"})

    assert retry.status_code == 201
    assert retry.data == first
    assert booking_count() == 1


def test_days_honour_the_key(api_member, site):
    body = {"resource_id": site.desks[0].pk, "days": [str(future(d).date()) for d in (20, 21)]}

    first = api_member.post("/bookings/days", body, **{"Idempotency-Key": "days-1"})
    retry = api_member.post("/bookings/days", body, **{"Idempotency-Key": "days-1"})

    assert first.status_code == retry.status_code == 201
    assert retry.data == first.data
    assert booking_count() == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "with space", "umlaut-ä", "tab\tkey"])
def test_a_malformed_key_is_refused(key, api_member, site):
    response = api_member.post("/bookings", _body(site), **{"Idempotency-Key": key})

    assert_problem(response, 422, "invalid_idempotency_key")
    assert booking_count() == 0


def test_the_stored_key_belongs_to_the_callers_tenant(api_member, site):
    api_member.post("/bookings", _body(site), **{"Idempotency-Key": "k-1"})

    [stored] = IdempotencyKey.unscoped.all()

    assert stored.tenant_id == site.location.tenant_id
    assert stored.status_code == 201
