"""Two copies of one request, sent at the same moment, book once."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from deskwerk.bookings.models import Booking
from tests.conftest import Api, future


@pytest.mark.django_db(transaction=True)
def test_simultaneous_retries_with_one_key_book_once(member, site):
    api = Api(member)
    body = json.dumps(
        {
            "resource_id": site.desks[0].pk,
            "starts_at": future(3, 9).isoformat(),
            "ends_at": future(3, 11).isoformat(),
        }
    )
    barrier = threading.Barrier(8)
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def send() -> None:
        try:
            client = Client(HTTP_AUTHORIZATION=f"Bearer {api.secret}")
            barrier.wait()
            response = client.post(
                "/api/v1/bookings",
                body,
                content_type="application/json",
                headers={"Idempotency-Key": "retry-42"},
            )
            with lock:
                answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(answers) == 8
    assert {status for status, _ in answers} == {201}, answers
    assert len({data["id"] for _, data in answers}) == 1
    assert Booking.unscoped.filter(resource=site.desks[0]).count() == 1
