"""Two-factor authentication through the real sign-in flow (allauth's stages, the test client).

TOTP codes come from pyotp, the way an authenticator app computes them; time-machine moves the
clock to make codes expire.
"""

from __future__ import annotations

import datetime as dt
import io
import urllib.parse

import pyotp
import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings

from deskwerk.accounts.mfa import decrypt_secret, encrypt_secret
from deskwerk.audit.models import AuditEvent
from deskwerk.websessions.keys import encode_key
from tests.accounts.mfa_kit import (
    actions,
    add_totp,
    recovery_codes,
    second_factor,
    sign_in,
    signed_in_as,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

STAGE = "/t/acme/accounts/2fa/authenticate/"


def _raw_data(authenticator_id: int) -> str:
    """The row as the database holds it, past every Python layer."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM mfa_authenticator WHERE id = %s", [authenticator_id])
        return str(cursor.fetchone()[0])


def test_password_then_code_signs_in(tenant, member):
    totp = add_totp(member)
    client = Client()

    response = sign_in(client, member)

    assert response.status_code == 302
    assert response["Location"] == STAGE
    assert signed_in_as(client) is None  # the password alone is not enough
    response = second_factor(client, member, totp.now())
    assert response.status_code == 302
    assert signed_in_as(client) == member.pk
    assert "mfa.used" in actions(member)


def test_without_the_code_nobody_is_signed_in(tenant, member):
    add_totp(member)
    client = Client()
    sign_in(client, member)

    assert client.get("/t/acme/").status_code == 302
    assert signed_in_as(client) is None
    assert second_factor(client, member, "").status_code == 200
    assert signed_in_as(client) is None


def test_a_wrong_code_is_refused_and_audited(tenant, member):
    add_totp(member)
    client = Client()
    sign_in(client, member)

    response = second_factor(client, member, "123456")

    assert response.status_code == 200  # the form again, with an error
    assert signed_in_as(client) is None
    assert "mfa.failed" in actions(member)


def test_a_code_is_good_once_even_in_another_process(tenant, member):
    """allauth remembers used codes in the (per-process) cache; the row remembers too."""
    totp = add_totp(member)
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False):
        code = totp.now()
        first = Client()
        sign_in(first, member)
        second_factor(first, member, code)
        assert signed_in_as(first) == member.pk

        cache.clear()  # as if the next request reached another worker
        replay = Client()
        sign_in(replay, member)
        second_factor(replay, member, code)

        assert signed_in_as(replay) is None
        assert actions(member).count("mfa.failed") == 1


def test_an_expired_code_is_refused(tenant, member):
    totp = add_totp(member)
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False) as traveller:
        code = totp.now()
        traveller.shift(dt.timedelta(seconds=95))  # three steps later
        client = Client()
        sign_in(client, member)
        second_factor(client, member, code)

        assert signed_in_as(client) is None
        assert "mfa.failed" in actions(member)


def test_a_code_lives_for_its_30_second_step_only(tenant, member):
    """ASVS 6.5.5: no tolerance window; the next step's code is a new one."""
    totp = add_totp(member)
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False) as traveller:
        code = totp.now()
        traveller.shift(dt.timedelta(seconds=30))
        client = Client()
        sign_in(client, member)
        second_factor(client, member, code)
        assert signed_in_as(client) is None

        second_factor(client, member, totp.now())
        assert signed_in_as(client) == member.pk


def test_a_recovery_code_signs_in_once(tenant, member):
    add_totp(member)
    code = recovery_codes(member)[3]

    client = Client()
    sign_in(client, member)
    second_factor(client, member, code)
    assert signed_in_as(client) == member.pk
    assert "mfa.recovery_code_used" in actions(member)

    again = Client()
    sign_in(again, member)
    second_factor(again, member, code)
    assert signed_in_as(again) is None
    assert code not in recovery_codes(member)


def test_a_wrong_recovery_code_is_refused(tenant, member):
    add_totp(member)
    client = Client()
    sign_in(client, member)

    second_factor(client, member, "12345678")

    assert signed_in_as(client) is None
    assert "mfa.failed" in actions(member)


