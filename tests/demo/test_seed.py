"""Seeding the demo tenant: counts, idempotency, no overlaps, safe plans, realistic bookings."""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo
from collections import Counter

import pytest
from django.contrib.auth import authenticate
from django.utils import timezone

from deskwerk.accounts.models import Membership, User
from deskwerk.bookings.models import Booking
from deskwerk.bookings.services import booking_create_days
from deskwerk.bookings.timeslots import DayPart, day_window
from deskwerk.demo.holidays import is_working_day
from deskwerk.demo.seed import (
    DEMO_DOMAIN,
    DEMO_PASSWORD,
    DEMO_SLUG,
    FULL,
    SMALL,
    DemoError,
    _tenant_relations,
    seed_demo,
)
from deskwerk.spaces.models import Building, Floor, Location, Resource, Zone
from deskwerk.tenancy.context import tenant_context
from deskwerk.tenancy.models import Tenant
from deskwerk.tenancy.services import tenant_create
from tests.demo.conftest import drawn_positions, overlapping_pairs, parse_safe_svg

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
# A Wednesday at noon in Stuttgart, ten days after the switch to summer time and two days
# after Easter Monday: the seeded window crosses both.
WEDNESDAY_NOON = dt.datetime(2026, 4, 8, 12, 0, tzinfo=BERLIN)

pytestmark = pytest.mark.django_db


def snapshot(tenant: Tenant) -> dict[str, int]:
    """Row counts of every tenant-owned table, for "nothing new was created"."""
    return {
        model._meta.label: model._base_manager.filter(**{field: tenant}).count()
        for model, field in _tenant_relations()
    }


def kinds(tenant: Tenant) -> Counter[str]:
    return Counter(Resource.unscoped.filter(tenant=tenant).values_list("kind", flat=True))


def check_plans(tenant: Tenant) -> None:
    """Every floor has a safe SVG plan and every resource sits where the plan draws it."""
    with tenant_context(tenant):
        for floor in Floor.objects.all():
            with floor.plan_image.open("rb") as handle:
                root = parse_safe_svg(handle.read().decode())
            drawn = drawn_positions(root)
            resources = list(Resource.objects.filter(floor=floor))
            assert resources
            assert {r.name for r in resources} == set(drawn)
            for r in resources:
                assert 0 <= r.pos_x <= floor.plan_width
                assert 0 <= r.pos_y <= floor.plan_height
                assert drawn[r.name] == pytest.approx((r.pos_x, r.pos_y), abs=0.05), r.name


def test_the_full_demo_has_what_it_promises():
    """One full-scale seed (a few seconds), checked from every side."""
    started = time.monotonic()
    result = seed_demo(scale=FULL, now=WEDNESDAY_NOON)
    assert time.monotonic() - started < 30
    assert result.created
    tenant = result.tenant
    check_full_counts(tenant)
    check_amenities(tenant)
    check_attendance(tenant)
    assert overlapping_pairs(tenant) == []
    check_plans(tenant)


def check_full_counts(tenant: Tenant) -> None:
    assert tenant.slug == DEMO_SLUG
    assert tenant.default_timezone == "Europe/Berlin"
    assert Location.unscoped.get(tenant=tenant).city == "Stuttgart"
    assert Building.unscoped.filter(tenant=tenant).count() == 2
    assert Floor.unscoped.filter(tenant=tenant).count() == 5
    assert kinds(tenant) == {"desk": 400, "room": 20, "parking": 40}
    for floor in Floor.unscoped.filter(tenant=tenant):
        assert Zone.unscoped.filter(floor=floor).count() >= 2
    rooms = Resource.unscoped.filter(tenant=tenant, kind="room")
    assert all(r.capacity >= 4 for r in rooms)
    assert User.unscoped.filter(tenant=tenant).count() == 120
    assert len(set(User.unscoped.filter(tenant=tenant).values_list("full_name", flat=True))) == 120
    assert Membership.unscoped.filter(tenant=tenant, role="admin").count() == 2
    assert not User.unscoped.filter(tenant=tenant).exclude(email__endswith="@" + DEMO_DOMAIN)
    # About 90 days back and 14 ahead, on working days only.
    with tenant_context(tenant):
        days = {b.starts_at.astimezone(BERLIN).date() for b in Booking.objects.only("starts_at")}
    today = WEDNESDAY_NOON.date()
    assert min(days) <= today - dt.timedelta(days=85)
    assert max(days) >= today + dt.timedelta(days=10)
    assert all(is_working_day(day) for day in days)
    assert Booking.unscoped.filter(tenant=tenant).count() > 8000


def check_amenities(tenant: Tenant) -> None:
    def count(kind: str, code: str) -> int:
        return Resource.unscoped.filter(tenant=tenant, kind=kind, amenities__code=code).count()

    assert count("desk", "monitor") > 300
    assert 100 < count("desk", "docking-station") < count("desk", "monitor")
    assert 0 < count("desk", "height-adjustable") < 400
    assert 0 < count("desk", "wheelchair-accessible") < 40
    assert count("desk", "ev-charger") == count("desk", "video-conferencing") == 0
    assert count("room", "video-conferencing") > 5
    assert 0 < count("parking", "ev-charger") < 40
    assert count("parking", "wheelchair-accessible") >= 1
    assert count("parking", "monitor") == 0


