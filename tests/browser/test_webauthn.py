"""Security keys in a real browser: Chromium's virtual authenticator (DevTools protocol) stands in
for the key, so registration and sign-in run the genuine WebAuthn ceremonies end to end.

The live server is reached as http://localhost:PORT — a secure context for WebAuthn — and the
relying-party id is the host the browser used (``WEBAUTHN_RP_ID`` unset).
"""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator

from deskwerk.accounts.models import User
from deskwerk.audit.models import AuditEvent
from tests.browser.conftest import UI


def _virtual_key(ui: UI) -> tuple[Any, str]:
    """A USB security key with user verification, attached to this tab through CDP."""
    cdp = ui.page.context.new_cdp_session(ui.page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def _sign_out(ui: UI) -> None:
    ui.page.context.clear_cookies()


def test_register_a_security_key_then_sign_in_with_it(new_ui: Any, member: User):
    ui = new_ui()
    cdp, key = _virtual_key(ui)
    ui.login(member)

    # Signed in a moment ago: that counts as a recent authentication (decision 0020).
    ui.goto("/t/acme/accounts/2fa/webauthn/add/")
    ui.page.get_by_label("Name").fill("Test key")
    with ui.page.expect_navigation():
        ui.page.get_by_role("button", name="Add", exact=True).click()
    ui.check()
    ui.shot("mfa-key-added")

    stored = Authenticator.objects.get(user_id=member.pk, type="webauthn")
    assert stored.data["name"] == "Test key"
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": key})["credentials"]
    assert len(credentials) == 1
    assert credentials[0]["rpId"] == "localhost"
    assert AuditEvent.unscoped.filter(actor_id=member.pk, action="mfa.activated").exists()

    # A new sign-in: the password alone leads to the second step, the key completes it.
    _sign_out(ui)
    ui.login(member)
    assert ui.path == "/t/acme/accounts/2fa/authenticate/"
    ui.shot("mfa-authenticate")
    with ui.page.expect_navigation():
        ui.page.get_by_role("button", name="Use a security key or passkey").click()
    ui.check()
    assert ui.path == "/t/acme/"
    stored.refresh_from_db()
    assert stored.last_used_at is not None
    assert AuditEvent.unscoped.filter(actor_id=member.pk, action="mfa.used").exists()


def test_without_the_key_the_second_step_does_not_open(new_ui: Any, member: User):
    """The key is registered in one browser; another browser has the password only."""
    owner_of_key = new_ui()
    _virtual_key(owner_of_key)
    owner_of_key.login(member)
    owner_of_key.goto("/t/acme/accounts/2fa/webauthn/add/")
    owner_of_key.page.get_by_label("Name").fill("Desk key")
    with owner_of_key.page.expect_navigation():
        owner_of_key.page.get_by_role("button", name="Add", exact=True).click()
    owner_of_key.check()

    thief = new_ui()
    _virtual_key(thief)  # a key, but not the registered one
    thief.login(member)
    assert thief.path == "/t/acme/accounts/2fa/authenticate/"
    thief.page.get_by_role("button", name="Use a security key or passkey").click()
    alert = thief.page.get_by_role("alert")
    alert.wait_for()  # the failed ceremony is explained on the page

    assert "did not confirm" in alert.inner_text()
    assert thief.path == "/t/acme/accounts/2fa/authenticate/"
    thief.check()
    thief.goto("/t/acme/", check=False)
    assert "/login" in thief.path or "/2fa/" in thief.path
    thief.check()


def _add_passkey(ui: UI, member: User) -> None:
    ui.login(member)
    ui.goto("/t/acme/accounts/2fa/webauthn/add/")
    ui.page.get_by_label("Name").fill("Laptop passkey")
    ui.page.get_by_label("Passwordless").check()
    with ui.page.expect_navigation():
        ui.page.get_by_role("button", name="Add", exact=True).click()
    ui.check()
    _sign_out(ui)


def test_a_passkey_signs_in_without_a_password(new_ui: Any, member: User):
    ui = new_ui()
    _virtual_key(ui)
    _add_passkey(ui, member)
    stored = Authenticator.objects.get(user_id=member.pk, type="webauthn")
    assert stored.wrap().is_passwordless is True

    ui.goto("/t/acme/login/")
    with ui.page.expect_navigation():
        ui.page.get_by_role("button", name="Sign in with a passkey").click()
    ui.check()

    assert ui.path == "/t/acme/"
    assert ui.page.locator("h1").inner_text() == "Hello, member"


def test_a_passkey_of_one_tenant_opens_nothing_in_another(
    new_ui: Any, member: User, other_tenant: Any
):
    """Same host, same relying party: the browser offers the key on globex's page too, but the
    account it names does not exist there."""
    ui = new_ui()
    _virtual_key(ui)
    _add_passkey(ui, member)

    ui.goto("/t/globex/login/")
    with ui.page.expect_navigation():
        ui.page.get_by_role("button", name="Sign in with a passkey").click()
    ui.check()

    assert "/t/globex/login/" in ui.path
    ui.goto("/t/globex/", check=False)
    assert "/login" in ui.path
    ui.check()
    ui.goto("/t/acme/", check=False)  # and the attempt signed in nobody anywhere
    assert "/login" in ui.path
    ui.check()
