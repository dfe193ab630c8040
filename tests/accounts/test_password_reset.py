"""Password reset by e-mailed link: per tenant, no enumeration, single use, expiring, and
it never signs anyone in — the next sign-in asks for every factor again."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail as django_mail
from django.test import Client
from django.utils import timezone

from deskwerk.accounts.models import User
from deskwerk.audit.models import AuditEvent
from deskwerk.notify.models import OutgoingMail
from tests.accounts.mfa_kit import add_totp
from tests.conftest import PASSWORD, make_user
from tests.websessions.conftest import browser_login, signed_in_as

pytestmark = pytest.mark.django_db
NEW = "a brand new long passphrase"
LINK = re.compile(r"https?://testserver(/t/[a-z]+/accounts/password/reset/key/[^\s\"<]+)")


def request_reset(slug: str, email: str, capture, **headers):
    client = Client(**headers)
    with capture(execute=True):
        response = client.post(f"/t/{slug}/accounts/password/reset/", {"email": email})
    return response


def link_of(message) -> str:
    [path] = set(LINK.findall(message.body))
    return path


def set_password(path: str, password: str = NEW, client: Client | None = None):
    client = client or Client()
    first = client.get(path)
    if first.status_code != 302:
        return client, first
    assert first["Location"].endswith("-set-password/")  # the key left the URL
    return client, client.post(first["Location"], {"password1": password, "password2": password})


def actions(tenant) -> list[str]:
    return list(
        AuditEvent.unscoped.filter(tenant=tenant).order_by("pk").values_list("action", flat=True)
    )


def test_the_answer_is_the_same_for_known_and_unknown_addresses(
    tenant, member, django_capture_on_commit_callbacks
):
    known = request_reset("acme", member.email, django_capture_on_commit_callbacks)
    unknown = request_reset("acme", "nobody@acme.test", django_capture_on_commit_callbacks)

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/t/acme/accounts/password/reset/done/"
    page = Client().get(known["Location"])
    assert b"If the address has an account" in page.content
    assert [m.to for m in django_mail.outbox] == [[member.email]]  # nothing to unknown addresses
    assert "password.reset_requested" in actions(tenant)


def test_an_address_in_two_tenants_gets_one_mail_for_the_tenant_of_the_url(
    tenant, other_tenant, django_capture_on_commit_callbacks
):
    a = make_user(tenant, "twin@example.test")
    b = make_user(other_tenant, "twin@example.test")

    request_reset("acme", "Twin@Example.test", django_capture_on_commit_callbacks)

    [message] = django_mail.outbox
    assert message.to == ["twin@example.test"]
    assert "ACME GmbH" in message.subject
    [row] = OutgoingMail.unscoped.all()
    assert (row.tenant_id, row.recipient_id, row.template) == (tenant.pk, a.pk, "password_reset")
    path = link_of(message)
    assert path.startswith("/t/acme/")

    # Under globex the very same key is refused ...
    _, refused = set_password(path.replace("/t/acme/", "/t/globex/"))
    assert refused.status_code == 200
    assert b"This link does not work" in refused.content
    assert "password.reset_refused" in actions(other_tenant)
    # ... and under acme it works, for the acme account only.
    client, done = set_password(path)
    assert done.status_code == 302
    assert done["Location"] == "/t/acme/accounts/password/reset/key/done/"
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.check_password(NEW)
    assert not a.check_password(PASSWORD)
    assert b.check_password(PASSWORD)
    assert not b.check_password(NEW)
    assert "_auth_user_id" not in client.session  # not signed in by the reset


def test_a_link_works_once(tenant, member, django_capture_on_commit_callbacks):
    request_reset("acme", member.email, django_capture_on_commit_callbacks)
    path = link_of(django_mail.outbox[0])
    assert set_password(path)[1].status_code == 302

    _, again = set_password(path, "yet another passphrase!")
    assert b"This link does not work" in again.content
    member.refresh_from_db()
    assert member.check_password(NEW)


def test_a_link_expires_after_an_hour(tenant, member, django_capture_on_commit_callbacks):
    request_reset("acme", member.email, django_capture_on_commit_callbacks)
    path = link_of(django_mail.outbox[0])
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=61)):
        _, late = set_password(path)
    assert b"This link does not work" in late.content
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_a_tampered_key_is_refused(tenant, member, django_capture_on_commit_callbacks):
    request_reset("acme", member.email, django_capture_on_commit_callbacks)
    path = link_of(django_mail.outbox[0])
    other_key = path[:-4] + ("a" if path[-4] != "a" else "b") + "/"
    for bad in (
        other_key,
        path.replace("/key/", "/key/zz"),  # another (unknown) account id
        f"/t/acme/accounts/password/reset/key/{member.pk:x}-x/",
    ):
        response = Client().get(bad)
        assert response.status_code == 200, bad
        assert b"This link does not work" in response.content
    assert actions(tenant).count("password.reset_refused") == 3


def test_the_new_password_must_meet_the_tenant_policy(
    tenant, member, django_capture_on_commit_callbacks
):
    request_reset("acme", member.email, django_capture_on_commit_callbacks)
    path = link_of(django_mail.outbox[0])
    _, short = set_password(path, "short")
    assert short.status_code == 200
    assert b"at least 12 characters" in short.content
    _, common = set_password(path, "password1234")
    assert b"too common" in common.content
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_a_reset_ends_every_session_is_audited_and_told(
    tenant, member, django_capture_on_commit_callbacks
):
    laptop, phone = browser_login(member), browser_login(member, ip="198.51.100.9")
    request_reset("acme", member.email, django_capture_on_commit_callbacks)
    path = link_of(django_mail.outbox[0])

    with django_capture_on_commit_callbacks(execute=True):
        assert set_password(path)[1].status_code == 302

    assert signed_in_as(laptop) == 401
    assert signed_in_as(phone) == 401
    events = actions(tenant)
    assert {"password.reset_requested", "password.reset", "session.end_all"} <= set(events)
    reset = AuditEvent.unscoped.get(tenant=tenant, action="password.reset")
    assert reset.object_id == str(member.pk)
    assert NEW not in str(list(AuditEvent.unscoped.values()))
    assert [m.to for m in django_mail.outbox] == [[member.email], [member.email]]
    assert "zurückgesetzt" in django_mail.outbox[1].subject  # acme is in Berlin: German notice
    assert OutgoingMail.unscoped.order_by("pk").last().template == "password_changed"


def test_a_reset_does_not_bypass_the_second_factor(
    tenant, member, django_capture_on_commit_callbacks
):
    totp = add_totp(member)
    request_reset("acme", member.email, django_capture_on_commit_callbacks)
    client, _done = set_password(link_of(django_mail.outbox[0]))
    assert "_auth_user_id" not in client.session

    response = client.post("/t/acme/login/", {"email": member.email, "password": NEW})
    assert response.status_code == 302
    assert response["Location"] == "/t/acme/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session  # the password alone is not enough
    client.post("/t/acme/accounts/2fa/authenticate/", {"code": totp.now()})
    assert client.session["_auth_user_id"] == str(member.pk)


def test_deactivated_and_password_less_accounts_get_no_link(
    tenant, member, owner, django_capture_on_commit_callbacks
):
    User.unscoped.filter(pk=member.pk).update(is_active=False)
    owner.set_unusable_password()
    owner.save(update_fields=["password"])
    for email in (member.email, owner.email):
        response = request_reset("acme", email, django_capture_on_commit_callbacks)
        assert response.status_code == 302
    assert django_mail.outbox == []


def test_the_mail_follows_the_language_of_the_page(
    tenant, member, django_capture_on_commit_callbacks
):
    request_reset(
        "acme", member.email, django_capture_on_commit_callbacks, HTTP_ACCEPT_LANGUAGE="en"
    )
    request_reset(
        "acme", member.email, django_capture_on_commit_callbacks, HTTP_ACCEPT_LANGUAGE="de"
    )
    english, german = django_mail.outbox
    assert english.subject == "Reset your password for ACME GmbH"
    assert german.subject == "Passwort für ACME GmbH zurücksetzen"


def test_without_a_tenant_there_is_no_reset_page(db):
    assert Client().get("/accounts/password/reset/").status_code == 404
