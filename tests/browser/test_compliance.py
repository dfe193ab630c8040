"""The compliance hub, the report and the operator console in a real browser (axe on each)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.browser.conftest import UI
from tests.processor.kit import make_operator, planned


def test_the_owner_finds_the_hub_and_reads_the_report(owner_ui: UI):
    page = owner_ui.page
    nav = page.get_by_role("navigation", name="Main")
    with page.expect_navigation():
        nav.get_by_role("link", name="Compliance").click()
    owner_ui.check()
    assert page.locator("h1").inner_text() == "Compliance"
    owner_ui.shot("compliance-hub")
    with page.expect_navigation():
        page.get_by_role("link", name="Open the report").click()
    owner_ui.check()
    assert page.locator("h1").inner_text() == "Compliance report"
    assert (
        page.get_by_text("organisational measure — documented, not checked by the system").count()
        > 10
    )
    owner_ui.shot("compliance-report")
    owner_ui.shot("compliance-report", phone=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as PDF").first.click()
    assert download.value.suggested_filename.startswith("compliance-report-acme-")


def test_subprocessors_and_authorised_persons_pages(owner_ui: UI, db: Any):
    planned("Neu GmbH")
    owner_ui.goto("/t/acme/compliance/subprocessors/")
    owner_ui.shot("compliance-subprocessors")
    owner_ui.goto("/t/acme/compliance/authorised-persons/")
    page = owner_ui.page
    page.get_by_label("First name").fill("Grete")
    page.get_by_label("Last name").fill("Größe")
    page.get_by_label("E-mail").fill("grete@acme.test")
    with page.expect_navigation():
        page.get_by_role("button", name="Add").click()
    owner_ui.check()
    assert "Grete Größe" in page.locator("main").inner_text()
    owner_ui.shot("compliance-authorised-persons")
    owner_ui.goto("/t/acme/compliance/notices/")


def test_operator_staff_use_the_console(new_ui: Callable[..., UI], tenant: Any):
    _, staff = make_operator()
    ui = new_ui()
    ui.login(staff)
    page = ui.page
    with page.expect_navigation():
        page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Operator console"
        ).click()
    ui.check()
    assert "ACME GmbH" in page.locator("main").inner_text()
    ui.shot("operator-console")
    with page.expect_navigation():
        page.get_by_role("link", name="Suspend ACME GmbH").click()
    ui.check()
    ui.shot("operator-confirm-status")
    with page.expect_navigation():
        page.get_by_role("button", name="Suspend ACME GmbH").click()
    ui.check()
    assert "ACME GmbH is suspended now." in page.locator("main").inner_text()
    ui.goto("/t/ops/operator/subprocessors/")
    ui.shot("operator-subprocessors")
    ui.goto("/t/ops/operator/notices/")
