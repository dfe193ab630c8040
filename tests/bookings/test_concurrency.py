"""Racing writers never double-book, on SQLite and on PostgreSQL.

Every writer runs in its own thread with its own database connection, so the database's own
serialisation (IMMEDIATE transactions on SQLite, a row lock plus an exclusion constraint on
PostgreSQL) is what is under test, not Python's GIL.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from itertools import combinations
from typing import Any

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client

from deskwerk.access.services import token_create
from deskwerk.accounts.models import User
from deskwerk.bookings import services
from deskwerk.bookings.models import Booking
from deskwerk.bookings.services import booking_cancel, booking_change, booking_create
from deskwerk.core.errors import BookingConflict, Conflict
from deskwerk.spaces.models import Resource
from deskwerk.tenancy.context import tenant_context
from deskwerk.tenancy.models import Tenant
from tests.conftest import Site, future, make_user

WRITERS = 16
ATTEMPTS_PER_WRITER = 6

pytestmark = pytest.mark.slow
transactional = pytest.mark.django_db(transaction=True)


@dataclass
class Outcome:
    """What the threads reported: successes as (booking id, resource id, start, end)."""

    successes: list[tuple[int, int, dt.datetime, dt.datetime]] = field(default_factory=list)
    conflicts: list[BookingConflict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def run_parallel(count: int, work: Callable[[int, threading.Barrier], None]) -> None:
    """Run ``work(i, barrier)`` in ``count`` threads; each closes its own connections."""
    barrier = threading.Barrier(count, timeout=30)

    def target(i: int) -> None:
        try:
            work(i, barrier)
        finally:
            connections.close_all()  # only this thread's connections

    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a writer hung"


def attempt(outcome: Outcome, create: Callable[[], Booking]) -> None:
    """Run one booking attempt and file its result; anything but a conflict is an error."""
    try:
        booking = create()
    except BookingConflict as exc:
        with outcome.lock:
            outcome.conflicts.append(exc)
    except BaseException as exc:
        with outcome.lock:
            outcome.errors.append(f"{exc!r}\n{traceback.format_exc()}")
    else:
        with outcome.lock:
            outcome.successes.append(
                (booking.pk, booking.resource_id, booking.starts_at, booking.ends_at)
            )


def active_rows(tenant: Tenant) -> list[Booking]:
    return list(
        Booking.unscoped.filter(tenant=tenant, state__in=Booking.ACTIVE_STATES).select_related(
            "resource"
        )
    )


def overlapping_pairs(rows: list[Booking]) -> list[tuple[Booking, Booking]]:
    """Brute force: every pair of active bookings of one resource that share an instant."""
    return [
        (a, b)
        for a, b in combinations(rows, 2)
        if a.resource_id == b.resource_id and a.starts_at < b.ends_at and b.starts_at < a.ends_at
    ]


def double_booked_people(rows: list[Booking]) -> list[tuple[Booking, Booking]]:
    """Pairs where one person holds two resources of one kind at the same time."""
    return [
        (a, b)
        for a, b in combinations(rows, 2)
        if a.booked_for_id == b.booked_for_id
        and a.resource.kind == b.resource.kind
        and a.starts_at < b.ends_at
        and b.starts_at < a.ends_at
    ]


def assert_consistent(tenant: Tenant, outcome: Outcome) -> list[Booking]:
    """No errors, no overlaps, and the database holds exactly what the threads reported."""
    assert outcome.errors == []
    rows = active_rows(tenant)
    assert overlapping_pairs(rows) == []
    assert double_booked_people(rows) == []
    stored = {(b.pk, b.resource_id, b.starts_at, b.ends_at) for b in rows}
    assert stored == set(outcome.successes)
    assert len(stored) == len(outcome.successes)
    return rows


@pytest.fixture
def people(tenant: Tenant, owner: User, member: User) -> list[User]:
    """Eight people: the fixtures' two and six more (some writers share a person)."""
    extra = [make_user(tenant, f"writer{i}@acme.test") for i in range(6)]
    return [owner, member, *extra]


@transactional
def test_racing_writers_never_overlap(tenant, site, people):
    """16 writers, 4 resources, overlapping hours: conflicts only, and all successes stored."""
    resources = [*site.desks, site.room]
    outcome = Outcome()

    def work(i: int, barrier: threading.Barrier) -> None:
        rng = random.Random(i)
        person = people[i % len(people)]
        with tenant_context(tenant):
            barrier.wait()
            for _ in range(ATTEMPTS_PER_WRITER):
                resource = rng.choice(resources)
                start = future(2, rng.randrange(8, 13))
                end = start + dt.timedelta(hours=rng.randrange(1, 4))
                attempt(
                    outcome,
                    partial(
                        booking_create,
                        actor=person,
                        resource=resource,
                        starts_at=start,
                        ends_at=end,
                    ),
                )

    run_parallel(WRITERS, work)

    rows = assert_consistent(tenant, outcome)
    total = WRITERS * ATTEMPTS_PER_WRITER
    assert len(outcome.successes) + len(outcome.conflicts) == total
    # The slots are contested: some writers won, many lost.
    assert rows
    assert len(outcome.conflicts) > total // 2


