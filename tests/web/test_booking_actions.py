"""Booking, cancelling and changing from the web pages: through the services, once, with CSRF,
friendly refusals, and nothing across tenants."""

from __future__ import annotations

import datetime as dt

import pytest

from deskwerk.audit.models import AuditEvent
from deskwerk.bookings.models import Booking
from deskwerk.bookings.timeslots import DayPart, day_window
from deskwerk.tenancy.context import tenant_context
from tests.web.booking_support import (
    book_form,
    book_via_service,
    bookings_of,
    day,
    htmx,
    marker,
    signed_in,
)

pytestmark = pytest.mark.django_db


def test_it_books_through_the_service_and_says_so(member, site):
    when = day()
    client = signed_in(member)
    response = client.post("/t/acme/book/new/", book_form(site.desks[0], when))
    assert response.status_code == 302
    assert response["Location"].startswith("/t/acme/book/?floor=")
    [booking] = bookings_of(site.desks[0])
    assert booking.booked_for_id == booking.booked_by_id == member.pk
    assert (booking.starts_at, booking.ends_at) == day_window(site.location, when, DayPart.FULL)
    with tenant_context(site.location.tenant):
        assert AuditEvent.objects.filter(
            action="booking.create", object_id=str(booking.pk)
        ).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Booked: Desk D1" in page
    assert "s-mine" in marker(page, site.desks[0])


