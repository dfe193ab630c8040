from __future__ import annotations

import datetime as dt

import pytest

from deskwerk.bookings.models import Booking
from deskwerk.bookings.services import booking_cancel, booking_change, booking_create
from deskwerk.core.errors import BookingConflict, Conflict, Forbidden, InvalidInput, NotFound
from tests.conftest import future


def test_it_creates_a_booking_in_utc(bound, member, site):
    berlin = dt.timezone(dt.timedelta(hours=1))
    start = future(2).astimezone(berlin)
    booking = booking_create(
        actor=member, resource=site.desks[0], starts_at=start, ends_at=start + dt.timedelta(hours=4)
    )
    booking.refresh_from_db()
    assert booking.starts_at == start
    assert booking.starts_at.utcoffset() == dt.timedelta(0)
    assert booking.floor_id == site.floor.pk
    assert booking.state == Booking.State.CONFIRMED


def test_it_refuses_an_overlap(bound, member, owner, site):
    booking_create(
        actor=member, resource=site.desks[0], starts_at=future(1, 9), ends_at=future(1, 12)
    )
    with pytest.raises(BookingConflict):
        booking_create(
            actor=owner, resource=site.desks[0], starts_at=future(1, 11), ends_at=future(1, 13)
        )
    assert Booking.objects.count() == 1


def test_it_allows_back_to_back(bound, member, owner, site):
    booking_create(
        actor=member, resource=site.desks[0], starts_at=future(1, 9), ends_at=future(1, 12)
    )
    booking_create(
        actor=owner, resource=site.desks[0], starts_at=future(1, 12), ends_at=future(1, 14)
    )
    assert Booking.objects.count() == 2


def test_it_frees_the_slot_on_cancel(bound, member, owner, site):
    first = booking_create(
        actor=member, resource=site.desks[0], starts_at=future(1, 9), ends_at=future(1, 12)
    )
    booking_cancel(actor=member, booking=first)
    booking_create(
        actor=owner, resource=site.desks[0], starts_at=future(1, 9), ends_at=future(1, 12)
    )


def test_it_refuses_two_desks_at_once_for_one_person(bound, member, site):
    booking_create(
        actor=member, resource=site.desks[0], starts_at=future(1, 9), ends_at=future(1, 12)
    )
    with pytest.raises(BookingConflict) as exc:
        booking_create(
            actor=member, resource=site.desks[1], starts_at=future(1, 10), ends_at=future(1, 11)
        )
    assert exc.value.code == "person_conflict"
    # A room is another kind: allowed alongside the desk.
    booking_create(actor=member, resource=site.room, starts_at=future(1, 10), ends_at=future(1, 11))


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (future(1, 12), future(1, 9), "end_before_start"),
        (future(1, 12), future(1, 12), "end_before_start"),
        (future(1, 0), future(3, 0), "duration_too_long"),
        (future(-2, 9), future(-2, 10), "booking_in_past"),
        (future(800, 9), future(800, 10), "beyond_horizon"),
        (future(1, 9).replace(tzinfo=None), future(1, 10), "naive_datetime"),
    ],
)
def test_it_refuses_bad_intervals(bound, member, site, start, end, code):
    with pytest.raises(InvalidInput) as exc:
        booking_create(actor=member, resource=site.desks[0], starts_at=start, ends_at=end)
    assert exc.value.code == code
    assert Booking.objects.count() == 0


def test_members_cannot_book_for_colleagues_but_admins_can(bound, member, owner, site):
    with pytest.raises(Forbidden):
        booking_create(
            actor=member,
            resource=site.desks[0],
            starts_at=future(1, 9),
            ends_at=future(1, 10),
            booked_for=owner,
        )
    booking = booking_create(
        actor=owner,
        resource=site.desks[0],
        starts_at=future(1, 9),
        ends_at=future(1, 10),
        booked_for=member,
    )
    assert booking.booked_for == member
    assert booking.booked_by == owner


def test_it_refuses_foreign_resources(bound, member, other_site):
    with pytest.raises(NotFound):
        booking_create(
            actor=member,
            resource=other_site.desks[0],
            starts_at=future(1, 9),
            ends_at=future(1, 10),
        )


def test_change_moves_and_checks_conflicts(bound, member, owner, site):
    mine = booking_create(
        actor=member, resource=site.desks[0], starts_at=future(1, 9), ends_at=future(1, 10)
    )
    booking_create(
        actor=owner, resource=site.desks[1], starts_at=future(1, 9), ends_at=future(1, 10)
    )
    with pytest.raises(BookingConflict):
        booking_change(actor=member, booking=mine, resource=site.desks[1])
    moved = booking_change(
        actor=member, booking=mine, starts_at=future(1, 10), ends_at=future(1, 12)
    )
    moved.refresh_from_db()
    assert (moved.starts_at, moved.ends_at) == (future(1, 10), future(1, 12))
    # Moving within its own old interval does not conflict with itself.
    booking_change(actor=member, booking=moved, starts_at=future(1, 11))


def test_change_of_a_cancelled_booking_is_refused(bound, member, site):
    booking = booking_create(
        actor=member, resource=site.desks[0], starts_at=future(1, 9), ends_at=future(1, 10)
    )
    booking_cancel(actor=member, booking=booking)
    booking.refresh_from_db()
    with pytest.raises(Conflict) as exc:
        booking_change(actor=member, booking=booking, note="x")
    assert exc.value.code == "booking_not_active"


def test_cancel_twice_is_harmless(bound, member, site):
    booking = booking_create(
        actor=member, resource=site.desks[0], starts_at=future(1, 9), ends_at=future(1, 10)
    )
    booking_cancel(actor=member, booking=booking)
    again = booking_cancel(actor=member, booking=booking)
    assert again.state == Booking.State.CANCELLED


def test_someone_elses_booking_is_not_found(bound, member, owner, site):
    theirs = booking_create(
        actor=owner, resource=site.desks[0], starts_at=future(1, 9), ends_at=future(1, 10)
    )
    with pytest.raises(NotFound):
        booking_cancel(actor=member, booking=theirs)
