"""Invitation and reset mails over real SMTP (aiosmtpd on loopback, STARTTLS with login):
the link, the tenant's name, the expiry and the language, as the recipient receives them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from deskwerk.accounts.invitations import invitation_create
from deskwerk.notify.models import OutgoingMail
from deskwerk.tenancy.context import tenant_context
from tests.conftest import make_user
from tests.notify.conftest import SMTP_USER

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 5, 13, 0, tzinfo=dt.UTC)  # 14:00 in Berlin


def _parts(received):
    message = received.message
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return message, text, html


def test_a_german_invitation_arrives_with_link_tenant_and_expiry(
    tenant, owner, smtp_server, django_capture_on_commit_callbacks
):
    server = smtp_server("starttls", auth=True)
    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=True),
        tenant_context(tenant),
    ):
        _, token = invitation_create(
            actor=owner,
            email="neu@example.org",
            full_name="Nina Neu",
            site_url="https://desk.example",
        )

    [received] = server.received
    assert received.tls
    assert received.login == SMTP_USER
    assert received.rcpt_tos == ["neu@example.org"]
    message, text, html = _parts(received)
    assert message["Subject"] == "Einladung zu ACME GmbH bei Deskwerk"
    assert "Hallo Nina Neu," in text
    assert "owner lädt Sie ein" in text
    assert f"https://desk.example/t/acme/invite/{token}/" in text
    assert f'href="https://desk.example/t/acme/invite/{token}/"' in html
    assert "bis 12. März 2026 14:00" in text  # seven days, German, the tenant's time zone
    assert '<html lang="de">' in html
    assert OutgoingMail.unscoped.get().status == "sent"


def test_an_english_invitation_arrives_in_english(
    tenant, owner, smtp_server, django_capture_on_commit_callbacks
):
    server = smtp_server("none")
    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=True),
        tenant_context(tenant),
    ):
        invitation_create(
            actor=owner, email="new@example.org", language="en", site_url="http://testserver"
        )

    message, text, html = _parts(server.received[0])
    assert message["Subject"] == "You are invited to ACME GmbH on Deskwerk"
    assert "Hello," in text
    assert "Hallo" not in text
    assert "until March 12, 2026, 2 p.m." in text
    assert re.search(r"http://testserver/t/acme/invite/[-\w]{40,}/", text)
    assert '<html lang="en">' in html


@pytest.mark.parametrize(
    ("language", "subject", "expiry"),
    [
        ("de", "Passwort für ACME GmbH zurücksetzen", "bis 5. März 2026 15:00"),
        ("en", "Reset your password for ACME GmbH", "until March 5, 2026, 3 p.m."),
    ],
)
def test_a_reset_mail_arrives_with_a_link_of_the_tenant_that_expires(
    tenant, other_tenant, smtp_server, django_capture_on_commit_callbacks, language, subject, expiry
):
    server = smtp_server("tls")
    make_user(tenant, "twin@example.org")
    make_user(other_tenant, "twin@example.org")
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        client.post("/t/acme/accounts/password/reset/", {"email": "twin@example.org"})

    [received] = server.received  # one mail, although globex has the address too
    assert received.tls
    message, text, html = _parts(received)
    assert message["Subject"] == subject
    assert "ACME GmbH" in text
    assert "Globex" not in text
    assert expiry in text  # one hour
    [link] = re.findall(r"http://testserver/t/acme/accounts/password/reset/key/\S+/", text)
    assert link in html
    assert f'<html lang="{language}">' in html