@transactional
def test_sixteen_writers_for_one_slot_one_wins(tenant, site):
    people = [make_user(tenant, f"racer{i}@acme.test") for i in range(WRITERS)]
    outcome = Outcome()
    start, end = future(3, 9), future(3, 17)

    def work(i: int, barrier: threading.Barrier) -> None:
        with tenant_context(tenant):
            barrier.wait()
            attempt(
                outcome,
                lambda: booking_create(
                    actor=people[i], resource=site.desks[0], starts_at=start, ends_at=end
                ),
            )

    run_parallel(WRITERS, work)

    assert_consistent(tenant, outcome)
    assert len(outcome.successes) == 1
    assert len(outcome.conflicts) == WRITERS - 1
    assert {c.code for c in outcome.conflicts} == {"booking_conflict"}


@transactional
def test_one_person_racing_for_many_desks_gets_one(tenant, member):
    """The person rule (one desk at a time) holds under a race too, not only the resource rule."""
    site = Site(tenant)
    with tenant_context(tenant):
        desks = [
            Resource.objects.create(floor=site.floor, name=f"Race {i}") for i in range(WRITERS)
        ]
    outcome = Outcome()
    start, end = future(3, 9), future(3, 12)

    def work(i: int, barrier: threading.Barrier) -> None:
        with tenant_context(tenant):
            barrier.wait()
            attempt(
                outcome,
                lambda: booking_create(
                    actor=member, resource=desks[i], starts_at=start, ends_at=end
                ),
            )

    run_parallel(WRITERS, work)

    assert_consistent(tenant, outcome)
    assert len(outcome.successes) == 1
    assert {c.code for c in outcome.conflicts} == {"person_conflict"}


@pytest.fixture
def spread(tenant: Tenant, site: Site) -> list[Booking]:
    """Sixteen people, each with a desk of their own booked for the same morning."""
    people = [make_user(tenant, f"mover{i}@acme.test") for i in range(WRITERS)]
    with tenant_context(tenant):
        return [
            booking_create(
                actor=person,
                resource=Resource.objects.create(floor=site.floor, name=f"Own {i}"),
                starts_at=future(3, 9),
                ends_at=future(3, 12),
            )
            for i, person in enumerate(people)
        ]


@transactional
def test_sixteen_moves_onto_one_desk_one_wins(tenant, site, spread):
    """booking_change takes the same lock as booking_create."""
    outcome = Outcome()
    target = site.desks[0]

    def work(i: int, barrier: threading.Barrier) -> None:
        booking = spread[i]
        with tenant_context(tenant):
            barrier.wait()
            attempt(
                outcome,
                lambda: booking_change(actor=booking.booked_for, booking=booking, resource=target),
            )

    run_parallel(WRITERS, work)

    rows = active_rows(tenant)
    assert outcome.errors == []
    assert len(outcome.successes) == 1
    assert {c.code for c in outcome.conflicts} == {"booking_conflict"}
    assert overlapping_pairs(rows) == []
    on_target = [b for b in rows if b.resource_id == target.pk]
    assert [b.pk for b in on_target] == [outcome.successes[0][0]]
    assert len(rows) == WRITERS  # the losers kept their own desks


@transactional
def test_a_change_racing_a_cancel_never_revives_the_booking(tenant, spread):
    """Half the threads cancel, the other half move the same bookings: all end cancelled."""
    pairs = WRITERS // 2
    errors: list[str] = []

    def work(i: int, barrier: threading.Barrier) -> None:
        booking = Booking.unscoped.get(pk=spread[i % pairs].pk)
        actor = booking.booked_for
        with tenant_context(tenant):
            barrier.wait()
            try:
                if i < pairs:
                    booking_cancel(actor=actor, booking=booking)
                else:
                    booking_change(
                        actor=actor,
                        booking=booking,
                        starts_at=future(4, 9),
                        ends_at=future(4, 10),
                    )
            except Conflict as exc:
                if exc.code != "booking_not_active":
                    errors.append(repr(exc))
            except BaseException as exc:
                errors.append(f"{exc!r}\n{traceback.format_exc()}")

    run_parallel(pairs * 2, work)

    assert errors == []
    states = set(
        Booking.unscoped.filter(pk__in=[b.pk for b in spread[:pairs]]).values_list(
            "state", flat=True
        )
    )
    assert states == {Booking.State.CANCELLED}


