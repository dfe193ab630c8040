"""The frame in a real browser: sign-in, home, language switch, tenant separation, CSP.

Every page visited is checked with axe-core by the kit (tests/browser/conftest.py).
"""

from __future__ import annotations

from typing import Any

from deskwerk.accounts.models import User
from tests.browser.conftest import UI


def test_front_door_asks_for_the_organisation_and_leads_to_its_sign_in(ui: UI, tenant: Any):
    ui.goto("/")
    page = ui.page
    assert page.locator("h1").inner_text() == "Sign in"
    ui.shot("picker")
    page.get_by_label("Organisation").fill("acme")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    ui.check()
    assert ui.path.startswith("/t/acme/")
    assert "ACME GmbH" in page.locator("header").inner_text()
    ui.shot("login")
    ui.shot("login", phone=True)


def test_a_bad_organisation_name_is_explained(ui: UI, db: Any):
    ui.goto("/?organisation=Not+A+Slug!")
    alert = ui.page.get_by_role("alert")
    assert "lower-case letters" in alert.inner_text()
    assert ui.page.get_by_label("Organisation").get_attribute("aria-invalid") == "true"


def test_sign_in_through_the_form_shows_home_with_navigation(ui: UI, member: User):
    ui.login(member)
    page = ui.page
    assert ui.path == "/t/acme/"
    assert page.locator("h1").inner_text() == "Hello, member"
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Today").get_attribute("aria-current") == "page"
    # A member is no administrator: no admin entry, whatever pages exist.
    assert nav.get_by_role("link", name="Admin").count() == 0
    ui.shot("home")
    ui.shot("home", dark=True)
    ui.shot("home", phone=True)


def test_wrong_password_is_refused_in_the_form(ui: UI, member: User):
    ui.login(member, password="not the password at all")
    assert "/login" in ui.path
    assert ui.page.get_by_role("alert").count() == 1


def test_sign_out_from_the_user_menu(member_ui: UI):
    page = member_ui.page
    page.locator("details.usermenu > summary").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    member_ui.check()
    assert "/login" in member_ui.path
    member_ui.goto("/t/acme/")
    assert "/login" in member_ui.path


def test_skip_link_is_first_and_moves_focus_to_main(member_ui: UI):
    page = member_ui.page
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent.trim()")
    assert focused == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def test_language_switch_translates_and_is_remembered(ui: UI, member: User):
    ui.login(member)
    page = ui.page
    with page.expect_navigation():
        page.get_by_role("button", name="Deutsch").click()
    ui.check()
    assert ui.path == "/t/acme/", "the switch returns to the same page"
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.locator("h1").inner_text() == "Hallo, member"
    assert (
        page.get_by_role("navigation", name="Hauptnavigation")
        .get_by_role("link", name="Heute")
        .is_visible()
    )
    ui.shot("home-de")
    # Remembered: a new page load (and, when profiles carry a language, a new browser) keeps it.
    ui.goto("/t/acme/")
    assert page.locator("html").get_attribute("lang") == "de"
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    ui.check()
    assert page.locator("h1").inner_text() == "Hello, member"


def test_a_german_browser_gets_german_pages(new_ui: Any, tenant: Any):
    ui = new_ui(locale="de-DE")
    ui.goto("/t/acme/login/")
    assert ui.page.locator("html").get_attribute("lang") == "de"
    ui.goto("/")
    assert ui.page.locator("h1").inner_text() == "Anmelden"
    assert ui.page.get_by_label("Organisation").is_visible()


def test_an_outsider_does_not_reach_another_tenants_pages(
    new_ui: Any, outsider: User, member: User
):
    ui = new_ui()
    ui.login(outsider)
    assert ui.path == "/t/globex/"
    # Signed in at globex, anonymous at acme: acme's home sends to acme's sign-in.
    ui.goto("/t/acme/")
    assert "/t/acme/login" in ui.path
    assert "owner@globex.test" not in ui.page.content()
    # A tenant that does not exist (or is suspended) is not found, nothing more.
    response = ui.goto("/t/no-such-tenant/")
    assert response.status == 404
    assert ui.page.locator("h1").inner_text() == "Page not found"


def test_every_html_page_carries_the_content_security_policy(ui: UI, tenant: Any):
    for path in ("/", "/t/acme/login/"):
        response = ui.goto(path)
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
    # And the browser enforces it: an injected inline script does not run, and says so.
    with ui.page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        ran = ui.page.evaluate(
            """() => { const s = document.createElement('script');
                       s.textContent = 'window.__inline_ran = true;';
                       document.body.appendChild(s); return window.__inline_ran === true; }"""
        )
    assert ran is False
    assert any("CSP violation" in p for p in ui.problems), "the kit notices violations"
    ui.problems.clear()  # the violation just provoked is the expected one


def test_the_api_docs_run_under_the_policy(ui: UI, db: Any):
    """Swagger UI is served from our static files and runs without inline script or eval."""
    response = ui.goto("/api/v1/docs", check=False)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    ui.page.locator(".swagger-ui").first.wait_for(state="attached")
    ui.page.wait_for_load_state("networkidle")
    assert not [p for p in ui.problems if "CSP" in p]
    # Only the policy is under test here: what Swagger UI makes of the schema is not.
    ui.problems.clear()
    ui.exempt("third-party page (django-ninja's Swagger UI)")
