"""Favourite places and colleagues: one's own, of one's own tenant, audited; quick booking of
favourite places from the home page."""

from __future__ import annotations

import pytest

from deskwerk.audit.models import AuditEvent
from deskwerk.bookings.models import Booking
from deskwerk.profiles.models import FavouriteColleague, FavouriteResource
from deskwerk.tenancy.context import tenant_context
from tests.api.conftest import assert_problem
from tests.web.booking_support import book_via_service, signed_in, token

pytestmark = pytest.mark.django_db


def favourites(user) -> tuple[list[int], list[int]]:
    with tenant_context(user.tenant):
        return (
            list(FavouriteResource.objects.filter(user=user).values_list("resource_id", flat=True)),
            list(
                FavouriteColleague.objects.filter(user=user).values_list("colleague_id", flat=True)
            ),
        )


def test_add_list_and_remove_over_the_api(api_member, member, owner, site):
    desk = site.desks[1]
    added = api_member.post("/me/favourites", {"resource_id": desk.pk})
    again = api_member.post("/me/favourites", {"resource_id": desk.pk})
    colleague = api_member.post("/me/favourites", {"person_id": owner.pk})

    assert added.status_code == 201
    assert again.status_code == 200
    assert again.data["id"] == added.data["id"]
    assert colleague.status_code == 201
    listed = api_member.get("/me/favourites").data
    assert [f["resource_id"] for f in listed["items"]] == [desk.pk]
    assert listed["items"][0]["building"] == "A"
    assert [c["person_id"] for c in listed["colleagues"]] == [owner.pk]

    assert api_member.delete(f"/me/favourites/resources/{desk.pk}").status_code == 204
    assert api_member.delete(f"/me/favourites/people/{owner.pk}").status_code == 204
    assert favourites(member) == ([], [])
    with tenant_context(member.tenant):
        actions = list(
            AuditEvent.objects.filter(actor_id=member.pk, action__startswith="favourite.")
            .order_by("id")
            .values_list("action", flat=True)
        )
    assert actions == ["favourite.add", "favourite.add", "favourite.remove", "favourite.remove"]


def test_foreign_places_and_people_are_404(api_member, member, other_site, outsider):
    for body in (
        {"resource_id": other_site.desks[0].pk},
        {"person_id": outsider.pk},
        {"resource_id": 10**9},
        {"person_id": 10**9},
    ):
        assert_problem(api_member.post("/me/favourites", body), 404, "not_found")
    assert_problem(
        api_member.delete(f"/me/favourites/resources/{other_site.desks[0].pk}"), 404, "not_found"
    )
    assert_problem(api_member.delete(f"/me/favourites/people/{outsider.pk}"), 404, "not_found")
    assert favourites(member) == ([], [])


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"resource_id": 1, "person_id": 2},
        {"resource_id": "1"},
        {"resource_id": None},
        {"colour": "blue"},
        [],
    ],
)
def test_bad_bodies_are_422(api_member, member, body):
    assert api_member.post("/me/favourites", body).status_code == 422
    assert favourites(member) == ([], [])


def test_oneself_and_restricted_colleagues_cannot_be_favourites(api_member, member, owner):
    from django.utils import timezone

    from deskwerk.accounts.models import User

    assert_problem(
        api_member.post("/me/favourites", {"person_id": member.pk}), 422, "favourite_self"
    )
    User.unscoped.filter(pk=owner.pk).update(restricted_at=timezone.now())
    assert_problem(api_member.post("/me/favourites", {"person_id": owner.pk}), 404, "not_found")


def test_a_colleagues_erasure_takes_the_favourite_along(api_member, member, owner, tenant):
    from deskwerk.accounts.services import user_create

    with tenant_context(tenant):
        gone = user_create(tenant=tenant, email="gone@acme.test", full_name="Gone", role="member")
    api_member.post("/me/favourites", {"person_id": gone.pk})
    from deskwerk.privacy.requests.erasure import person_erase

    with tenant_context(tenant):
        person_erase(actor=owner, person=gone)
    assert favourites(member) == ([], [])


# --- the pages -------------------------------------------------------------------------------


def test_star_a_place_from_the_plan_and_remove_it_on_the_profile(member, site):
    client = signed_in(member)
    desk = site.desks[0]
    plan = client.get(f"/t/acme/book/?floor={site.floor.pk}&resource={desk.pk}")
    assert "Add to favourites" in plan.content.decode()

    added = client.post(
        f"/t/acme/me/favourites/resources/{desk.pk}/",
        {"action": "add", "next": f"/t/acme/book/?floor={site.floor.pk}&resource={desk.pk}"},
    )
    assert added.status_code == 302
    assert added["Location"].startswith("/t/acme/book/")
    assert favourites(member)[0] == [desk.pk]
    profile = client.get("/t/acme/me/profile/").content.decode()
    assert "D1" in profile

    client.post(f"/t/acme/me/favourites/resources/{desk.pk}/", {"action": "remove"})
    assert favourites(member)[0] == []


def test_an_unsafe_next_is_ignored(member, site):
    response = signed_in(member).post(
        f"/t/acme/me/favourites/resources/{site.desks[0].pk}/",
        {"action": "add", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/t/acme/me/profile/"


def test_foreign_ids_on_the_pages_are_404(member, other_site, outsider):
    client = signed_in(member)
    assert (
        client.post(
            f"/t/acme/me/favourites/resources/{other_site.desks[0].pk}/", {"action": "add"}
        ).status_code
        == 404
    )
    assert (
        client.post(f"/t/acme/me/favourites/people/{outsider.pk}/", {"action": "add"}).status_code
        == 404
    )
    assert favourites(member) == ([], [])


def test_add_a_colleague_from_the_finder(member, owner):
    client = signed_in(member)
    response = client.post(
        f"/t/acme/me/favourites/people/{owner.pk}/", {"action": "add", "next": "/t/acme/people/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/t/acme/people/"
    assert favourites(member)[1] == [owner.pk]


def test_csrf_is_required(member, site):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(f"/t/acme/me/favourites/resources/{site.desks[0].pk}/")
    assert response.status_code == 403
    assert favourites(member) == ([], [])


def test_home_offers_favourites_for_one_click_booking(member, owner, site):
    client = signed_in(member)
    free, taken = site.desks[0], site.desks[1]
    for desk in (free, taken):
        client.post(f"/t/acme/me/favourites/resources/{desk.pk}/", {"action": "add"})
    import datetime as dt

    from django.utils import timezone

    from deskwerk.web.people_views import favourite_offers

    # Someone else has the second one tomorrow.
    location = site.location
    tomorrow = timezone.now().astimezone(location.zone).date() + dt.timedelta(days=1)
    book_via_service(owner, taken, tomorrow)
    with tenant_context(member.tenant):
        offers = {o["resource"].pk: o for o in favourite_offers(member, timezone.now())}
    assert offers[taken.pk]["days"][-1]["status"] == "busy"
    assert offers[free.pk]["days"][-1]["status"] == "free"

    home = client.get("/t/acme/").content.decode()
    assert "Favourite places" in home
    assert "Book tomorrow" in home
    assert "Taken tomorrow" in home

    booked = client.post(
        "/t/acme/book/new/",
        {
            "resource": free.pk,
            "token": token(),
            "date": tomorrow.isoformat(),
            "window": "full",
            "floor": free.floor_id,
            "next": "/t/acme/",
        },
    )
    assert booked.status_code == 302
    with tenant_context(member.tenant):
        assert Booking.objects.filter(booked_for=member, resource=free).count() == 1
    home = client.get("/t/acme/").content.decode()
    assert "Yours tomorrow" in home
