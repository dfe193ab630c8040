"""The plan editor in a real browser: an administrator adds desks by keyboard and by drag and
drop, they are saved, and employees find them on their floor plan.

Runs on the kit of tests/browser/conftest.py (Debian's Chromium, axe-core on every page, no CSP
violations or script errors).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile

from deskwerk.accounts.models import User
from deskwerk.demo.floorplan import office_layout, render_svg
from deskwerk.spaces.models import Building, Floor, Location, Resource
from deskwerk.tenancy.context import tenant_context
from tests.browser.conftest import UI
from tests.web.booking_support import day


@pytest.fixture
def floor(tenant: Any) -> Floor:
    """A drawn floor with a few desks, as an administrator finds it before placing more."""
    layout = office_layout(
        title="Main · 2nd floor",
        desk_prefix="2",
        desk_count=6,
        rooms=[("Neckar", 8)],
        zone_names=["Product"],
    )
    with tenant_context(tenant):
        location = Location.objects.create(name="Stuttgart", timezone="Europe/Berlin")
        building = Building.objects.create(location=location, name="Main")
        floor = Floor.objects.create(
            building=building,
            name="2nd floor",
            level=2,
            plan_width=layout.width,
            plan_height=layout.height,
        )
        floor.plan_image.save("acme-2.svg", ContentFile(render_svg(layout).encode()), save=True)
        for item in layout.items:
            Resource.objects.create(
                floor=floor,
                kind=item.kind,
                name=item.name,
                capacity=item.capacity,
                pos_x=item.x,
                pos_y=item.y,
            )
    return floor


def _resource(floor: Floor, name: str) -> Resource:
    with tenant_context(floor.tenant):
        return Resource.objects.get(floor=floor, name=name)


def _wait_for_status(page: Any, text: str) -> str:
    status = page.locator("#editor-status")
    for _ in range(100):
        if text in (status.text_content() or ""):
            return status.text_content() or ""
        page.wait_for_timeout(50)
    raise AssertionError(f"status never said {text!r}: {status.text_content()!r}")


def _fits_a_phone(page: Any) -> None:
    """At 360 px nothing sticks out sideways (the page never scrolls horizontally)."""
    page.set_viewport_size({"width": 360, "height": 740})
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
    finally:
        page.set_viewport_size({"width": 1280, "height": 860})
    assert width <= 360, f"{page.url} is {width} px wide on a phone"


def test_place_desks_by_keyboard_and_by_drag_and_drop(
    owner_ui: UI, new_ui: Any, member: User, floor: Floor
) -> None:
    ui, page = owner_ui, owner_ui.page
    ui.goto("/t/acme/admin/spaces/")
    ui.shot("admin-spaces")
    _fits_a_phone(page)
    page.get_by_role("link", name="Plan and places — 2nd floor").click()
    page.wait_for_load_state("load")
    ui.check()
    assert page.locator(".plan.editor-plan.ready").count() == 1

    # --- by keyboard: "Add desk" with Enter puts it in the middle, arrows move, Enter saves.
    page.locator("#new-name").fill("K1")
    page.get_by_role("button", name="Add desk", exact=True).focus()
    page.keyboard.press("Enter")
    _wait_for_status(page, "K1 added")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Desk K1"
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowDown")
    _wait_for_status(page, "not saved yet")
    page.keyboard.press("Enter")
    _wait_for_status(page, "Saved: K1")
    desk = _resource(floor, "K1")
    assert desk.pos_x == pytest.approx(floor.plan_width * 0.53, abs=0.5)
    assert desk.pos_y == pytest.approx(floor.plan_height * 0.60, abs=0.5)
    ui.check()

    # Escape puts an unsaved move back.
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Escape")
    _wait_for_status(page, "back at its saved position")
    assert _resource(floor, "K1").pos_x == desk.pos_x

    # --- by pointer: "Add desk", click on the drawing; then drag it somewhere else.
    page.locator("#new-name").fill("M1")
    page.set_viewport_size({"width": 1280, "height": 1800})  # the whole drawing on screen
    page.get_by_role("button", name="Add desk", exact=True).click()
    page.locator(".editor-plan").scroll_into_view_if_needed()
    box = page.locator(".editor-plan").bounding_box()
    assert box["y"] >= 0, box
    assert box["y"] + box["height"] <= 1800, box
    page.mouse.click(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.8)
    _wait_for_status(page, "M1 added")
    assert page.locator("#place-rows tr[data-row]", has_text="M1").count() == 1
    placed = _resource(floor, "M1")
    assert placed.pos_x == pytest.approx(floor.plan_width * 0.2, rel=0.03)
    assert placed.pos_y == pytest.approx(floor.plan_height * 0.8, rel=0.03)

    marker = page.locator(".editor-plan button.res[data-name='M1']")
    start = marker.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    target = (box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.3)
    page.mouse.move(*target, steps=8)
    page.mouse.up()
    _wait_for_status(page, "Saved: M1")
    moved = _resource(floor, "M1")
    assert moved.pos_x == pytest.approx(floor.plan_width * 0.7, rel=0.03)
    assert moved.pos_y == pytest.approx(floor.plan_height * 0.3, rel=0.03)
    ui.check()
    ui.shot("admin-editor")
    ui.shot("admin-editor", phone=True)
    ui.shot("admin-editor", dark=True)
    _fits_a_phone(page)

    # --- the employees' floor plan shows both new desks.
    employee = new_ui()
    employee.login(member)
    employee.goto(f"/t/acme/book/?floor={floor.pk}&date={day().isoformat()}")
    labels = [
        employee.page.locator(f".plan button.res[value='{r.pk}']").get_attribute("aria-label")
        for r in (desk, moved)
    ]
    assert labels[0].startswith("Desk K1 — free")
    assert labels[1].startswith("Desk M1 — free")


def test_members_are_not_allowed(member_ui: UI, floor: Floor) -> None:
    response = member_ui.goto(f"/t/acme/admin/spaces/floors/{floor.pk}/plan/")
    assert response.status == 403
    assert member_ui.page.get_by_role("heading", name="Not allowed").count() == 1


def test_bulk_form_and_resource_form_pass_axe(owner_ui: UI, floor: Floor) -> None:
    ui, page = owner_ui, owner_ui.page
    ui.goto(f"/t/acme/admin/spaces/floors/{floor.pk}/rows/new/")
    page.get_by_label("Name prefix").fill("B")
    page.get_by_label("How many").fill("4")
    page.get_by_role("button", name="Create places").click()
    page.wait_for_load_state("load")
    ui.check()
    assert page.locator(".editor-plan button.res[data-name^='B']").count() == 4
    ui.shot("admin-bulk-result")
    ui.goto(f"/t/acme/admin/spaces/places/{_resource(floor, 'B1').pk}/")
    ui.shot("admin-place-form")
    _fits_a_phone(page)
