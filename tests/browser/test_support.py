"""Support access and the instruction register in a real browser (axe on each page)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deskwerk.support.models import Instruction, SupportGrant
from tests.browser.conftest import UI
from tests.processor.kit import make_operator
from tests.support.kit import make_grant, make_instruction


def test_the_owner_grants_support_access_and_revokes_it(owner_ui: UI, tenant: Any):
    make_operator()
    owner_ui.goto("/t/acme/compliance/support/")
    page = owner_ui.page
    page.get_by_label("Olga Operator (staff@ops.test)").check()
    page.get_by_label("Purpose").fill("Ticket 4711: a desk cannot be booked")
    page.get_by_label("Read only").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Grant access").click()
    owner_ui.check()
    assert "Ticket 4711: a desk cannot be booked" in page.locator("main").inner_text()
    owner_ui.shot("support-grants")
    owner_ui.shot("support-grants", phone=True)
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="Revoke").click()
    owner_ui.check()
    assert SupportGrant.unscoped.get().revoked_at is not None


def test_the_owner_records_and_amends_an_instruction(owner_ui: UI, tenant: Any, owner: Any):
    owner_ui.goto("/t/acme/compliance/instructions/")
    page = owner_ui.page
    page.get_by_label("Instruction", exact=True).fill("Delete visitor data after 14 days.")
    page.get_by_label("Given", exact=True).select_option("email")
    with page.expect_navigation():
        page.get_by_role("button", name="Record instruction").click()
    owner_ui.check()
    page.locator("summary", has_text="Amend").first.click()
    page.get_by_label("New text").fill("Delete visitor data after 7 days.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save new version").click()
    owner_ui.check()
    page.locator("summary", has_text="History (2 steps)").click()
    owner_ui.check()
    assert Instruction.unscoped.get().version == 2
    owner_ui.shot("instructions")


def test_operator_staff_see_their_grants_and_flag_an_instruction(
    new_ui: Callable[..., UI], tenant: Any, owner: Any
):
    _, staff = make_operator()
    from deskwerk.processor.models import AuthorisedPerson

    person = AuthorisedPerson.unscoped.create(
        tenant=tenant, first_name="Ina", last_name="Instruct", email="ina@acme.test"
    )
    make_grant(tenant, staff, granted_by=owner)
    instruction = make_instruction(tenant, person)
    ui = new_ui()
    ui.login(staff)
    ui.goto("/t/ops/operator/support/")
    assert "ACME GmbH" in ui.page.locator("main").inner_text()
    ui.shot("operator-support")
    ui.goto("/t/ops/operator/instructions/")
    page = ui.page
    page.locator("summary", has_text="Flag as possibly unlawful").first.click()
    page.get_by_label("Why it may be unlawful").fill("No purpose for keeping it.")
    with page.expect_navigation():
        page.get_by_role("button", name="Flag and suspend").click()
    ui.check()
    instruction.refresh_from_db()
    assert instruction.status == "suspended"
    ui.shot("operator-instructions")
