"""Rate limits per API caller: headers on every counted answer, 429 past the limit."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine
from django.db import DatabaseError
from django.test import Client

from deskwerk.access import ratelimit
from deskwerk.access.models import RateLimitCounter
from tests.api.conftest import assert_problem
from tests.conftest import Api

pytestmark = pytest.mark.django_db

# The middle of a minute, so a test never straddles a window boundary by accident.
T0 = dt.datetime(2026, 3, 2, 9, 0, 20, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def test_every_answer_carries_the_ratelimit_headers(api_member, clock, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 50

    first = api_member.get("/bookings")
    second = api_member.get("/bookings")

    assert first["RateLimit-Limit"] == "50"
    assert first["RateLimit-Remaining"] == "49"
    assert second["RateLimit-Remaining"] == "48"
    assert first["RateLimit-Reset"] == "40"  # seconds to the end of the minute
    assert first["RateLimit-Policy"] == "50;w=60"


def test_past_the_limit_429_with_retry_after_then_the_window_resets(api_member, clock, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    for _ in range(3):
        assert api_member.get("/bookings").status_code == 200

    refused = api_member.get("/bookings")

    assert_problem(refused, 429, "rate_limited")
    assert refused["Retry-After"] == "40"
    assert refused["RateLimit-Remaining"] == "0"
    clock.shift(40)
    again = api_member.get("/bookings")
    assert again.status_code == 200
    assert again["RateLimit-Remaining"] == "2"
    # The caller's old window was dropped when the new one started.
    assert RateLimitCounter.objects.count() == 1


def test_each_token_has_its_own_count(member, clock, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 1
    one, two = Api(member), Api(member)

    assert one.get("/bookings").status_code == 200
    assert one.get("/bookings").status_code == 429
    assert two.get("/bookings").status_code == 200


def test_session_users_are_limited_too(member, clock, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 1
    client = Client()
    client.force_login(member)

    assert client.get("/api/v1/bookings")["RateLimit-Remaining"] == "0"
    assert client.get("/api/v1/bookings").status_code == 429


def test_unauthenticated_answers_are_not_counted(client):
    response = client.get("/api/v1/bookings")

    assert response.status_code == 401
    assert "RateLimit-Limit" not in response
    assert not RateLimitCounter.objects.exists()


def test_a_failing_store_lets_the_request_through(api_member, monkeypatch, caplog):
    def broken(bucket: str, window: int) -> int:
        raise DatabaseError("store down")

    monkeypatch.setattr(ratelimit, "_increment", broken)

    response = api_member.get("/bookings")

    assert response.status_code == 200
    assert "RateLimit-Limit" not in response
    assert "rate limit store unavailable" in caplog.text


def test_the_counter_costs_one_statement_per_request(api_member, django_assert_max_num_queries):
    api_member.get("/bookings")  # the first request of the window also drops old windows
    started = time.perf_counter()
    for _ in range(200):
        ratelimit._increment("t:bench", 1)
    per_call = (time.perf_counter() - started) / 200
    assert per_call < 0.01  # generous: measured 0.05 ms (SQLite) / 0.44 ms (PostgreSQL)
    with django_assert_max_num_queries(1):
        ratelimit._increment("t:bench", 1)