def check_attendance(tenant: Tenant) -> None:
    """On a working day in the past, half to seven in ten people came to the office."""
    with tenant_context(tenant):
        rows = (
            Booking.objects.filter(resource__kind="desk", ends_at__lte=WEDNESDAY_NOON)
            .exclude(state="cancelled")
            .values_list("starts_at", "booked_for_id")
        )
        present: dict[dt.date, set[int]] = {}
        for start, person in rows:
            present.setdefault(start.astimezone(BERLIN).date(), set()).add(person)
    ratios = [len(people) / 120 for people in present.values()]
    assert len(ratios) > 55
    assert 0.5 <= sum(ratios) / len(ratios) <= 0.7
    assert min(ratios) > 0.3
    assert max(ratios) < 0.85


def test_a_second_run_reuses_the_demo_and_creates_nothing():
    first = seed_demo(scale=SMALL)
    before = snapshot(first.tenant)
    second = seed_demo(scale=SMALL)
    assert not second.created
    assert second.bookings_added == 0
    assert second.tenant.pk == first.tenant.pk
    assert snapshot(second.tenant) == before
    assert Tenant.objects.filter(slug=DEMO_SLUG).count() == 1


def test_a_later_run_adds_the_new_days_around_bookings_people_made():
    """Ten days on, the demo gets bookings for the new days, planned around what people booked
    in the running demo meanwhile: rooms taken all day, and one person's desk every day."""
    tenant = seed_demo(scale=SMALL).tenant
    today = timezone.now().astimezone(BERLIN).date()
    days = [
        today + dt.timedelta(days=n)
        for n in range(SMALL.future_days + 1, SMALL.future_days + 11)
        if is_working_day(today + dt.timedelta(days=n))
    ]
    with tenant_context(tenant):
        admin = User.objects.get(email=f"sabine.kraemer@{DEMO_DOMAIN}")
        lukas = User.objects.get(email=f"lukas.schneider@{DEMO_DOMAIN}")
        desk = Resource.objects.filter(kind="desk").first()
        own = booking_create_days(actor=lukas, resource=desk, days=days)
        others = list(User.objects.exclude(pk=lukas.pk))
        for room, person in zip(Resource.objects.filter(kind="room"), others, strict=False):
            own += booking_create_days(actor=admin, resource=room, days=days, booked_for=person)
    later = seed_demo(scale=SMALL, now=timezone.now() + dt.timedelta(days=10))
    assert not later.created
    assert later.bookings_added > 0
    assert {b.state for b in Booking.unscoped.filter(pk__in=[b.pk for b in own])} == {"confirmed"}
    assert overlapping_pairs(tenant) == []


def test_the_overlap_check_finds_a_planted_clash():
    tenant = seed_demo(scale=SMALL).tenant
    with tenant_context(tenant):
        booking = Booking.objects.exclude(state="cancelled").filter(resource__kind="room").first()
        Booking.objects.bulk_create(
            [
                Booking(
                    tenant=tenant,
                    resource=booking.resource,
                    floor=booking.floor,
                    booked_for=booking.booked_for,
                    booked_by=booking.booked_for,
                    starts_at=booking.starts_at + dt.timedelta(minutes=15),
                    ends_at=booking.ends_at + dt.timedelta(minutes=15),
                    state="completed",
                )
            ]
        )
    assert len(overlapping_pairs(tenant)) == 2  # same room, and same person's room


def test_seeded_bookings_never_overlap_and_look_like_office_life():
    tenant = seed_demo(scale=SMALL, now=WEDNESDAY_NOON).tenant
    assert overlapping_pairs(tenant) == []
    now = WEDNESDAY_NOON
    location = Location.unscoped.get(tenant=tenant)
    with tenant_context(tenant):
        bookings = list(Booking.objects.select_related("resource"))
    states = Counter()
    for b in bookings:
        day = b.starts_at.astimezone(BERLIN).date()
        assert is_working_day(day)
        if b.ends_at <= now:
            assert b.state in {"completed", "released", "cancelled"}
        elif b.starts_at > now:
            assert b.state in {"confirmed", "cancelled"}
        else:
            assert b.state in {"checked_in", "confirmed", "cancelled"}
        if b.resource.kind in ("desk", "parking"):
            assert (b.starts_at, b.ends_at) in {day_window(location, day, p) for p in DayPart}
        else:
            assert dt.timedelta(minutes=30) <= b.ends_at - b.starts_at <= dt.timedelta(hours=2)
            local = b.starts_at.astimezone(BERLIN)
            assert local.minute in (0, 30)
            assert dt.time(8) <= local.time()
            assert b.ends_at.astimezone(BERLIN).time() <= dt.time(18)
        states[b.state] += 1
    assert states["completed"] > states["released"] > 0
    assert states["cancelled"] > 0
    assert states["confirmed"] > 0
    assert states["checked_in"] > 0


