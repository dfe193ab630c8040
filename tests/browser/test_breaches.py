"""The breach pages in a real browser (axe on each): the operator records a draft, sees the
deadline clock and notifies; the tenant's owner reads the notice and its phases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from deskwerk.breaches.models import Breach, BreachNotice
from tests.browser.conftest import UI
from tests.processor.kit import make_operator


def test_operator_records_and_notifies_and_the_owner_reads_it(
    new_ui: Callable[..., UI], owner_ui: UI, tenant: Any
):
    _, staff = make_operator()
    ui = new_ui()
    ui.login(staff)
    page = ui.page
    ui.goto("/t/ops/operator/breaches/")
    with page.expect_navigation():
        page.get_by_role("link", name="Record a breach").click()
    ui.check()
    known = timezone.localtime(timezone.now() - dt.timedelta(hours=3))
    page.get_by_label("Became known at").fill(known.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("ACME GmbH (acme)").check()
    page.get_by_label("Nature of the breach").fill("Leaked credential of a backup job.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    ui.check()
    assert "Draft: contents missing" in page.locator("main").inner_text()
    ui.shot("breach-operator-draft")
    with page.expect_navigation():
        page.get_by_role("button", name="Notify customers not yet notified").click()
    ui.check()
    breach = Breach.objects.get()
    assert BreachNotice.unscoped.filter(breach=breach).count() == 1
    ui.goto("/t/ops/operator/breaches/")
    assert "h" in page.locator("[data-deadline]").first.inner_text()
    ui.shot("breach-operator-list")

    owner_ui.goto("/t/acme/compliance/breaches/")
    with owner_ui.page.expect_navigation():
        owner_ui.page.get_by_role("link", name=f"Breach {breach.pk}").click()
    owner_ui.check()
    text = owner_ui.page.locator("main").inner_text()
    assert "Leaked credential of a backup job." in text
    owner_ui.shot("breach-tenant-detail")
