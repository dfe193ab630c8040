"""Browser test kit: Debian's Chromium driven by Playwright against a live server.

- Needs ``/usr/bin/chromium`` (``sudo apt-get install chromium``); without it every test here
  is skipped with that hint. Never ``playwright install``: we test the system's browser.
- ``ui`` (and ``owner_ui`` / ``member_ui``, already signed in through the form) wraps a page:
  ``ui.goto(path)`` opens a page and runs axe-core on it (light and dark scheme, zero serious
  or critical violations); ``ui.check()`` does the same after an in-page change; ``ui.shot(name)``
  saves a PNG to ``var/screenshots/`` (``settings.VAR_DIR``). At the end of each test the kit
  fails it if a page it showed was never checked, a script error happened, or the browser
  reported a Content-Security-Policy violation.
- Our CSP forbids eval, and Playwright evaluates a *bare expression* string passed to
  ``wait_for_function`` with eval: pass a function instead (``"() => document.title"``).
- The live server needs the transactional database: rows the test creates are committed, so
  the server's threads see them; tenancy binds per request there as in production.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from deskwerk.accounts.models import User
from tests.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SKIP_REASON = "Chromium not found at /usr/bin/chromium; enable with: sudo apt-get install chromium"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 360, "height": 740}
BLOCKING_IMPACTS = {"serious", "critical"}
# Rules whose outcome depends on the colour scheme: re-run in the dark scheme.
SCHEME_RULES = ["color-contrast", "link-in-text-block"]

# Playwright's sync API keeps an asyncio loop in this thread; Django refuses ORM calls from a
# thread with a running loop. The tests are synchronous by construction, so allow it here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test in this folder ``browser``; skip them all when Chromium is missing."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.django_db(transaction=True))
            if not CHROMIUM.exists():
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


def screenshot_dir() -> Path:
    path = Path(settings.VAR_DIR) / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the session (a new context per test keeps them apart)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            # As root (CI containers) Chromium's sandbox cannot start; the pages are our own.
            args=["--no-sandbox"] if os.geteuid() == 0 else [],
        )
        try:
            yield browser
        finally:
            browser.close()


class AccessibilityError(AssertionError):
    pass


class UI:
    """One browser tab against the live server, with the checks every page must pass."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.visited: list[str] = []
        self.checked: set[str] = set()
        self.problems: list[str] = []
        page.on("framenavigated", self._navigated)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))

    # --- events ---------------------------------------------------------------------------------

    def _navigated(self, frame: Any) -> None:
        if frame == self.page.main_frame and frame.url.startswith(self.base_url):
            self.visited.append(self._key(frame.url))

    def _console(self, message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.problems.append(f"CSP violation on {self.page.url}: {text}")
        elif message.type == "error" and "Failed to load resource" not in text:
            self.problems.append(f"console error on {self.page.url}: {text}")

    def _key(self, url: str) -> str:
        return url.split("#", 1)[0]

    # --- navigation -----------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def path(self) -> str:
        """The current page's path (and query) on the live server."""
        return self.page.url.removeprefix(self.base_url)

    def goto(self, path: str, *, check: bool = True) -> Any:
        """Open ``path`` and (by default) run the accessibility check on the page."""
        response = self.page.goto(self.url(path))
        if check:
            self.check()
        return response

    # --- checks ---------------------------------------------------------------------------------

    def check(self, *, schemes: tuple[str, ...] = ("light", "dark")) -> None:
        """axe-core on the current page in each colour scheme: no serious/critical violation."""
        self.page.wait_for_load_state("load")
        failures = []
        for number, scheme in enumerate(schemes):
            self.page.emulate_media(color_scheme=scheme)
            # The first scheme gets every rule; the others only what the scheme changes.
            for violation in self.axe(rules=None if number == 0 else SCHEME_RULES):
                nodes = ", ".join(
                    " ".join(map(str, node["target"])) for node in violation["nodes"][:5]
                )
                failures.append(
                    f"[{scheme}] {violation['impact']} {violation['id']}: {violation['help']}"
                    f" — {nodes}"
                )
        self.page.emulate_media(color_scheme="light")
        self.checked.add(self._key(self.page.url))
        if failures:
            raise AccessibilityError(f"axe on {self.path}:\n" + "\n".join(failures))

    def axe(self, rules: list[str] | None = None) -> list[dict[str, Any]]:
        """Serious and critical axe-core violations (WCAG 2.1 A/AA and best practices, or only
        ``rules``)."""
        # Evaluated through the DevTools protocol, which our CSP does not (and need not) cover.
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.evaluate(_axe_source())
        result = self.page.evaluate(
            """async (rules) => {
                const runOnly = rules ? {type: 'rule', values: rules} : {type: 'tag',
                    values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']};
                const r = await window.axe.run(document, {runOnly, resultTypes: ['violations']});
                return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))}));
            }""",
            rules,
        )
        return [v for v in result if v["impact"] in BLOCKING_IMPACTS]

    def exempt(self, reason: str) -> None:
        """Mark the current page as deliberately not checked (a third-party page such as the
        API docs); the reason is for the reader."""
        assert reason
        self.checked.add(self._key(self.page.url))

    def shot(self, name: str, *, phone: bool = False, dark: bool = False) -> Path:
        """Save a full-page PNG ``<name>[-phone][-dark].png`` for the docs and for review."""
        suffix = ("-phone" if phone else "") + ("-dark" if dark else "")
        path = screenshot_dir() / f"{name}{suffix}.png"
        if phone:
            self.page.set_viewport_size(PHONE)
        if dark:
            self.page.emulate_media(color_scheme="dark")
        try:
            self.page.screenshot(path=str(path), full_page=True)
        finally:
            self.page.set_viewport_size(DESKTOP)
            self.page.emulate_media(color_scheme="light")
        return path

    def finish(self) -> None:
        """What every test must leave behind: every page checked, no script or CSP errors."""
        unchecked = sorted({url for url in self.visited if url not in self.checked})
        problems = list(self.problems)
        if unchecked:
            problems.append(
                "pages shown but never checked with axe (use ui.goto or ui.check): "
                + ", ".join(u.removeprefix(self.base_url) for u in unchecked)
            )
        if problems:
            raise AssertionError("\n".join(problems))

    # --- people ---------------------------------------------------------------------------------

    def login(self, user: User, password: str = PASSWORD) -> None:
        """Sign in through the tenant's sign-in form, as a person does; lands on the home page."""
        self.goto(f"/t/{user.tenant.slug}/login/")
        form = self.page.locator("form:has(input[type=password])")
        form.locator("input[type=email], input[name=email], input[name=login]").first.fill(
            user.email
        )
        form.locator("input[type=password]").first.fill(password)
        with self.page.expect_navigation():
            form.locator("button[type=submit]").first.click()
        self.check()


def _axe_source() -> str:
    cached = getattr(_axe_source, "cached", None)
    if cached is None:
        # As an expression statement (Playwright evaluates a non-function string as is).
        cached = AXE.read_text(encoding="utf-8") + "\n;undefined"
        _axe_source.cached = cached  # type: ignore[attr-defined]
    return cached


@pytest.fixture
def new_ui(chromium: Any, live_server: Any) -> Iterator[Callable[..., UI]]:
    """Factory for further tabs (another person, another language): ``new_ui(locale="de-DE")``."""
    contexts: list[Any] = []
    uis: list[UI] = []

    def make(locale: str = "en-GB", **options: Any) -> UI:
        context = chromium.new_context(
            viewport=DESKTOP, locale=locale, timezone_id="Europe/Berlin", **options
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        ui = UI(context.new_page(), live_server.url)
        uis.append(ui)
        return ui

    yield make
    try:
        for ui in uis:
            ui.finish()
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def ui(new_ui: Callable[..., UI]) -> UI:
    """A fresh English-speaking browser tab, not signed in."""
    return new_ui()


@pytest.fixture
def owner_ui(new_ui: Callable[..., UI], owner: User) -> UI:
    """A browser tab signed in as ``owner`` (administrator of tenant "acme")."""
    tab = new_ui()
    tab.login(owner)
    return tab


@pytest.fixture
def member_ui(new_ui: Callable[..., UI], member: User) -> UI:
    """A browser tab signed in as ``member`` of tenant "acme"."""
    tab = new_ui()
    tab.login(member)
    return tab


def path_of(url: str) -> str:
    """``/t/acme/`` from ``http://localhost:1234/t/acme/?x``."""
    return re.sub(r"^https?://[^/]+", "", url).split("?", 1)[0]
