"""The colleague finder: who is in which building and floor on a day, under the tenant's mode
and each person's choice; never restricted people, never another tenant's people; a fixed
number of queries however many people."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deskwerk.accounts.models import User
from deskwerk.bookings.models import Booking
from deskwerk.bookings.timeslots import DayPart, day_window
from deskwerk.profiles.models import FavouriteColleague, Profile
from deskwerk.profiles.selectors import finder
from deskwerk.profiles.settings import EVERYONE, NOBODY, OPT_IN, OPT_OUT, finder_mode_update
from deskwerk.spaces.models import Resource
from deskwerk.tenancy.context import tenant_context
from tests.conftest import make_user
from tests.web.booking_support import day, signed_in

pytestmark = pytest.mark.django_db
DAY = day(3)


def book(person: User, resource: Resource, when: dt.date = DAY, part: str = "full") -> Booking:
    """A booking straight into the table (the finder reads bookings, whoever made them)."""
    with tenant_context(person.tenant):
        location = resource.floor.building.location
        start, end = day_window(location, when, DayPart(part))
        return Booking.objects.create(
            resource=resource,
            floor=resource.floor,
            booked_for=person,
            booked_by=person,
            starts_at=start,
            ends_at=end,
        )


def choose(person: User, choice: str) -> None:
    with tenant_context(person.tenant):
        Profile.objects.update_or_create(
            tenant=person.tenant, user=person, defaults={"finder_choice": choice}
        )


def set_mode(owner: User, mode: str) -> None:
    with tenant_context(owner.tenant):
        finder_mode_update(actor=owner, tenant=owner.tenant, mode=mode)
        owner.tenant.refresh_from_db()


def names(viewer: User, **options) -> list[str]:
    with tenant_context(viewer.tenant):
        viewer.tenant.refresh_from_db()
        return [e.name for e in finder(viewer=viewer, day=DAY, **options).entries]


# (mode, the person's choice) -> shown?
MATRIX = [
    (EVERYONE, "", True),
    (EVERYONE, "shown", True),
    (EVERYONE, "hidden", True),  # no choice in this mode: a stored one does not count
    (NOBODY, "", False),
    (NOBODY, "shown", False),
    (NOBODY, "hidden", False),
    (OPT_OUT, "", True),
    (OPT_OUT, "shown", True),
    (OPT_OUT, "hidden", False),
    (OPT_IN, "", False),
    (OPT_IN, "shown", True),
    (OPT_IN, "hidden", False),
]


@pytest.mark.parametrize(("mode", "choice", "shown"), MATRIX)
def test_every_mode_and_choice(mode, choice, shown, owner, member, site):
    book(member, site.desks[0])
    if choice:
        choose(member, choice)
    set_mode(owner, mode)

    assert names(owner) == (["member"] if shown else [])


def test_the_default_mode_shows_nobody_who_has_not_chosen(owner, member, site):
    """opt_in is every tenant's default (Art. 25 (2))."""
    book(member, site.desks[0])
    assert names(owner) == []
    choose(member, "shown")
    assert names(owner) == ["member"]


def test_no_profile_row_counts_as_the_default(owner, member, site):
    book(member, site.desks[0])
    set_mode(owner, OPT_OUT)
    with tenant_context(member.tenant):
        assert not Profile.objects.filter(user=member).exists()
    assert names(owner) == ["member"]


def test_restricted_and_inactive_people_are_never_shown(owner, member, tenant, site):
    set_mode(owner, EVERYONE)
    other = make_user(tenant, "gone@acme.test")
    book(member, site.desks[0])
    book(other, site.desks[1])
    User.unscoped.filter(pk=member.pk).update(restricted_at=timezone.now())
    User.unscoped.filter(pk=other.pk).update(is_active=False)

    assert names(owner) == []


def test_another_tenants_people_are_never_shown(owner, outsider, other_site, site, member):
    set_mode(owner, EVERYONE)
    set_mode(outsider, EVERYONE)
    book(outsider, other_site.desks[0])
    book(member, site.desks[0])

    assert names(owner) == ["member"]
    assert names(outsider) == ["owner"]  # the outsider's own booking only