def test_full_days_follow_stuttgart_working_hours_across_the_dst_switch():
    tenant = seed_demo(scale=SMALL, now=WEDNESDAY_NOON).tenant
    with tenant_context(tenant):
        full_days = [
            b
            for b in Booking.objects.filter(resource__kind="desk")
            if b.ends_at - b.starts_at > dt.timedelta(hours=6)
        ]
    utc_hours = Counter(b.starts_at.astimezone(dt.UTC).hour for b in full_days)
    assert set(utc_hours) == {6, 7}  # 08:00 in summer and in winter time
    for b in full_days:
        assert b.starts_at.astimezone(BERLIN).time() == dt.time(8)
        assert b.ends_at.astimezone(BERLIN).time() == dt.time(18)
    days = {b.starts_at.astimezone(BERLIN).date() for b in full_days}
    assert dt.date(2026, 4, 3) not in days  # Good Friday
    assert dt.date(2026, 4, 6) not in days  # Easter Monday


def test_demo_people_log_in_with_the_documented_password():
    result = seed_demo(scale=SMALL)
    for email in (result.admin_email, result.employee_email):
        user = authenticate(None, tenant=result.tenant, email=email, password=DEMO_PASSWORD)
        assert user is not None
        assert user.membership.is_admin == (email == result.admin_email)
    assert authenticate(None, tenant=result.tenant, email=result.admin_email, password="x") is None


def test_reset_recreates_the_demo_and_leaves_other_tenants_alone(
    other_site, media_root, django_capture_on_commit_callbacks
):
    first = seed_demo(scale=SMALL)
    old_plans = {p.name for p in (media_root / "floorplans").iterdir()}
    other_before = snapshot(other_site.floor.tenant)
    with django_capture_on_commit_callbacks(execute=True):
        again = seed_demo(scale=SMALL, reset=True)
    assert again.created
    assert again.tenant.pk != first.tenant.pk
    assert not Tenant.objects.filter(pk=first.tenant.pk).exists()
    assert kinds(again.tenant) == kinds_small()
    assert snapshot(other_site.floor.tenant) == other_before
    assert overlapping_pairs(again.tenant) == []
    check_plans(again.tenant)
    remaining = {p.name for p in (media_root / "floorplans").iterdir()}
    assert not old_plans & remaining


def kinds_small() -> Counter[str]:
    return Counter(
        {
            "desk": 4 * SMALL.desks_per_floor,
            "room": 4 * SMALL.rooms_per_floor,
            "parking": SMALL.parking_spots,
        }
    )


def test_missing_plan_files_are_drawn_again(media_root):
    tenant = seed_demo(scale=SMALL).tenant
    for path in (media_root / "floorplans").iterdir():
        path.unlink()
    before = snapshot(tenant)
    seed_demo(scale=SMALL)
    assert snapshot(tenant) == before
    check_plans(tenant)


def test_a_real_tenant_with_the_demo_slug_is_never_touched():
    real = tenant_create(slug=DEMO_SLUG, name="Real customer")
    with pytest.raises(DemoError, match="not the demo tenant"):
        seed_demo(scale=SMALL)
    with pytest.raises(DemoError):
        seed_demo(scale=SMALL, reset=True)
    assert Tenant.objects.get(slug=DEMO_SLUG).pk == real.pk
    assert not Floor.unscoped.filter(tenant=real).exists()


def test_the_demo_brings_an_operator_console_and_findable_people():
    from deskwerk.demo.seed import OPERATOR_SLUG, OPERATOR_STAFF_EMAIL
    from deskwerk.processor.selectors import operator_tenant
    from deskwerk.profiles.models import Profile

    result = seed_demo(scale=SMALL, now=WEDNESDAY_NOON)

    operator = operator_tenant()
    assert operator is not None
    assert operator.slug == OPERATOR_SLUG
    staff = User.unscoped.get(tenant=operator, email=OPERATOR_STAFF_EMAIL)
    assert staff.check_password(DEMO_PASSWORD)
    people = User.unscoped.filter(tenant=result.tenant).count()
    shown = Profile.unscoped.filter(tenant=result.tenant, finder_choice="shown").count()
    assert 0.5 * people < shown < people  # most, not all, chose to be shown


def test_a_real_operator_tenant_is_left_alone():
    from deskwerk.processor.selectors import operator_tenant
    from deskwerk.processor.services import operator_tenant_create

    real = operator_tenant_create(slug="ops", name="Real Operator GmbH")

    seed_demo(scale=SMALL, now=WEDNESDAY_NOON, reset=True)

    assert operator_tenant() == real
    assert Tenant.objects.filter(kind=Tenant.Kind.OPERATOR).count() == 1
