"""Profile and colleague finder in a real browser: a member shows themselves, adds a photo,
books a desk and stars it; a colleague finds them. axe-core runs on every page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import UI
from tests.conftest import Site
from tests.profiles.kit import portrait
from tests.web.booking_support import day


@pytest.fixture(autouse=True)
def _photos_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.PROFILE_PHOTO_DIR = tmp_path / "photos"


def test_a_member_shows_themselves_books_and_a_colleague_finds_them(
    member_ui: UI, owner_ui: UI, site: Site
):
    ui, page = member_ui, member_ui.page
    when = day(2).isoformat()

    # The user menu leads to the profile.
    page.locator(".usermenu summary").click()
    page.get_by_role("link", name="Profile").click()
    page.wait_for_load_state("load")
    ui.check()
    assert ui.path == "/t/acme/me/profile/"

    # A photo (with a GPS position in its EXIF, which is dropped) and "show me".
    page.set_input_files(
        "#photo-file",
        files=[{"name": "me.jpg", "mimeType": "image/jpeg", "buffer": portrait()}],
    )
    page.get_by_role("button", name="Upload photo").click()
    page.get_by_text("Your photo is saved.").wait_for()
    ui.check()
    assert page.locator("img.photo-large").evaluate("img => img.naturalWidth") == 512
    page.get_by_label("Show me to colleagues on days I have booked a place").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Your profile is saved.").wait_for()
    ui.check()
    ui.shot("profile")

    # Book a desk on the plan and star it.
    desk_url = f"/t/acme/book/?floor={site.floor.pk}&date={when}&resource={site.desks[0].pk}"
    ui.goto(desk_url)
    page.locator("#details").get_by_role("button", name="Add to favourites").click()
    page.get_by_text("Added to your favourites.").wait_for()
    ui.check()
    ui.goto(desk_url)
    assert page.locator("#details").get_by_role("button", name="Favourite").count() == 1
    page.locator("#details").get_by_role("button", name="Book D1").click()
    page.get_by_text("Booked: ").wait_for()
    ui.check()

    # Home offers the favourite for one click.
    ui.goto("/t/acme/")
    assert page.get_by_role("heading", name="Favourite places").count() == 1

    # The colleague finds the member on that day, with the photo.
    colleague, their = owner_ui, owner_ui.page
    their.get_by_role("navigation", name="Main").get_by_role("link", name="Colleagues").click()
    their.wait_for_load_state("load")
    colleague.check()
    colleague.goto(f"/t/acme/people/?date={when}")
    entry = their.locator("ul.people li", has_text="member")
    assert entry.count() == 1
    assert "A · 1" in entry.inner_text()
    assert "D1" in entry.inner_text()
    assert entry.locator("img.photo").evaluate("img => img.complete && img.naturalWidth > 0")
    entry.get_by_role("button", name="Add favourite: member").click()
    their.get_by_text("Added to your favourites.").wait_for()
    colleague.check()
    colleague.shot("finder")
    colleague.shot("finder", phone=True)

    # Search by name.
    their.get_by_label("Name").fill("nobody-like-this")
    their.get_by_role("button", name="Show").click()
    their.wait_for_load_state("load")
    colleague.check()
    assert their.locator("ul.people li").count() == 0