def test_what_counts_as_being_there(owner, member, tenant, site):
    """Cancelled and released bookings, other days and home office do not place anyone."""
    set_mode(owner, EVERYONE)
    people = {n: make_user(tenant, f"{n}@acme.test") for n in ("anna", "bert", "cleo", "dora")}
    with tenant_context(tenant):
        home = Resource.objects.create(floor=site.floor, name="Home", kind="home_office")
    book(people["anna"], site.desks[0]).__class__.objects  # noqa: B018
    cancelled = book(people["bert"], site.desks[1])
    released = book(people["cleo"], site.desks[2])
    Booking.unscoped.filter(pk=cancelled.pk).update(state=Booking.State.CANCELLED)
    Booking.unscoped.filter(pk=released.pk).update(state=Booking.State.RELEASED)
    book(people["dora"], home)
    book(member, site.room, when=DAY + dt.timedelta(days=1))

    assert names(owner) == ["anna"]


def test_places_and_buildings_are_listed_in_the_locations_time(owner, member, site):
    set_mode(owner, EVERYONE)
    book(member, site.desks[0], part="morning")
    book(member, site.room, part="afternoon")
    with tenant_context(owner.tenant):
        entry = finder(viewer=owner, day=DAY).entries[0]

    assert [p.resource for p in entry.places] == ["D1", "Room"]
    assert entry.places[0].building == "A"
    assert entry.places[0].floor == "1"
    assert entry.places[0].timezone == "Europe/Berlin"


def test_the_day_is_each_locations_own_calendar_day(owner, member, tenant):
    """A booking at 20:00 in Honolulu on DAY is 06:00 UTC the next day: it counts for DAY."""
    from tests.conftest import Site

    set_mode(owner, EVERYONE)
    far = Site(tenant, timezone="Pacific/Honolulu")
    with tenant_context(tenant):
        location = far.location
        start = dt.datetime.combine(DAY, dt.time(20), tzinfo=location.zone)
        Booking.objects.create(
            resource=far.desks[0],
            floor=far.floor,
            booked_for=member,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
        )
    assert names(owner) == ["member"]
    with tenant_context(tenant):
        assert finder(viewer=owner, day=DAY + dt.timedelta(days=1)).entries == []


def test_search_by_name_and_favourites_first(owner, tenant, site):
    set_mode(owner, EVERYONE)
    zoe, adam, bea = (make_user(tenant, f"{n}@acme.test") for n in ("zoe", "adam", "bea"))
    for person, desk in zip((zoe, adam, bea), site.desks, strict=True):
        book(person, desk)
    with tenant_context(tenant):
        FavouriteColleague.objects.create(user=owner, colleague=zoe)

    assert names(owner) == ["zoe", "adam", "bea"]
    assert names(owner, query="BE") == ["bea"]
    assert names(owner, query="nobody") == []


def _many(tenant, site, count: int) -> None:
    with tenant_context(tenant):
        desks = Resource.objects.bulk_create(
            Resource(tenant=tenant, floor=site.floor, name=f"X{count}-{i}") for i in range(count)
        )
    for i, desk in enumerate(desks):
        person = make_user(tenant, f"p{count}-{i}@acme.test")
        book(person, desk)
        if i % 2:
            choose(person, "hidden")


def _queries(viewer: User) -> tuple[int, int]:
    client = signed_in(viewer)
    with CaptureQueriesContext(connection) as page:
        response = client.get(f"/t/acme/people/?date={DAY.isoformat()}")
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as selector, tenant_context(viewer.tenant):
        finder(viewer=viewer, day=DAY)
    return len(page), len(selector)


def test_the_number_of_queries_does_not_grow_with_people(owner, tenant, site):
    set_mode(owner, OPT_OUT)
    _many(tenant, site, 10)
    page_10, selector_10 = _queries(owner)
    _many(tenant, site, 90)
    page_100, selector_100 = _queries(owner)

    assert len(names(owner)) == 50  # half of them hid themselves
    assert selector_10 == selector_100 <= 4
    assert page_10 == page_100


