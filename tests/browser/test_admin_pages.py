"""People administration and settings in a real browser: the pages pass axe-core in both
colour schemes, fit a phone, and their forms work with a keyboard-free click path too.

Runs on the kit of tests/browser/conftest.py (Debian's Chromium, axe-core on every page, no CSP
violations or script errors).
"""

from __future__ import annotations

from typing import Any

from deskwerk.access.models import RoleGrant
from deskwerk.accounts.models import User
from deskwerk.profiles.settings import finder_mode
from deskwerk.tenancy.context import tenant_context
from deskwerk.tenancy.models import Tenant
from tests.browser.conftest import UI
from tests.conftest import make_user


def _fits_a_phone(page: Any) -> None:
    """At 360 px nothing sticks out sideways (the page never scrolls horizontally)."""
    page.set_viewport_size({"width": 360, "height": 740})
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
    finally:
        page.set_viewport_size({"width": 1280, "height": 860})
    assert width <= 360, f"{page.url} is {width} px wide on a phone"


def test_people_list_person_and_a_role_grant(owner_ui: UI, member: User, tenant: Tenant) -> None:
    for n in range(4):
        make_user(tenant, f"colleague{n}@acme.test")
    ui, page = owner_ui, owner_ui.page
    ui.goto("/t/acme/admin/")  # the main navigation's entry: the first section
    assert page.url.endswith("/t/acme/admin/spaces/")
    page.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="People and roles"
    ).click()
    page.wait_for_load_state("load")
    ui.check()
    ui.shot("admin-people")
    _fits_a_phone(page)

    page.get_by_label("Search by name or e-mail").fill("member")
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state("load")
    ui.check()
    page.get_by_role("link", name="member", exact=True).click()
    page.wait_for_load_state("load")
    ui.check()

    page.get_by_label("Role", exact=True).select_option("receptionist")
    page.get_by_role("button", name="Grant role").click()
    page.wait_for_load_state("load")
    ui.check()
    assert "Receptionist granted." in (page.locator(".messages").text_content() or "")
    with tenant_context(tenant):
        assert RoleGrant.objects.filter(user=member, role="receptionist", state="active").exists()
    ui.shot("admin-person")
    _fits_a_phone(page)

    ui.goto("/t/acme/admin/people/roles/")
    ui.shot("admin-role-report")


def test_settings_pages(owner_ui: UI, tenant: Tenant) -> None:
    ui, page = owner_ui, owner_ui.page
    ui.goto("/t/acme/admin/settings/")
    ui.shot("admin-settings")
    _fits_a_phone(page)

    page.get_by_label("Each person decides, shown by default").check()
    page.get_by_role("button", name="Save finder mode").click()
    page.wait_for_load_state("load")
    ui.check()
    assert finder_mode(Tenant.objects.get(pk=tenant.pk)) == "opt_out"

    # A value out of bounds: the message sits next to the field, in the page's language.
    field = page.get_by_label("Keep usage data for")
    field.fill("999")
    page.get_by_role("button", name="Save privacy periods").click()
    page.wait_for_load_state("load")
    ui.check()
    assert page.get_by_text("Enter a whole number from 1 to 365.").is_visible()

    ui.goto("/t/acme/admin/settings/sso/new/")
    ui.shot("admin-sso-new")
    _fits_a_phone(page)
