"""Pseudonymisation after the tenant's deadline: driven by the data map, set-based, resumable."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deskwerk.audit.models import AuditEvent
from deskwerk.bookings.models import Booking
from deskwerk.privacy import pseudonymise as service
from deskwerk.privacy.datamap import REGISTRY, Action, Category, Personal
from deskwerk.privacy.pseudonymise import TARGETS, plan_for, plans, pseudonymise_tenant
from deskwerk.privacy.pseudonyms import person_pseudonym
from deskwerk.privacy.settings import privacy_settings_update
from deskwerk.privacy.tasks import privacy_daily, run_privacy_jobs
from deskwerk.usage.models import UsageEvent
from tests.conftest import Site, make_user

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def ended(site: Site, person, days_ago: float, *, note: str = "", by=None, desk: int = 0):
    """A booking that ended ``days_ago`` before NOW (made directly: services refuse the past)."""
    ends = NOW - dt.timedelta(days=days_ago)
    return Booking.unscoped.create(
        tenant=site.location.tenant,
        resource=site.desks[desk],
        floor=site.floor,
        booked_for=person,
        booked_by=by or person,
        starts_at=ends - dt.timedelta(hours=2),
        ends_at=ends,
        state=Booking.State.COMPLETED,
        note=note,
    )


def fresh(obj):
    manager = getattr(type(obj), "unscoped", type(obj).objects)
    return manager.get(pk=obj.pk)


def test_the_default_deadline_is_30_days(clock, tenant, site, member):
    recent = ended(site, member, 29, note="window seat please")
    due = ended(site, member, 31, note="window seat please", desk=1)

    result = pseudonymise_tenant(tenant)

    assert result.counts["bookings.Booking"] == 1
    recent, due = fresh(recent), fresh(due)
    assert recent.booked_for_id == member.pk
    assert recent.note == "window seat please"
    assert recent.pseudonymised_at is None
    assert due.booked_for_id is None
    assert due.booked_by_id is None
    assert due.note == ""
    assert due.pseudonymised_at == NOW
    assert due.person_pseudonym == person_pseudonym(tenant, member.pk)


def test_the_tenants_deadline_counts(clock, tenant, site, owner, member):
    privacy_settings_update(actor=owner, tenant=tenant, changes={"pseudonymise_after_days": 60})
    booking = ended(site, member, 45)

    assert pseudonymise_tenant(fresh(tenant)).total == 0
    assert fresh(booking).booked_for_id == member.pk

    clock.shift(dt.timedelta(days=16))
    assert pseudonymise_tenant(fresh(tenant)).total == 1
    assert fresh(booking).booked_for_id is None


def test_a_booking_made_for_someone_else_loses_both_links(clock, tenant, site, owner, member):
    booking = ended(site, member, 40, by=owner)

    pseudonymise_tenant(tenant)

    booking = fresh(booking)
    assert (booking.booked_for_id, booking.booked_by_id) == (None, None)
    assert booking.person_pseudonym == person_pseudonym(tenant, member.pk)  # whose it was


def test_a_second_run_changes_nothing(clock, tenant, site, member):
    ended(site, member, 40, note="x")
    ended(site, member, 50, desk=1)
    assert pseudonymise_tenant(tenant).total == 2
    before = list(Booking.unscoped.order_by("pk").values())

    clock.shift(dt.timedelta(hours=1))
    again = pseudonymise_tenant(tenant)

    assert again.total == 0
    assert list(Booking.unscoped.order_by("pk").values()) == before  # not even re-stamped


def test_the_pseudonym_is_stable_per_person_and_differs_between_tenants(
    clock, tenant, other_tenant, site, other_site, member, owner
):
    first = ended(site, member, 40)
    pseudonymise_tenant(tenant)
    clock.shift(dt.timedelta(days=20))
    second = ended(site, member, 40, desk=1)  # due only in a later run
    other = ended(site, owner, 40, desk=2)
    pseudonymise_tenant(tenant)

    first, second, other = fresh(first), fresh(second), fresh(other)
    assert first.person_pseudonym == second.person_pseudonym
    assert first.person_pseudonym != other.person_pseudonym
    assert first.person_pseudonym.startswith("psn_")
    # The same account id under another tenant's secret gives another pseudonym.
    assert person_pseudonym(other_tenant, member.pk) != first.person_pseudonym


def test_other_tenants_are_untouched(clock, tenant, other_tenant, site, other_site, member):
    outsider = make_user(other_tenant, "someone@globex.test")
    theirs = ended(other_site, outsider, 40, note="theirs")
    ended(site, member, 40)

    pseudonymise_tenant(tenant)

    theirs = fresh(theirs)
    assert theirs.booked_for_id == outsider.pk
    assert theirs.note == "theirs"
    assert theirs.pseudonymised_at is None


def test_an_interrupted_run_keeps_its_batches_and_the_next_run_finishes(
    clock, tenant, site, member, owner
):
    bookings = [ended(site, member if i % 2 else owner, 40 + i, desk=i % 3) for i in range(5)]
    seen = []

    def interrupt_after_two_batches(label, done, total):
        seen.append((label, done, total))
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pseudonymise_tenant(tenant, batch_size=1, progress=interrupt_after_two_batches)

    done = [b for b in bookings if fresh(b).pseudonymised_at is not None]
    assert len(done) == 2  # committed batch by batch; the oldest first
    assert {b.pk for b in done} == {bookings[4].pk, bookings[3].pk}
    assert seen[0] == ("bookings.Booking", 0, 5)
    interrupted = AuditEvent.unscoped.filter(tenant=tenant, action="privacy.pseudonymise").get()
    assert interrupted.object_id == "2"

    result = pseudonymise_tenant(tenant, batch_size=2)

    assert result.total == 3
    assert all(fresh(b).pseudonymised_at is not None for b in bookings)
    assert {fresh(b).person_pseudonym for b in bookings} == {
        person_pseudonym(tenant, member.pk),
        person_pseudonym(tenant, owner.pk),
    }


def test_batches_split_ties_of_the_deadline_time_correctly(clock, tenant, site, member, owner):
    """Several rows ending at the same instant straddle a batch boundary: none is skipped."""
    people = [member, owner, make_user(tenant, "third@acme.test")]
    same = [ended(site, people[i], 40, desk=i) for i in range(3)]
    later = ended(site, member, 39, desk=0)

    assert pseudonymise_tenant(tenant, batch_size=2).total == 4
    assert all(fresh(b).pseudonymised_at == NOW for b in [*same, later])


def test_every_run_writes_one_audit_event_per_tenant_with_names_only(clock, tenant, site, member):
    ended(site, member, 40, note="secret remark")

    pseudonymise_tenant(tenant)
    pseudonymise_tenant(tenant)

    events = list(
        AuditEvent.unscoped.filter(tenant=tenant, action="privacy.pseudonymise").order_by("id")
    )
    assert [e.object_id for e in events] == ["1", "0"]
    assert events[0].actor_id is None  # the system
    assert "bookings.Booking.booked_for" in events[0].changed_fields
    assert "bookings.Booking.note" in events[0].changed_fields
    assert events[1].changed_fields == []
    text = repr([(e.object_type, e.object_id, e.changed_fields) for e in events])
    assert "secret remark" not in text
    assert str(member.pk) not in events[0].changed_fields


def test_usage_data_is_pseudonymised_too(clock, tenant, member):
    old = UsageEvent.unscoped.create(
        tenant=tenant,
        user=member,
        at=NOW - dt.timedelta(days=31),
        route="booking_list",
        method="GET",
        status=200,
        user_agent="Firefox 132 / Linux",
        ip="203.0.113.0",
    )
    recent = UsageEvent.unscoped.create(
        tenant=tenant, user=member, at=NOW - dt.timedelta(days=29), route="me", method="GET",
        status=200, ip="203.0.113.0",
    )  # fmt: skip

    result = pseudonymise_tenant(tenant)

    assert result.counts == {"bookings.Booking": 0, "usage.UsageEvent": 1}
    old, recent = fresh(old), fresh(recent)
    assert old.user_id is None
    assert old.ip == ""  # the data map says CLEAR
    assert old.person_pseudonym == person_pseudonym(tenant, member.pk)
    assert old.route == "booking_list"  # kept for statistics
    assert recent.user_id == member.pk
    assert recent.ip == "203.0.113.0"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the fallback is for old SQLite")
def test_sqlite_without_update_from_gives_the_same_result(clock, tenant, site, member, monkeypatch):
    monkeypatch.setattr(service, "_sqlite_has_update_from", lambda: False)
    due = ended(site, member, 40, note="x")
    orphan = ended(site, member, 41, note="y", desk=1)
    Booking.unscoped.filter(pk=orphan.pk).update(booked_for=None, person_pseudonym="psn_kept")

    assert pseudonymise_tenant(tenant).total == 2

    due, orphan = fresh(due), fresh(orphan)
    assert (due.booked_for_id, due.note) == (None, "")
    assert due.person_pseudonym == person_pseudonym(tenant, member.pk)
    assert orphan.person_pseudonym == "psn_kept"


def test_a_row_without_a_person_is_stamped_and_keeps_its_pseudonym(clock, tenant, site, member):
    booking = ended(site, member, 40, note="x")
    Booking.unscoped.filter(pk=booking.pk).update(
        booked_for=None, booked_by=None, person_pseudonym="psn_already"
    )

    assert pseudonymise_tenant(tenant).total == 1

    booking = fresh(booking)
    assert booking.pseudonymised_at == NOW
    assert booking.person_pseudonym == "psn_already"
    assert booking.note == ""


def test_nothing_due_costs_a_few_reads_and_one_audit_row(clock, tenant, site, member):
    ended(site, member, 10)
    with CaptureQueriesContext(connection) as queries:
        assert pseudonymise_tenant(tenant).total == 0
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert "UPDATE" not in statements
    assert statements.count("INSERT") == 1  # the audit event
    assert len(statements) <= 8


# --- Driven by the data map -------------------------------------------------------------------


def test_the_plan_covers_every_field_the_data_map_marks_for_pseudonymisation():
    targets = {t.label for t in TARGETS}
    for declared in REGISTRY.values():
        marked = {
            name for name, rule in declared.personal.items() if rule.on_pseudonymise != Action.KEEP
        }
        if not marked:
            continue
        assert declared.label in targets, f"{declared.label} has fields to pseudonymise"
        plan = plan_for(next(t for t in TARGETS if t.label == declared.label))
        assert marked <= plan.fields, declared.label
        assert marked == {*plan.cut, *(name for name, _ in plan.clear)}
    booking = next(p for p in plans() if p.target.label == "bookings.Booking")
    assert set(booking.cut) == {"booked_for", "booked_by"}
    assert dict(booking.clear) == {"note": ""}
    assert booking.subject == "booked_for"


def test_a_field_newly_marked_clear_in_the_map_is_cleared(clock, tenant, site, member, monkeypatch):
    fields = REGISTRY["bookings.Booking"].fields
    monkeypatch.setitem(
        fields,
        "state",
        Personal(
            Category.BOOKING, "test", "test", on_erasure=Action.KEEP, on_pseudonymise=Action.CLEAR
        ),
    )
    booking = ended(site, member, 40)

    pseudonymise_tenant(tenant)

    assert fresh(booking).state == ""


def test_the_map_must_mark_the_subject_link(monkeypatch):
    fields = REGISTRY["bookings.Booking"].fields
    keep = Personal(Category.BOOKING, "test", "test", on_erasure=Action.KEEP)
    monkeypatch.setitem(fields, "booked_for", keep)
    with pytest.raises(Exception, match="subject link"):
        plan_for(TARGETS[0])


def test_unsupported_actions_are_refused_not_skipped(monkeypatch):
    fields = REGISTRY["bookings.Booking"].fields
    monkeypatch.setitem(
        fields,
        "starts_at",
        Personal(Category.BOOKING, "t", "t", on_erasure=Action.KEEP, on_pseudonymise=Action.CLEAR),
    )
    with pytest.raises(Exception, match="starts_at"):
        plan_for(TARGETS[0])


# --- The job, the command, the API ------------------------------------------------------------


def test_the_daily_job_pseudonymises_and_purges_every_tenant(
    clock, tenant, other_tenant, site, other_site, member
):
    outsider = make_user(other_tenant, "someone@globex.test")
    ours = ended(site, member, 40)
    theirs = ended(other_site, outsider, 40)
    UsageEvent.unscoped.create(
        tenant=tenant, user=member, at=NOW - dt.timedelta(days=40), route="me", method="GET",
        status=200,
    )  # fmt: skip

    privacy_daily()  # immediate mode in tests: runs now

    assert fresh(ours).pseudonymised_at == NOW
    assert fresh(theirs).pseudonymised_at == NOW
    assert not UsageEvent.unscoped.exists()
    assert AuditEvent.unscoped.filter(action="privacy.pseudonymise").count() == 2


def test_one_tenants_failure_does_not_stop_the_others(
    clock, tenant, other_tenant, site, other_site, member, monkeypatch
):
    outsider = make_user(other_tenant, "someone@globex.test")
    theirs = ended(other_site, outsider, 40)
    real = service.pseudonymise_tenant

    def fail_for_acme(t, **kw):
        if t.slug == "acme":
            raise RuntimeError("boom")
        return real(t, **kw)

    monkeypatch.setattr("deskwerk.privacy.tasks.pseudonymise_tenant", fail_for_acme)
    report = run_privacy_jobs()

    assert report.failed == ["acme"]
    assert fresh(theirs).pseudonymised_at == NOW


def test_the_command_shows_progress_and_counts(clock, tenant, other_tenant, site, member):
    ended(site, member, 40)
    ended(site, member, 41, desk=1)
    out, err = io.StringIO(), io.StringIO()

    call_command("pseudonymise", "--tenant", "acme", "--batch-size", "1", stdout=out, stderr=err)

    assert "acme: 2 rows pseudonymised" in out.getvalue()
    assert "globex" not in out.getvalue()
    assert "bookings.Booking: 2/2 (100%)" in err.getvalue()
    assert Booking.unscoped.filter(pseudonymised_at__isnull=True).count() == 0


def test_the_command_refuses_an_unknown_tenant(db):
    with pytest.raises(CommandError, match="no tenant"):
        call_command("pseudonymise", "--tenant", "nope", stdout=io.StringIO())


def test_an_admin_can_still_read_a_pseudonymised_booking(clock, tenant, site, member, api_owner):
    booking = ended(site, member, 40, note="x")
    pseudonymise_tenant(tenant)

    response = api_owner.get(f"/bookings/{booking.pk}")

    assert response.status_code == 200, response.data
    assert response.data["booked_for_id"] is None
    assert response.data["booked_by_id"] is None
    assert response.data["note"] == ""
