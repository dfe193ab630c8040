"""Booking in a real browser: the plan, the list, my bookings; by mouse and by keyboard.

Runs on the kit of tests/browser/conftest.py (Debian's Chromium, axe-core on every page, no
CSP violations or script errors). The floor is drawn like the demo's, with a real SVG plan.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile

from deskwerk.accounts.models import User
from deskwerk.bookings.models import Booking
from deskwerk.demo.floorplan import office_layout, render_svg
from deskwerk.spaces.models import Amenity, Building, Floor, Location, Resource, ResourceAmenity
from deskwerk.tenancy.context import tenant_context
from tests.browser.conftest import UI
from tests.web.booking_support import book_via_service, day


@pytest.fixture
def office(tenant: Any, owner: User) -> Floor:
    """A floor with a drawn plan, 24 desks and two rooms; the owner holds three desks."""
    layout = office_layout(
        title="Main · 3rd floor",
        desk_prefix="3",
        desk_count=24,
        rooms=[("Neckar", 8), ("Rems", 4)],
        zone_names=["Product", "Sales"],
    )
    with tenant_context(tenant):
        location = Location.objects.create(name="Stuttgart", timezone="Europe/Berlin")
        building = Building.objects.create(location=location, name="Main")
        floor = Floor.objects.create(
            building=building,
            name="3rd floor",
            level=3,
            plan_width=layout.width,
            plan_height=layout.height,
        )
        floor.plan_image.save("acme-3.svg", ContentFile(render_svg(layout).encode()), save=True)
        monitor = Amenity.objects.create(code="monitor", name="Monitor")
        standing = Amenity.objects.create(code="standing", name="Height-adjustable")
        resources = [
            Resource.objects.create(
                floor=floor,
                kind=item.kind,
                name=item.name,
                capacity=item.capacity,
                pos_x=item.x,
                pos_y=item.y,
            )
            for item in layout.items
        ]
        for n, resource in enumerate(r for r in resources if r.kind == "desk"):
            ResourceAmenity.objects.create(resource=resource, amenity=monitor)
            if n % 3 == 0:
                ResourceAmenity.objects.create(resource=resource, amenity=standing)
    desks = [r for r in resources if r.kind == "desk"]
    book_via_service(owner, desks[1], day(), "morning")
    book_via_service(owner, next(r for r in resources if r.kind == "room"), day())
    return floor


def _wait_for_focus(page: Any, element_id: str) -> None:
    """Poll from Python: page.wait_for_function would need eval, which our CSP forbids."""
    for _ in range(100):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"#{element_id} never got the focus")


def _wait_until(page: Any, expression: str) -> None:
    """Poll an expression from Python (no eval in the page: CSP) for up to five seconds."""
    for _ in range(100):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"never true: {expression}")


def _free_marker(page: Any) -> Any:
    return page.locator(".plan button.res.s-free.k-desk").first


def test_book_a_desk_on_the_plan_see_it_as_mine_and_cancel_it(member_ui: UI, office: Floor):
    ui, page = member_ui, member_ui.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Floor plans").click()
    page.wait_for_load_state("load")
    ui.check()
    ui.goto(f"/t/acme/book/?floor={office.pk}&date={day().isoformat()}")
    assert page.locator(".plan.ready").count() == 1
    busy = page.locator(".plan button.res.s-busy")
    assert busy.count() == 2
    assert "booked" in busy.first.get_attribute("aria-label")

    marker = _free_marker(page)
    name = marker.get_attribute("aria-label")
    assert name.startswith("Desk 3-")
    assert " — free — " in name
    assert "Monitor" in name
    marker.click()
    details = page.locator("#details")
    book_button = details.get_by_role("button", name="Book ")
    book_button.wait_for()
    ui.check()
    ui.shot("booking-details")
    book_button.click()
    page.get_by_text("Booked: ").wait_for()
    assert page.locator(".plan button.res.s-mine").count() == 1
    mine = page.locator(".plan button.res.s-mine")
    assert " — booked by you" in mine.get_attribute("aria-label")
    ui.check()
    ui.shot("booking-plan")
    ui.shot("booking-plan", phone=True)
    ui.shot("booking-plan", dark=True)

    page.get_by_role("link", name="List").click()
    page.wait_for_load_state("load")
    ui.check()
    row = page.locator("tr", has=page.locator(".status.s-mine"))
    assert row.count() == 1
    ui.shot("booking-list")

    ui.goto("/t/acme/bookings/")
    upcoming = page.locator("#upcoming-title + ul li")
    assert upcoming.count() == 1
    ui.shot("my-bookings")
    page.once("dialog", lambda dialog: dialog.accept())
    upcoming.get_by_role("button", name="Cancel").click()
    page.get_by_text("Cancelled: ").wait_for()
    ui.check()
    with tenant_context(office.tenant):
        states = list(
            Booking.objects.filter(booked_for__email="member@acme.test").values_list(
                "state", flat=True
            )
        )
    assert states == ["cancelled"]


def test_the_plan_works_by_keyboard(member_ui: UI, office: Floor):
    ui, page = member_ui, member_ui.page
    ui.goto(f"/t/acme/book/?floor={office.pk}&date={day().isoformat()}")
    markers = page.locator(".plan button.res")
    # One tab stop for the whole plan: reached with Tab, the rest with the arrow keys.
    assert page.locator(".plan button.res[tabindex='0']").count() == 1
    page.locator(".plan button.res[tabindex='0']").focus()
    first = page.evaluate("document.activeElement.getAttribute('aria-label')")
    page.keyboard.press("ArrowRight")
    second = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert second != first
    assert page.evaluate("document.activeElement.classList.contains('res')")
    page.keyboard.press("End")
    assert page.evaluate("document.activeElement") is not None
    assert page.evaluate(
        "document.activeElement === [...document.querySelectorAll('.plan button.res')].pop()"
    )
    page.keyboard.press("Home")
    # Move to a free desk with the arrows, open it with Enter.
    for _ in range(markers.count()):
        if page.evaluate("document.activeElement.matches('.res.s-free.k-desk')"):
            break
        page.keyboard.press("ArrowRight")
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert "— free" in label
    page.keyboard.press("Enter")
    page.locator("#details-title").wait_for()
    _wait_for_focus(page, "details-title")
    # Escape returns to the place; Enter again, then Tab to the form and book.
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.classList.contains('sel')")
    page.keyboard.press("Enter")
    _wait_for_focus(page, "details-title")
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.startsWith('Book ')"):
            break
    page.keyboard.press("Enter")
    page.get_by_text("Booked: ").wait_for()
    # The script moves the focus to the message right after the swap: wait for it, not race it.
    _wait_until(page, "document.activeElement.classList.contains('message')")
    ui.check()
    assert page.locator(".plan button.res.s-mine").count() == 1


def test_the_plan_speaks_german(new_ui: Any, member: User, office: Floor):
    ui = new_ui(locale="de-DE")
    ui.login(member)
    ui.goto(f"/t/acme/book/?floor={office.pk}&date={day().isoformat()}")
    page = ui.page
    assert page.locator("h1").inner_text() == "Platz buchen"
    label = page.locator(".plan button.res.s-free.k-desk").first.get_attribute("aria-label")
    assert label.startswith("Arbeitsplatz 3-")
    assert " — frei — " in label
    ui.shot("booking-plan-de")