# --- the page and the API --------------------------------------------------------------------


def test_the_page_lists_people_and_their_places(owner, member, site):
    set_mode(owner, EVERYONE)
    book(member, site.desks[0])
    page = signed_in(owner).get(f"/t/acme/people/?date={DAY.isoformat()}")
    text = page.content.decode()

    assert page.status_code == 200
    assert "member" in text
    assert "A · 1" in text
    assert "D1" in text


def test_with_the_finder_off_the_page_and_the_api_say_so(owner, member, api_owner, site):
    book(member, site.desks[0])
    set_mode(owner, NOBODY)

    page = signed_in(owner).get(f"/t/acme/people/?date={DAY.isoformat()}")
    assert page.status_code == 200
    assert "The colleague finder is off" in page.content.decode()
    assert "member@" not in page.content.decode()
    answer = api_owner.get("/people/finder", date=DAY.isoformat()).data
    assert answer["enabled"] is False
    assert answer["items"] == []
    assert answer["mode"] == "nobody"


def test_the_api_answers_with_places_and_default_day(owner, member, api_owner, site):
    set_mode(owner, EVERYONE)
    book(member, site.desks[0])
    answer = api_owner.get("/people/finder", date=DAY.isoformat()).data

    assert answer["enabled"] is True
    assert answer["date"] == DAY.isoformat()
    [item] = answer["items"]
    assert item["person_id"] == member.pk
    assert item["name"] == "member"
    assert item["places"][0]["resource"] == "D1"
    assert item["photo_url"] is None
    assert (
        api_owner.get("/people/finder").data["date"]
        == timezone.localdate(timezone=__import__("zoneinfo").ZoneInfo("Europe/Berlin")).isoformat()
    )


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01", "0001-01-01", "2026-02-30"])
def test_a_bad_date_is_422(api_owner, bad):
    response = api_owner.get("/people/finder", date=bad)
    assert response.status_code == 422
    assert response.data["code"] in ("validation_error",)


def test_a_bad_date_on_the_page_is_a_message(owner):
    page = signed_in(owner).get("/t/acme/people/?date=nonsense&q=" + "x" * 500)
    assert page.status_code == 200
    assert "Please enter a date" in page.content.decode()


def test_an_outsider_reaches_only_their_own_finder(outsider, member, owner, site):
    set_mode(owner, EVERYONE)
    book(member, site.desks[0])
    client = signed_in(outsider)
    assert client.get("/t/acme/people/").status_code == 302  # not signed in there
    theirs = client.get(f"/t/globex/people/?date={DAY.isoformat()}")
    assert theirs.status_code == 200
    assert "member" not in theirs.content.decode()


# --- the tenant's setting over the API ---------------------------------------------------------


def test_the_mode_is_set_by_privacy_admins_and_audited(api_owner, api_member, tenant):
    from deskwerk.audit.models import AuditEvent

    assert api_member.get("/tenant/people-settings").data["finder_mode"] == "opt_in"
    refused = api_member.client.generic(
        "PUT",
        "/api/v1/tenant/people-settings",
        '{"finder_mode": "everyone"}',
        content_type="application/json",
    )
    assert refused.status_code == 403
    bad = api_owner.client.generic(
        "PUT",
        "/api/v1/tenant/people-settings",
        '{"finder_mode": "all"}',
        content_type="application/json",
    )
    assert bad.status_code == 422
    ok = api_owner.client.generic(
        "PUT",
        "/api/v1/tenant/people-settings",
        '{"finder_mode": "everyone"}',
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert ok.json()["finder_mode"] == "everyone"
    with tenant_context(tenant):
        assert AuditEvent.objects.filter(action="tenant.finder_mode").count() == 1


def test_a_nul_in_the_search_is_harmless(api_owner, owner):
    """PostgreSQL cannot hold NUL in text: the search drops it instead of failing."""
    assert api_owner.get("/people/finder", q="me\x00mber").status_code == 200
    assert signed_in(owner).get("/t/acme/people/?q=me%00mber").status_code == 200