@transactional
def test_racing_http_clients_never_overlap(tenant, site, people):
    """The same race through the API: 201, or 409 with a conflict code, nothing else."""
    with tenant_context(tenant):
        tokens = [
            token_create(user=p, name="race", scopes=["bookings:write"]).secret for p in people
        ]
    resources = [*site.desks, site.room]
    answers: list[tuple[int, Any]] = []
    lock = threading.Lock()

    def work(i: int, barrier: threading.Barrier) -> None:
        rng = random.Random(1000 + i)
        client = Client(HTTP_AUTHORIZATION=f"Bearer {tokens[i % len(tokens)]}")
        barrier.wait()
        for _ in range(3):
            start = future(2, rng.randrange(8, 12))
            body = {
                "resource_id": rng.choice(resources).pk,
                "starts_at": start.isoformat(),
                "ends_at": (start + dt.timedelta(hours=rng.randrange(1, 4))).isoformat(),
            }
            response = client.post("/api/v1/bookings", body, content_type="application/json")
            with lock:
                answers.append((response.status_code, response.json()))

    run_parallel(WRITERS, work)

    statuses = [status for status, _ in answers]
    assert set(statuses) <= {201, 409}, answers
    assert {body["code"] for status, body in answers if status == 409} <= {
        "booking_conflict",
        "person_conflict",
    }
    won = {body["id"] for status, body in answers if status == 201}
    assert won
    rows = active_rows(tenant)
    assert {b.pk for b in rows} == won
    assert overlapping_pairs(rows) == []
    assert double_booked_people(rows) == []


# --- SQLite: the settings the serialisation relies on --------------------------------------


sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="checks SQLite's locking settings; PostgreSQL locks rows instead",
)


@sqlite_only
@transactional
def test_sqlite_waits_for_the_lock_instead_of_failing():
    """WAL journal and a busy timeout: a second writer waits rather than "database is locked"."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@sqlite_only
@transactional
def test_sqlite_transactions_take_the_write_lock_at_begin():
    """atomic() begins IMMEDIATE: the write lock is held before the overlap check reads.

    A deferred transaction would only lock at its first write, letting two writers check,
    both see no overlap and both insert.
    """
    other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0, isolation_level=None)
    try:
        with transaction.atomic():
            connection.ensure_connection()
            # No statement has run in this transaction yet, and still nobody else can write.
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again after commit
        other.execute("ROLLBACK")
    finally:
        other.close()


# --- PostgreSQL: the exclusion constraint on its own --------------------------------------


on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the exclusion constraint exists on PostgreSQL only"
)


INSERT = """
    INSERT INTO bookings_booking
        (tenant_id, resource_id, floor_id, booked_for_id, booked_by_id,
         starts_at, ends_at, state, note, created_at, updated_at)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, '', now(), now())
"""


def raw_insert(
    tenant: Tenant,
    resource: Resource,
    person: User,
    start: dt.datetime,
    end: dt.datetime,
    state: str,
) -> None:
    """Write a booking row with plain SQL: no service, no ORM, no overlap check."""
    with connection.cursor() as cursor:
        cursor.execute(
            INSERT,
            [tenant.pk, resource.pk, resource.floor_id, person.pk, person.pk, start, end, state],
        )


@on_postgres
@pytest.mark.django_db
def test_exclusion_constraint_refuses_a_raw_overlapping_insert(tenant, member, owner, site):
    desk = site.desks[0]
    raw_insert(tenant, desk, member, future(2, 9), future(2, 12), "confirmed")
    for state in ("confirmed", "checked_in"):
        with pytest.raises(IntegrityError, match="booking_no_overlap"), transaction.atomic():
            raw_insert(tenant, desk, owner, future(2, 11), future(2, 13), state)
    # Touching is not overlapping ('[)'), inactive rows do not count, other resources neither.
    raw_insert(tenant, desk, owner, future(2, 12), future(2, 13), "confirmed")
    raw_insert(tenant, desk, owner, future(2, 10), future(2, 11), "cancelled")
    raw_insert(tenant, desk, owner, future(2, 10), future(2, 11), "released")
    raw_insert(tenant, desk, owner, future(2, 10), future(2, 11), "completed")
    raw_insert(tenant, site.desks[1], owner, future(2, 10), future(2, 11), "confirmed")
    assert Booking.unscoped.filter(resource=desk).count() == 5


@on_postgres
@pytest.mark.django_db
def test_exclusion_constraint_refuses_reactivating_into_an_overlap(tenant, member, owner, site):
    desk = site.desks[0]
    raw_insert(tenant, desk, owner, future(2, 9), future(2, 12), "cancelled")
    raw_insert(tenant, desk, member, future(2, 10), future(2, 11), "confirmed")
    with pytest.raises(IntegrityError, match="booking_no_overlap"), transaction.atomic():
        Booking.unscoped.filter(resource=desk, state="cancelled").update(state="confirmed")


@pytest.fixture
def without_service_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend the service's own overlap check had a bug: only the constraint is left."""
    monkeypatch.setattr(services, "_lock_and_check", lambda **kwargs: None)


@on_postgres
@pytest.mark.django_db
@pytest.mark.usefixtures("without_service_check")
def test_constraint_violation_surfaces_as_booking_conflict(bound, member, owner, site):
    """Whatever slips past the service becomes a 409 conflict, not a server error."""
    booking_create(
        actor=member, resource=site.desks[0], starts_at=future(2, 9), ends_at=future(2, 12)
    )
    with pytest.raises(BookingConflict):
        booking_create(
            actor=owner, resource=site.desks[0], starts_at=future(2, 11), ends_at=future(2, 13)
        )
    assert Booking.objects.count() == 1
