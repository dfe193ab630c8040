"""Single sign-on in a real browser: the button on the sign-in page, the loopback IdP, back in.

The identity provider is tests/sso/provider.py on 127.0.0.1 (it approves at once and
redirects back), so the browser really leaves Deskwerk and returns; the sign-in page's CSP
must let the button's redirect go to the provider (form-action).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deskwerk.accounts.models import User
from tests.browser.conftest import UI
from tests.sso.conftest import configure
from tests.sso.provider import OIDCProvider


@pytest.fixture
def idp() -> Iterator[OIDCProvider]:
    provider = OIDCProvider().start()
    yield provider
    provider.stop()


def test_sign_in_with_the_tenants_identity_provider(ui: UI, owner: User, idp: OIDCProvider) -> None:
    configure(idp, owner, name="Corp Login")
    ui.goto("/t/acme/login/")
    policy = ui.page.evaluate(
        "async () => (await fetch(location.href)).headers.get('content-security-policy')"
    )
    assert f"form-action 'self' {idp.issuer}" in policy  # the button may lead to the IdP
    button = ui.page.get_by_role("button", name="Sign in with Corp Login")
    ui.shot("login-sso")
    with ui.page.expect_navigation(url=lambda url: url.startswith(ui.base_url + "/t/acme/")):
        button.click()
    ui.page.wait_for_load_state("load")
    ui.check()
    assert ui.path == "/t/acme/"
    assert "Alice Example" in ui.page.locator("header").inner_text()
    assert User.unscoped.filter(tenant=owner.tenant, email="alice@example.com").exists()


def test_a_refusal_is_explained_in_the_browser(ui: UI, owner: User, idp: OIDCProvider) -> None:
    configure(idp, owner)
    idp.user.email = "mallory@example.org"
    ui.goto("/t/acme/login/")
    with ui.page.expect_navigation(url=lambda url: "/callback/" in url):
        ui.page.get_by_role("button", name="Sign in with Corp Login").click()
    ui.page.wait_for_load_state("load")
    ui.check()
    assert "e-mail domain may not sign in" in ui.page.get_by_role("alert").inner_text()