def test_htmx_booking_answers_with_the_refreshed_plan(member, site):
    when = day()
    response = signed_in(member).post(
        "/t/acme/book/new/",
        book_form(site.desks[0], when, window="morning", view="plan"),
        headers=htmx("book"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<div id="book"')
    assert "Booked: Desk D1" in html
    assert "s-mine" in marker(html, site.desks[0])
    assert "Cancel booking" in html  # the details now offer to cancel it
    [booking] = bookings_of(site.desks[0])
    assert booking.ends_at == day_window(site.location, when, DayPart.MORNING)[1]


def test_a_double_submitted_form_books_once(member, site):
    client = signed_in(member)
    form = book_form(site.desks[0], day())
    first = client.post("/t/acme/book/new/", form, headers=htmx("book"))
    second = client.post("/t/acme/book/new/", form, headers=htmx("book"))
    assert first.status_code == second.status_code == 200
    assert "Booked: Desk D1" in second.content.decode()
    assert len(bookings_of(site.desks[0])) == 1
    # A fresh form (a new token) is a new request: refused as the person's second desk.
    again = client.post("/t/acme/book/new/", book_form(site.desks[1], day()), headers=htmx("book"))
    assert again.status_code == 409
    assert "You already have a booking of this kind" in again.content.decode()


def test_a_place_taken_a_moment_ago_gets_a_friendly_message_and_the_fresh_plan(member, owner, site):
    when = day()
    client = signed_in(member)
    form = book_form(site.desks[0], when)  # the member's page showed D1 as free …
    book_via_service(owner, site.desks[0], when, "afternoon")  # … then the owner was faster
    response = client.post("/t/acme/book/new/", form, headers=htmx("book"))
    assert response.status_code == 409
    html = response.content.decode()
    assert "Sorry — D1 was just booked by someone else" in html
    assert 'role="alert"' in html
    assert "s-busy" in marker(html, site.desks[0])
    assert [b.booked_for_id for b in bookings_of(site.desks[0])] == [owner.pk]
    # Without htmx: the same message on the whole page, same status.
    plain = client.post("/t/acme/book/new/", book_form(site.desks[0], when))
    assert plain.status_code == 409
    assert "<html" in plain.content.decode()


def test_refusals_of_the_service_are_said_plainly(member, site):
    client = signed_in(member)
    past = client.post("/t/acme/book/new/", book_form(site.desks[0], day(-3)), headers=htmx("book"))
    assert past.status_code == 422
    assert "That time is already over" in past.content.decode()
    far = client.post("/t/acme/book/new/", book_form(site.desks[0], day(800)), headers=htmx("book"))
    assert far.status_code == 422
    assert "Bookings open 365 days ahead" in far.content.decode()
    bad = client.post(
        "/t/acme/book/new/",
        book_form(site.desks[0], day(), window="custom", start="12:00", end="11:00"),
    )
    assert bad.status_code == 422
    assert "the end after the start" in bad.content.decode()
    broken = client.post("/t/acme/book/new/", {"resource": site.desks[0].pk})
    assert broken.status_code == 400
    assert Booking.objects.model.unscoped.count() == 0


def test_custom_times_book_that_window_at_the_location(member, site):
    when = day()
    signed_in(member).post(
        "/t/acme/book/new/",
        book_form(site.desks[0], when, window="custom", start="09:30", end="11:15"),
    )
    [booking] = bookings_of(site.desks[0])
    local = booking.starts_at.astimezone(site.location.zone)
    assert (local.date(), local.time()) == (when, dt.time(9, 30))
    assert booking.ends_at - booking.starts_at == dt.timedelta(hours=1, minutes=45)


def test_csrf_is_required_for_every_post(member, site):
    booking = book_via_service(member, site.desks[1], day(4))
    client = signed_in(member, enforce_csrf_checks=True)
    refused = [
        client.post("/t/acme/book/new/", book_form(site.desks[0], day())),
        client.post("/t/acme/book/new/", book_form(site.desks[0], day()), headers=htmx("book")),
        client.post(f"/t/acme/bookings/{booking.pk}/cancel/"),
        client.post(f"/t/acme/bookings/{booking.pk}/change/", {"date": day(5), "window": "full"}),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403, 403]
    assert [b.state for b in bookings_of(site.desks[1])] == ["confirmed"]
    assert bookings_of(site.desks[0]) == []
    # With the token the same client may post.
    page = client.get("/t/acme/book/", {"resource": site.desks[0].pk, "date": day().isoformat()})
    token = page.cookies["csrftoken"].value
    ok = client.post(
        "/t/acme/book/new/",
        book_form(site.desks[0], day()),
        headers={"X-CSRFToken": token},
    )
    assert ok.status_code == 302


def test_an_owner_books_for_a_colleague_a_member_may_not(member, owner, site):
    when = day()
    refused = signed_in(member).post(
        "/t/acme/book/new/",
        book_form(site.desks[0], when, colleague=owner.email),
        headers=htmx("book"),
    )
    assert refused.status_code == 403
    assert "Your roles do not allow booking for colleagues" in refused.content.decode()
    assert bookings_of(site.desks[0]) == []
    done = signed_in(owner).post(
        "/t/acme/book/new/",
        book_form(site.desks[0], when, colleague=member.email),
        headers=htmx("book"),
    )
    assert done.status_code == 200
    assert "Booked Desk D1 for member" in done.content.decode()
    [booking] = bookings_of(site.desks[0])
    assert (booking.booked_for_id, booking.booked_by_id) == (member.pk, owner.pk)
    # The member sees it as theirs.
    page = signed_in(member).get("/t/acme/book/", {"date": when.isoformat()}).content.decode()
    assert "s-mine" in marker(page, site.desks[0])


def test_a_colleague_of_another_tenant_cannot_be_booked_for(owner, outsider, site):
    response = signed_in(owner).post(
        "/t/acme/book/new/",
        book_form(site.desks[0], day(), colleague=outsider.email),
        headers=htmx("book"),
    )
    assert response.status_code == 422
    assert "Nobody here has that e-mail address" in response.content.decode()
    assert bookings_of(site.desks[0]) == []


def test_resources_and_bookings_of_another_tenant_are_404(member, outsider, site, other_site):
    client = signed_in(member)
    response = client.post("/t/acme/book/new/", book_form(other_site.desks[0], day()))
    assert response.status_code == 404
    assert bookings_of(other_site.desks[0]) == []
    theirs = book_via_service(outsider, other_site.desks[0], day())
    assert client.post(f"/t/acme/bookings/{theirs.pk}/cancel/").status_code == 404
    assert client.get(f"/t/acme/bookings/{theirs.pk}/change/").status_code == 404
    assert [b.state for b in bookings_of(other_site.desks[0])] == ["confirmed"]
    # And the outsider's own session does not reach into acme.
    intruder = signed_in(outsider)
    assert intruder.post("/t/acme/book/new/", book_form(site.desks[0], day())).status_code == 302
    assert bookings_of(site.desks[0]) == []


def test_cancel_from_my_bookings(member, site):
    booking = book_via_service(member, site.desks[0], day())
    client = signed_in(member)
    response = client.post(f"/t/acme/bookings/{booking.pk}/cancel/", headers=htmx("mine"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<div id="mine"')
    assert "Cancelled: Desk D1" in html
    assert [b.state for b in bookings_of(site.desks[0])] == ["cancelled"]
    # Cancelling twice is harmless; without htmx it redirects back.
    again = client.post(f"/t/acme/bookings/{booking.pk}/cancel/", {"next": "/t/acme/bookings/"})
    assert again.status_code == 302
    assert again["Location"] == "/t/acme/bookings/"


def test_cancel_from_the_plan_answers_with_the_plan(member, site):
    when = day()
    booking = book_via_service(member, site.desks[0], when)
    response = signed_in(member).post(
        f"/t/acme/bookings/{booking.pk}/cancel/",
        {"floor": site.floor.pk, "date": when.isoformat(), "window": "full"},
        headers=htmx("book"),
    )
    html = response.content.decode()
    assert html.startswith('<div id="book"')
    assert "s-free" in marker(html, site.desks[0])


def test_an_unsafe_next_is_ignored(member, site):
    booking = book_via_service(member, site.desks[0], day())
    response = signed_in(member).post(
        f"/t/acme/bookings/{booking.pk}/cancel/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/t/acme/bookings/"


def test_a_member_cannot_touch_a_colleagues_booking_an_owner_can(member, owner, site):
    theirs = book_via_service(owner, site.desks[0], day())
    client = signed_in(member)
    assert client.post(f"/t/acme/bookings/{theirs.pk}/cancel/").status_code == 404
    assert client.get(f"/t/acme/bookings/{theirs.pk}/change/").status_code == 404
    assert [b.state for b in bookings_of(site.desks[0])] == ["confirmed"]
    mine = book_via_service(member, site.desks[1], day())
    response = signed_in(owner).post(f"/t/acme/bookings/{mine.pk}/cancel/")
    assert response.status_code == 302
    assert [b.state for b in bookings_of(site.desks[1])] == ["cancelled"]


def test_change_the_time_window(member, site):
    when = day()
    booking = book_via_service(member, site.desks[0], when)
    client = signed_in(member)
    page = client.get(f"/t/acme/bookings/{booking.pk}/change/")
    assert page.status_code == 200
    assert 'value="full" checked' in page.content.decode()
    response = client.post(
        f"/t/acme/bookings/{booking.pk}/change/",
        {"date": day(3).isoformat(), "window": "afternoon"},
    )
    assert response.status_code == 302
    [changed] = bookings_of(site.desks[0])
    assert (changed.starts_at, changed.ends_at) == day_window(
        site.location, day(3), DayPart.AFTERNOON
    )
    assert "Changed: Desk D1" in client.get(response["Location"]).content.decode()


def test_change_into_a_taken_time_is_refused_kindly(member, owner, site):
    when = day()
    booking = book_via_service(member, site.desks[0], when, "morning")
    book_via_service(owner, site.desks[0], when, "afternoon")
    response = signed_in(member).post(
        f"/t/acme/bookings/{booking.pk}/change/", {"date": when.isoformat(), "window": "full"}
    )
    assert response.status_code == 409
    assert "was just booked by someone else" in response.content.decode()
    [first, _] = bookings_of(site.desks[0])
    assert first.ends_at == day_window(site.location, when, DayPart.MORNING)[1]


def test_book_again_from_home(member, site):
    with tenant_context(site.location.tenant):
        Booking.objects.create(
            resource=site.desks[2],
            floor=site.floor,
            booked_for=member,
            booked_by=member,
            starts_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=3),
            ends_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=3, hours=-8),
            state=Booking.State.COMPLETED,
        )
    client = signed_in(member)
    html = client.get("/t/acme/").content.decode()
    form = html.split('id="again-title"')[1]
    token = form.split('name="token" value="')[1].split('"')[0]
    date = form.split('name="date" value="')[1].split('"')[0]
    response = client.post(
        "/t/acme/book/new/",
        {
            "resource": site.desks[2].pk,
            "token": token,
            "date": date,
            "window": "full",
            "floor": site.floor.pk,
            "next": "/t/acme/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/t/acme/"
    assert [b.state for b in bookings_of(site.desks[2])] == ["completed", "confirmed"]
