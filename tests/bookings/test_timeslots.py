"""Working days in UTC: "full day" means the location's hours, on every day of the year."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from deskwerk.bookings.models import Booking
from deskwerk.bookings.services import MAX_DAYS_PER_REQUEST, booking_create, booking_create_days
from deskwerk.bookings.timeslots import DayPart, day_window
from deskwerk.core.errors import BookingConflict, InvalidInput
from deskwerk.spaces.models import Location
from tests.conftest import Site

FULL, MORNING, AFTERNOON = DayPart.FULL, DayPart.MORNING, DayPart.AFTERNOON


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def place(timezone: str, start: dt.time = dt.time(8), end: dt.time = dt.time(18)) -> Location:
    """An unsaved location: day_window needs only its zone and hours."""
    return Location(name=timezone, timezone=timezone, work_day_start=start, work_day_end=end)


BERLIN = place("Europe/Berlin")

# (day, part, expected UTC start hour:minute, expected UTC end hour:minute) for 08:00-18:00.
BERLIN_CASES = [
    # Winter (CET, +01:00).
    (dt.date(2027, 1, 15), FULL, (7, 0), (17, 0)),
    (dt.date(2027, 1, 15), MORNING, (7, 0), (12, 0)),
    (dt.date(2027, 1, 15), AFTERNOON, (12, 0), (17, 0)),
    # Summer (CEST, +02:00).
    (dt.date(2027, 7, 15), FULL, (6, 0), (16, 0)),
    (dt.date(2027, 7, 15), MORNING, (6, 0), (11, 0)),
    (dt.date(2027, 7, 15), AFTERNOON, (11, 0), (16, 0)),
    # The day before spring-forward is still winter; the jump day itself is summer by 08:00.
    (dt.date(2027, 3, 27), FULL, (7, 0), (17, 0)),
    (dt.date(2027, 3, 28), FULL, (6, 0), (16, 0)),
    (dt.date(2027, 3, 28), MORNING, (6, 0), (11, 0)),
    (dt.date(2027, 3, 28), AFTERNOON, (11, 0), (16, 0)),
    # Fall-back days: summer until 03:00, so working hours are winter time.
    (dt.date(2026, 10, 24), FULL, (6, 0), (16, 0)),
    (dt.date(2026, 10, 25), FULL, (7, 0), (17, 0)),
    (dt.date(2026, 10, 25), MORNING, (7, 0), (12, 0)),
    (dt.date(2026, 10, 25), AFTERNOON, (12, 0), (17, 0)),
    (dt.date(2027, 10, 31), FULL, (7, 0), (17, 0)),
    (dt.date(2027, 10, 31), AFTERNOON, (12, 0), (17, 0)),
]


@pytest.mark.parametrize(("day", "part", "start", "end"), BERLIN_CASES)
def test_berlin_working_hours_in_utc(day, part, start, end):
    starts_at, ends_at = day_window(BERLIN, day, part)
    assert (starts_at, ends_at) == (
        utc(day.year, day.month, day.day, *start),
        utc(day.year, day.month, day.day, *end),
    )
    assert starts_at.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize(
    "day", [dt.date(2027, 3, 28), dt.date(2026, 10, 25), dt.date(2027, 10, 31), dt.date(2027, 5, 3)]
)
def test_the_window_reads_as_local_working_hours(day):
    """Whatever the offset that day, the UTC window is 08:00-18:00 on the local clock."""
    starts_at, ends_at = day_window(BERLIN, day)
    local_start, local_end = starts_at.astimezone(BERLIN.zone), ends_at.astimezone(BERLIN.zone)
    assert (local_start.date(), local_start.time()) == (day, dt.time(8))
    assert (local_end.date(), local_end.time()) == (day, dt.time(18))
    assert ends_at - starts_at == dt.timedelta(hours=10)


def test_halves_meet_and_cover_the_day():
    for day in (dt.date(2027, 3, 28), dt.date(2026, 10, 25)):
        morning = day_window(BERLIN, day, MORNING)
        afternoon = day_window(BERLIN, day, AFTERNOON)
        assert morning[1] == afternoon[0]
        assert (morning[0], afternoon[1]) == day_window(BERLIN, day, FULL)


def test_working_hours_across_the_spring_jump():
    """Night shift 01:00-05:00 on 28 March 2027: 02:00-03:00 does not exist, 3 hours pass."""
    night = place("Europe/Berlin", dt.time(1), dt.time(5))
    day = dt.date(2027, 3, 28)
    assert day_window(night, day) == (utc(2027, 3, 28, 0), utc(2027, 3, 28, 3))
    # The wall-clock midpoint is 03:00 CEST.
    assert day_window(night, day, MORNING) == (utc(2027, 3, 28, 0), utc(2027, 3, 28, 1))
    assert day_window(night, day, AFTERNOON) == (utc(2027, 3, 28, 1), utc(2027, 3, 28, 3))


def test_working_hours_across_the_fall_back():
    """Night shift 01:00-05:00 on 25 October 2026: 02:00-03:00 happens twice, 5 hours pass."""
    night = place("Europe/Berlin", dt.time(1), dt.time(5))
    day = dt.date(2026, 10, 25)
    assert day_window(night, day) == (utc(2026, 10, 24, 23), utc(2026, 10, 25, 4))
    assert day_window(night, day, MORNING) == (utc(2026, 10, 24, 23), utc(2026, 10, 25, 2))


def test_a_start_in_the_skipped_hour_moves_forward():
    """02:30 does not exist on 28 March 2027 in Berlin; the window starts at 03:30 CEST."""
    odd = place("Europe/Berlin", dt.time(2, 30), dt.time(6))
    starts_at, ends_at = day_window(odd, dt.date(2027, 3, 28))
    assert (starts_at, ends_at) == (utc(2027, 3, 28, 1, 30), utc(2027, 3, 28, 4))
    assert starts_at.astimezone(odd.zone).time() == dt.time(3, 30)
    assert starts_at < ends_at


def test_an_ambiguous_start_takes_the_first_occurrence():
    """02:30 happens twice on 25 October 2026 in Berlin; the earlier (summer time) one counts."""
    odd = place("Europe/Berlin", dt.time(2, 30), dt.time(6))
    assert day_window(odd, dt.date(2026, 10, 25)) == (
        utc(2026, 10, 25, 0, 30),
        utc(2026, 10, 25, 5),
    )


@pytest.mark.parametrize(
    ("day", "part", "expected"),
    [
        # EST (-05:00), the day of the spring jump (EDT, -04:00), summer, the fall-back day.
        (dt.date(2027, 1, 15), FULL, (utc(2027, 1, 15, 13), utc(2027, 1, 15, 23))),
        (dt.date(2027, 3, 14), FULL, (utc(2027, 3, 14, 12), utc(2027, 3, 14, 22))),
        (dt.date(2027, 7, 15), MORNING, (utc(2027, 7, 15, 12), utc(2027, 7, 15, 17))),
        (dt.date(2026, 11, 1), FULL, (utc(2026, 11, 1, 13), utc(2026, 11, 1, 23))),
        (dt.date(2026, 10, 31), AFTERNOON, (utc(2026, 10, 31, 17), utc(2026, 10, 31, 22))),
    ],
)
def test_new_york(day, part, expected):
    assert day_window(place("America/New_York"), day, part) == expected


@pytest.mark.parametrize(
    ("part", "expected"),
    [
        # 09:00-17:30 at +05:30 is 03:30-12:00 UTC; the midpoint 13:15 is 07:45 UTC.
        (FULL, (utc(2027, 3, 28, 3, 30), utc(2027, 3, 28, 12))),
        (MORNING, (utc(2027, 3, 28, 3, 30), utc(2027, 3, 28, 7, 45))),
        (AFTERNOON, (utc(2027, 3, 28, 7, 45), utc(2027, 3, 28, 12))),
    ],
)
def test_kolkata_half_hour_offset(part, expected):
    kolkata = place("Asia/Kolkata", dt.time(9), dt.time(17, 30))
    assert day_window(kolkata, dt.date(2027, 3, 28), part) == expected


# --- booking_create_days -----------------------------------------------------------------

# "Now" for the multi-day tests: a week before Berlin's 2027 spring jump.
NOW = utc(2027, 3, 20, 10)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def days(first: dt.date, count: int) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range(count)]


@pytest.mark.usefixtures("frozen")
def test_days_across_the_spring_jump_keep_local_hours(bound, member, site):
    bookings = booking_create_days(
        actor=member, resource=site.desks[0], days=days(dt.date(2027, 3, 26), 4)
    )
    assert [(b.starts_at, b.ends_at) for b in bookings] == [
        (utc(2027, 3, 26, 7), utc(2027, 3, 26, 17)),
        (utc(2027, 3, 27, 7), utc(2027, 3, 27, 17)),
        (utc(2027, 3, 28, 6), utc(2027, 3, 28, 16)),
        (utc(2027, 3, 29, 6), utc(2027, 3, 29, 16)),
    ]
    assert Booking.objects.count() == 4


@pytest.mark.usefixtures("frozen")
def test_days_are_deduplicated_and_sorted(bound, member, site):
    wanted = [dt.date(2027, 3, 24), dt.date(2027, 3, 22), dt.date(2027, 3, 24)]
    bookings = booking_create_days(actor=member, resource=site.desks[0], days=wanted, part=MORNING)
    assert [b.starts_at for b in bookings] == [utc(2027, 3, 22, 7), utc(2027, 3, 24, 7)]
    assert [b.ends_at for b in bookings] == [utc(2027, 3, 22, 12), utc(2027, 3, 24, 12)]


@pytest.mark.usefixtures("frozen")
def test_morning_and_afternoon_of_one_desk_go_to_two_people(bound, member, owner, site):
    day = [dt.date(2027, 3, 28)]
    booking_create_days(actor=member, resource=site.desks[0], days=day, part=MORNING)
    booking_create_days(actor=owner, resource=site.desks[0], days=day, part=AFTERNOON)
    with pytest.raises(BookingConflict):
        booking_create_days(actor=owner, resource=site.desks[1], days=day, part=FULL)
    assert Booking.objects.count() == 2


@pytest.mark.usefixtures("frozen")
def test_a_conflict_on_one_day_books_none(bound, member, owner, site):
    taken = dt.date(2027, 3, 25)
    booking_create(
        actor=owner,
        resource=site.desks[0],
        starts_at=utc(2027, 3, 25, 15),
        ends_at=utc(2027, 3, 25, 16),
    )
    with pytest.raises(BookingConflict) as exc:
        booking_create_days(
            actor=member, resource=site.desks[0], days=days(dt.date(2027, 3, 22), 5)
        )
    assert exc.value.code == "booking_conflict"
    assert exc.value.extra == {"day": taken.isoformat()}
    assert taken.isoformat() in exc.value.detail
    assert Booking.objects.count() == 1
    assert not Booking.objects.filter(booked_for=member).exists()


@pytest.mark.usefixtures("frozen")
def test_a_person_conflict_on_the_last_day_books_none(bound, member, site):
    """All or nothing also for the one-desk-per-person rule, even on the last day."""
    booking_create_days(actor=member, resource=site.desks[1], days=[dt.date(2027, 3, 26)])
    with pytest.raises(BookingConflict) as exc:
        booking_create_days(
            actor=member, resource=site.desks[0], days=days(dt.date(2027, 3, 22), 5)
        )
    assert exc.value.code == "person_conflict"
    assert exc.value.extra == {"day": "2027-03-26"}
    assert Booking.objects.count() == 1


@pytest.mark.usefixtures("frozen")
def test_a_past_day_books_none(bound, member, site):
    with pytest.raises(InvalidInput) as exc:
        booking_create_days(
            actor=member, resource=site.desks[0], days=days(dt.date(2027, 3, 18), 5)
        )
    assert exc.value.code == "booking_in_past"
    assert Booking.objects.count() == 0


@pytest.mark.usefixtures("frozen")
def test_today_counts_while_working_hours_last(bound, member, site):
    """At 11:00 local on 20 March the working day is not over: it can still be booked."""
    (booking,) = booking_create_days(actor=member, resource=site.desks[0], days=[NOW.date()])
    assert booking.ends_at == utc(2027, 3, 20, 17)


@pytest.mark.usefixtures("frozen")
def test_at_most_a_month_at_once(bound, member, site):
    first = dt.date(2027, 4, 1)
    with pytest.raises(InvalidInput) as exc:
        booking_create_days(
            actor=member, resource=site.desks[0], days=days(first, MAX_DAYS_PER_REQUEST + 1)
        )
    assert exc.value.code == "too_many_days"
    assert Booking.objects.count() == 0
    bookings = booking_create_days(
        actor=member, resource=site.desks[0], days=days(first, MAX_DAYS_PER_REQUEST)
    )
    assert len(bookings) == MAX_DAYS_PER_REQUEST == 31


def test_no_days_is_refused(bound, member, site):
    with pytest.raises(InvalidInput) as exc:
        booking_create_days(actor=member, resource=site.desks[0], days=[])
    assert exc.value.code == "no_days"


@pytest.mark.usefixtures("frozen")
def test_days_use_the_resources_location(bound, member, tenant):
    """A desk in New York books New York's working hours, whoever books it."""
    new_york = Site(tenant, timezone="America/New_York")
    (booking,) = booking_create_days(
        actor=member, resource=new_york.desks[0], days=[dt.date(2027, 3, 22)]
    )
    assert (booking.starts_at, booking.ends_at) == (utc(2027, 3, 22, 12), utc(2027, 3, 22, 22))
