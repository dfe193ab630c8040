"""The floor plan, its list view, my bookings and today: what they show, to whom, at what cost."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from deskwerk.bookings.models import Booking
from deskwerk.spaces.models import Amenity, Building, Floor, Location, Resource, ResourceAmenity
from deskwerk.tenancy.context import tenant_context
from tests.web.booking_support import (
    book_via_service,
    day,
    htmx,
    marker,
    shown,
    signed_in,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def amenities(tenant, site):
    with tenant_context(tenant):
        monitor = Amenity.objects.create(code="monitor", name="Monitor")
        standing = Amenity.objects.create(code="standing", name="Height-adjustable")
        for amenity in (monitor, standing):
            ResourceAmenity.objects.create(resource=site.desks[0], amenity=amenity)
        ResourceAmenity.objects.create(resource=site.desks[1], amenity=monitor)
    return monitor, standing


def test_it_shows_every_status_on_the_plan_with_a_name_that_says_it(member, owner, site, amenities):
    when = day()
    book_via_service(member, site.desks[0], when)
    book_via_service(owner, site.desks[1], when)
    with tenant_context(site.location.tenant):
        Resource.objects.filter(pk=site.room.pk).update(bookable=False)
    response = signed_in(member).get("/t/acme/book/", {"date": when.isoformat()})
    assert response.status_code == 200
    html = response.content.decode()
    mine = marker(html, site.desks[0])
    assert "s-mine" in mine
    assert 'aria-label="Desk D1 — booked by you — Height-adjustable, Monitor"' in mine
    assert "s-busy" in marker(html, site.desks[1])
    assert 'aria-label="Desk D2 — booked — Monitor"' in marker(html, site.desks[1])
    assert "s-free" in marker(html, site.desks[2])
    assert 'aria-label="Desk D3 — free"' in marker(html, site.desks[2])
    assert "s-unavailable" in marker(html, site.room)
    # Every place is a real button, in one form that works without script as well.
    assert html.count('class="res ') == 4
    assert 'id="pick" class="book-results" method="get"' in html


def test_the_list_shows_the_same_places_statuses_and_actions(member, owner, site, amenities):
    when = day()
    book_via_service(owner, site.desks[1], when)
    response = signed_in(member).get("/t/acme/book/list/", {"date": when.isoformat()})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<table" in html
    for resource in [*site.desks, site.room]:
        assert f'name="resource" value="{resource.pk}"' in html
    assert '<span class="status s-busy">booked</span>' in html
    assert html.count('<span class="status s-free">free</span>') == 3
    assert "Height-adjustable, Monitor" in html


def test_it_filters_by_type_and_amenity(member, site, amenities):
    monitor, standing = amenities
    client = signed_in(member)
    html = client.get("/t/acme/book/list/", {"kind": "room"}).content.decode()
    assert shown(html, site.room)
    assert not shown(html, site.desks[0])
    html = client.get("/t/acme/book/", {"amenity": [monitor.pk]}).content.decode()
    assert [shown(html, d) for d in site.desks] == [True, True, False]
    html = client.get("/t/acme/book/", {"amenity": [monitor.pk, standing.pk]}).content.decode()
    assert [shown(html, d) for d in site.desks] == [True, False, False]


def test_htmx_gets_fragments_not_pages(member, site):
    client = signed_in(member)
    whole = client.get("/t/acme/book/").content.decode()
    assert "<html" in whole
    part = client.get("/t/acme/book/", {"date": day().isoformat()}, headers=htmx("book"))
    assert part.status_code == 200
    html = part.content.decode()
    assert "<html" not in html
    assert html.startswith('<div id="book"')
    details = client.get(
        "/t/acme/book/", {"resource": site.desks[0].pk}, headers=htmx("details")
    ).content.decode()
    assert details.startswith('<aside id="details"')
    assert "Book D1" in details


def test_the_details_offer_booking_for_colleagues_only_to_those_allowed(member, owner, site):
    query = {"resource": site.desks[0].pk, "date": day().isoformat()}
    as_member = signed_in(member).get("/t/acme/book/", query).content.decode()
    assert 'name="colleague"' not in as_member
    as_owner = signed_in(owner).get("/t/acme/book/", query).content.decode()
    assert 'name="colleague"' in as_owner
    assert member.email in as_owner


def test_a_changed_location_wins_over_the_floor_of_the_old_one(member, tenant, site):
    with tenant_context(tenant):
        other = Location.objects.create(name="Branch", timezone="America/New_York")
        building = Building.objects.create(location=other, name="B")
        floor = Floor.objects.create(building=building, name="Ground", level=0)
        Resource.objects.create(floor=floor, name="NY-1")
    client = signed_in(member)
    html = client.get(
        "/t/acme/book/",
        {"location": other.pk, "building": site.building.pk, "floor": site.floor.pk},
    ).content.decode()
    assert "NY-1" in html
    assert f'<option value="{floor.pk}" selected>' in html
    assert "America/New_York" in html


def test_custom_times_are_wall_clock_times_of_the_location(member, owner, site):
    when = day()
    book_via_service(owner, site.desks[0], when, "morning")  # 08:00-13:00 Berlin
    client = signed_in(member)
    params = {"date": when.isoformat(), "window": "custom"}
    early = client.get("/t/acme/book/", {**params, "start": "09:00", "end": "10:00"})
    assert "s-busy" in marker(early.content.decode(), site.desks[0])
    late = client.get("/t/acme/book/", {**params, "start": "13:00", "end": "15:00"})
    assert "s-free" in marker(late.content.decode(), site.desks[0])
    # Half-open intervals: the morning ends at 13:00 Berlin, which is 12:00 UTC in winter
    # and 11:00 UTC in summer; either way the afternoon is free.
    afternoon = client.get("/t/acme/book/", {"date": when.isoformat(), "window": "afternoon"})
    assert "s-free" in marker(afternoon.content.decode(), site.desks[0])


def test_custom_times_that_make_no_window_are_explained(member, site):
    response = signed_in(member).get(
        "/t/acme/book/", {"window": "custom", "start": "15:00", "end": "09:00"}
    )
    assert response.status_code == 200
    assert "the end after the start" in response.content.decode()


@pytest.mark.parametrize(
    "param", ["floor", "building", "location", "resource"], ids=lambda p: f"{p}-of-globex"
)
def test_ids_of_another_tenant_are_404(member, site, other_site, param):
    value = {
        "floor": other_site.floor.pk,
        "building": other_site.building.pk,
        "location": other_site.location.pk,
        "resource": other_site.desks[0].pk,
    }[param]
    client = signed_in(member)
    assert client.get("/t/acme/book/", {param: value}).status_code == 404
    assert client.get("/t/acme/book/list/", {param: value}).status_code == 404


def test_a_person_of_another_tenant_is_a_stranger_here(outsider, site, other_site):
    client = signed_in(outsider)
    response = client.get("/t/acme/book/")
    assert response.status_code == 302
    assert response["Location"].startswith("/t/acme/login/")
    assert client.get("/t/globex/book/", {"floor": site.floor.pk}).status_code == 404


@pytest.mark.parametrize(
    "path", ["/t/acme/", "/t/acme/book/", "/t/acme/book/list/", "/t/acme/bookings/"]
)
def test_anonymous_visitors_are_sent_to_sign_in(site, path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/t/acme/login/?next=")


def test_an_ended_session_sends_htmx_to_sign_in_not_into_the_plan(site):
    response = Client().get(
        "/t/acme/book/",
        {"date": day().isoformat()},
        headers={**htmx("book"), "HX-Current-URL": "http://testserver/t/acme/book/?floor=1"},
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/t/acme/login/?next=%2Ft%2Facme%2Fbook%2F%3Ffloor%3D1"
    assert response.content == b""


def test_an_unknown_tenant_is_404(member):
    assert signed_in(member).get("/t/nope/book/").status_code == 404


def test_a_tenant_without_floors_says_so(member):
    html = signed_in(member).get("/t/acme/book/").content.decode()
    assert "There are no floors to book yet" in html


def test_my_bookings_lists_upcoming_and_past_with_local_times(member, site):
    upcoming = book_via_service(member, site.desks[0], day())
    with tenant_context(site.location.tenant):
        past = Booking.objects.create(
            resource=site.desks[1],
            floor=site.floor,
            booked_for=member,
            booked_by=member,
            starts_at=dt.datetime(2024, 3, 4, 7, 0, tzinfo=dt.UTC),
            ends_at=dt.datetime(2024, 3, 4, 17, 0, tzinfo=dt.UTC),
            state=Booking.State.COMPLETED,
        )
    html = signed_in(member).get("/t/acme/bookings/").content.decode()
    assert f"/bookings/{upcoming.pk}/cancel/" in html
    assert f"/bookings/{upcoming.pk}/change/" in html
    assert f"/bookings/{past.pk}/cancel/" not in html
    past_part = html.split('id="past-title"')[1]
    assert "D2" in past_part
    assert "completed" in past_part
    # 07:00 UTC on 4 March 2024 is 08:00 in Berlin.
    assert "08:00–18:00" in past_part


def test_home_shows_today_next_and_book_again(member, site):
    with tenant_context(site.location.tenant):
        Booking.objects.create(
            resource=site.desks[2],
            floor=site.floor,
            booked_for=member,
            booked_by=member,
            starts_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=7),
            ends_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=7) + dt.timedelta(hours=8),
            state=Booking.State.COMPLETED,
        )
    nxt = book_via_service(member, site.desks[0], day(3))
    html = signed_in(member).get("/t/acme/").content.decode()
    next_part = html.split('id="next-title"')[1].split('id="again-title"')[0]
    assert "D1" in next_part
    again = html.split('id="again-title"')[1]
    assert f'name="resource" value="{site.desks[2].pk}"' in again
    assert f'name="resource" value="{nxt.resource_id}"' in again  # booked recently too


def _floor_of(tenant, building, name: str, size: int, amenities: list[Amenity]) -> Floor:
    rng = random.Random(size)
    floor = Floor.objects.create(building=building, name=name, level=size)
    resources = Resource.objects.bulk_create(
        Resource(
            tenant=tenant,
            floor=floor,
            name=f"{name}-{n:03d}",
            kind="desk" if n % 10 else "room",
            bookable=n % 50 != 7,
            pos_x=rng.uniform(0, 1000),
            pos_y=rng.uniform(0, 1000),
        )
        for n in range(size)
    )
    ResourceAmenity.objects.bulk_create(
        ResourceAmenity(tenant=tenant, resource=r, amenity=a)
        for r in resources
        for a in rng.sample(amenities, rng.randint(0, len(amenities)))
    )
    return floor


@pytest.mark.parametrize("path", ["/t/acme/book/", "/t/acme/book/list/"])
def test_the_same_number_of_queries_for_50_and_500_places(member, owner, tenant, site, path):
    when = day()
    with tenant_context(tenant):
        amenities = [Amenity.objects.create(code=f"a{i}", name=f"Amenity {i}") for i in range(4)]
        small = _floor_of(tenant, site.building, "S", 50, amenities)
        large = _floor_of(tenant, site.building, "L", 500, amenities)
    for floor, part in ((small, "morning"), (large, "afternoon")):
        with tenant_context(tenant):
            desks = list(Resource.objects.filter(floor=floor, bookable=True, kind="desk")[:2])
        book_via_service(member, desks[0], when, part)
        book_via_service(owner, desks[1], when, part)
    client = signed_in(member)
    counted = {}
    for floor in (small, large):
        params = {"floor": floor.pk, "date": when.isoformat(), "amenity": [amenities[0].pk]}
        client.get(path, params)  # warm-up: one-off writes (session, usage) do not count
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, params)
        assert response.status_code == 200
        counted[floor.name] = len(queries)
    assert counted["S"] == counted["L"], counted
    html = response.content.decode()
    assert html.count('name="resource" value=') > 100