def test_wrong_codes_lock_the_account_like_wrong_passwords(tenant, member):
    totp = add_totp(member)
    client = Client()
    sign_in(client, member)
    for _ in range(10):
        second_factor(client, member, "000000")

    second_factor(client, member, totp.now())  # the right code, but locked now

    assert signed_in_as(client) is None
    assert AuditEvent.unscoped.filter(tenant=tenant, action="auth.lockout").exists()


def test_setting_up_an_app_through_the_pages(tenant, member, django_capture_on_commit_callbacks):
    """Sign in, confirm the password, scan (read) the secret, enter a code: active, audited,
    and the secret is stored encrypted, with the organisation as issuer."""
    elsewhere = Client()
    sign_in(elsewhere, member)  # another browser of the same person
    client = Client()
    sign_in(client, member)
    client.post("/t/acme/accounts/reauthenticate/", {"password": PASSWORD})

    page = client.get("/t/acme/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    url = urllib.parse.urlsplit(page.context["totp_url"])  # what the QR code holds
    assert url.scheme == "otpauth"
    assert urllib.parse.parse_qs(url.query)["issuer"] == ["ACME GmbH"]
    assert urllib.parse.unquote(url.path) == "/member@acme.test"
    assert secret in page.content.decode()  # for typing it in, on the page only

    with django_capture_on_commit_callbacks(execute=True):  # allauth signals after commit
        response = client.post(
            "/t/acme/accounts/2fa/totp/activate/", {"code": pyotp.TOTP(secret).now()}
        )

    assert response.status_code == 302, response.content[:500]
    auth = Authenticator.objects.get(user_id=member.pk, type="totp")
    assert secret not in _raw_data(auth.pk)
    assert auth.data["secret"].startswith("dwk1:")
    assert decrypt_secret(auth.data["secret"]) == secret
    seeds = Authenticator.objects.get(user_id=member.pk, type="recovery_codes")
    assert seeds.data["seed"].startswith("dwk1:")
    assert "mfa.activated" in actions(member)
    assert signed_in_as(client) == member.pk  # this browser stays signed in,
    assert signed_in_as(elsewhere) is None  # every other session ends (ASVS 7.4.3)
    assert _factor_mails(member) == ["Der Anmeldeschutz Ihres Kontos bei ACME GmbH wurde geändert"]


def test_removing_the_app_is_audited(tenant, member, django_capture_on_commit_callbacks):
    totp = add_totp(member)
    client = Client()
    sign_in(client, member)
    second_factor(client, member, totp.now())
    client.post("/t/acme/accounts/reauthenticate/", {"password": PASSWORD})

    response = client.post("/t/acme/accounts/2fa/totp/deactivate/")

    assert response.status_code == 302, response.content[:300]
    assert not Authenticator.objects.filter(user_id=member.pk).exists()  # codes go too
    assert actions(member).count("mfa.deactivated") == 2  # the app and the recovery codes
    assert len(_factor_mails(member)) == 1  # told of the removal (the kit adds without pages)


def _factor_mails(person) -> list[str]:
    """Subjects of the "your second factors changed" notices to ``person`` (ASVS 6.3.7)."""
    from deskwerk.notify.models import OutgoingMail

    return list(
        OutgoingMail.unscoped.filter(recipient=person, template="second_factor_changed")
        .order_by("pk")
        .values_list("subject", flat=True)
    )


def test_a_factor_reset_by_an_administrator_is_told_to_the_person(tenant, owner, member):
    from deskwerk.accounts.mfa import mfa_reset
    from deskwerk.tenancy.context import tenant_context

    add_totp(member)
    before = len(_factor_mails(member))

    with tenant_context(tenant):
        assert mfa_reset(actor=owner, person=member) == 2
        assert mfa_reset(actor=owner, person=member) == 0  # nothing left: no second notice

    assert len(_factor_mails(member)) == before + 1


def test_secrets_follow_key_rotation(settings):
    old = encode_key(b"\x01" * 32)
    new = encode_key(b"\x02" * 32)
    settings.DATA_KEYS = [old]
    sealed = encrypt_secret("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    with override_settings(DATA_KEYS=[new, old]):
        assert decrypt_secret(sealed) == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # old keys decrypt
        assert encrypt_secret("x").split(":")[1] != sealed.split(":")[1]  # the newest encrypts
    with override_settings(DATA_KEYS=[new]):
        assert decrypt_secret(sealed) is None  # a dropped key decrypts nothing


@pytest.mark.parametrize(
    "stored", ["JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "dwk1:abc:!!!", "dwk1::", ""]
)
def test_an_unreadable_secret_fails_closed(tenant, member, stored):
    """A secret in clear, tampered or under an unknown key: no code opens it, and no 500."""
    add_totp(member)
    auth = Authenticator.objects.get(user_id=member.pk, type="totp")
    auth.data = {**auth.data, "secret": stored}
    auth.save()
    client = Client()
    sign_in(client, member)

    response = second_factor(client, member, pyotp.TOTP("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").now())

    assert response.status_code == 200
    assert signed_in_as(client) is None


def test_a_tampered_ciphertext_is_refused(tenant, member):
    totp = add_totp(member)
    auth = Authenticator.objects.get(user_id=member.pk, type="totp")
    prefix, kid, body = auth.data["secret"].split(":")
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    auth.data = {**auth.data, "secret": f"{prefix}:{kid}:{flipped}"}
    auth.save()
    client = Client()
    sign_in(client, member)

    second_factor(client, member, totp.now())

    assert signed_in_as(client) is None


def test_the_reencrypt_command_moves_secrets_to_the_newest_key(tenant, member, settings):
    old = encode_key(b"\x03" * 32)
    new = encode_key(b"\x04" * 32)
    settings.DATA_KEYS = [old]
    totp = add_totp(member)
    settings.DATA_KEYS = [new, old]
    out = io.StringIO()

    call_command("mfa", "reencrypt", stdout=out)

    assert "re-encrypted 2 second factors; 0 secrets unreadable" in out.getvalue()  # app, codes
    settings.DATA_KEYS = [new]  # the old key is gone now; the factors still work
    client = Client()
    sign_in(client, member)
    second_factor(client, member, totp.now())
    assert signed_in_as(client) == member.pk
    with_code = Client()
    sign_in(with_code, member)
    second_factor(with_code, member, recovery_codes(member)[0])
    assert signed_in_as(with_code) == member.pk


def test_every_two_factor_page_renders_in_our_frame(tenant, member):
    totp = add_totp(member)
    client = Client()
    sign_in(client, member)
    second_factor(client, member, totp.now())
    client.post("/t/acme/accounts/reauthenticate/", {"password": PASSWORD})

    for page in [
        "",
        "totp/deactivate/",
        "recovery-codes/",
        "recovery-codes/generate/",
        "webauthn/",
        "webauthn/add/",
    ]:
        response = client.get(f"/t/acme/accounts/2fa/{page}")
        assert response.status_code == 200, (page, response.status_code)
        html = response.content.decode()
        assert 'class="topbar"' in html, page  # web/base.html, not allauth's bare layout
        assert "<script>" not in html, page  # no inline script (CSP: 'self' only)
    codes = client.get("/t/acme/accounts/2fa/recovery-codes/").content.decode()
    assert recovery_codes(member)[0] in codes


def test_the_set_up_page_says_why_when_the_policy_asks(tenant, owner):
    tenant.settings = {**(tenant.settings or {}), "mfa": {"required_for": "admins"}}
    tenant.save(update_fields=["settings"])
    client = Client()
    sign_in(client, owner)

    response = client.get("/t/acme/", follow=True)

    assert response.redirect_chain[-1][0] == "/t/acme/accounts/2fa/"
    assert "ACME GmbH requires a second factor" in response.content.decode()
