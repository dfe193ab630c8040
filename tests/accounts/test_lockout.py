"""Brute force: failure counters per account and per IP address, temporary lockout, notice."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core import mail as django_mail
from django.test import RequestFactory
from django.utils import timezone

from deskwerk.accounts.lockout import IP_MAX_FAILURES, counters_purge, lockout_settings_update
from deskwerk.accounts.models import LoginCounter
from deskwerk.accounts.services import user_create
from deskwerk.accounts.tasks import login_counters_purge_periodic
from deskwerk.audit.models import AuditEvent
from deskwerk.notify.models import OutgoingMail
from deskwerk.tenancy.context import tenant_context
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
WRONG = "not the password at all"


def attempt(tenant, email, password, ip="203.0.113.5"):
    request = RequestFactory().post("/", REMOTE_ADDR=ip)
    user = authenticate(request, tenant=tenant, email=email, password=password)
    return user, getattr(request, "auth_refusal", None)


def fail(tenant, email, times, ip="203.0.113.5"):
    for _ in range(times):
        assert attempt(tenant, email, WRONG, ip)[0] is None


def actions(tenant):
    return list(AuditEvent.unscoped.filter(tenant=tenant).values_list("action", flat=True))


def test_locked_after_n_failures_even_the_right_password_until_m_minutes_pass(tenant, member):
    fail(tenant, member.email, 4)
    assert attempt(tenant, member.email, PASSWORD)[0] == member  # success resets the count
    fail(tenant, member.email, 4)
    assert attempt(tenant, member.email, PASSWORD)[0] == member
    fail(tenant, member.email, 5)

    user, why = attempt(tenant, member.email, PASSWORD)
    assert user is None
    assert why == "locked_out"
    assert "auth.locked_out" in actions(tenant)
    assert "auth.lockout" in actions(tenant)

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=14)):
        assert attempt(tenant, member.email, PASSWORD)[0] is None
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        assert attempt(tenant, member.email, PASSWORD)[0] == member


def test_failures_outside_the_window_do_not_add_up(tenant, member):
    fail(tenant, member.email, 4)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        fail(tenant, member.email, 4)
        assert attempt(tenant, member.email, PASSWORD)[0] == member


def test_the_tenants_settings_apply(tenant, owner, member):
    lockout_settings_update(
        actor=owner, tenant=tenant, changes={"max_failures": 3, "lockout_minutes": 60}
    )
    tenant.refresh_from_db()
    fail(tenant, member.email, 3)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=59)):
        assert attempt(tenant, member.email, PASSWORD)[1] == "locked_out"
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=61)):
        assert attempt(tenant, member.email, PASSWORD)[0] == member


def test_the_owner_gets_one_notice_per_lockout(tenant, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        fail(tenant, member.email, 5)
        fail(tenant, member.email, 10)  # while locked: no more notices
        attempt(tenant, member.email, PASSWORD)

    [message] = django_mail.outbox
    assert message.to == [member.email]
    assert "gesperrt" in message.subject  # the tenant is in Europe/Berlin: German
    assert OutgoingMail.unscoped.get().template == "lockout_notice"

    later = time_machine.travel(timezone.now() + dt.timedelta(minutes=16))
    with later, django_capture_on_commit_callbacks(execute=True):
        fail(tenant, member.email, 5)  # a second lockout: a second notice
    assert len(django_mail.outbox) == 2


def test_restricted_people_get_no_notice(tenant, member, django_capture_on_commit_callbacks):
    member.restricted_at = timezone.now()
    member.save(update_fields=["restricted_at"])
    with django_capture_on_commit_callbacks(execute=True):
        fail(tenant, member.email, 5)
    assert django_mail.outbox == []
    assert attempt(tenant, member.email, PASSWORD)[1] == "locked_out"


def test_unknown_emails_lock_alike_so_a_lockout_reveals_no_account(tenant):
    fail(tenant, "nobody@acme.test", 5)
    assert attempt(tenant, "nobody@acme.test", WRONG)[1] == "locked_out"
    assert OutgoingMail.unscoped.count() == 0


def test_the_ip_limit_locks_the_address_for_every_account(tenant, member, owner):
    for i in range(IP_MAX_FAILURES):
        attempt(tenant, f"spray{i}@acme.test", WRONG, ip="198.51.100.66")

    assert attempt(tenant, member.email, PASSWORD, ip="198.51.100.66") == (None, "locked_out")
    assert attempt(tenant, owner.email, PASSWORD, ip="198.51.100.67")[0] == owner  # another address
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        assert attempt(tenant, member.email, PASSWORD, ip="198.51.100.66")[0] == member


def test_failures_in_one_tenant_never_lock_the_same_email_in_another(tenant, other_tenant, member):
    with tenant_context(other_tenant):
        twin = user_create(tenant=other_tenant, email=member.email, password=PASSWORD)
    fail(tenant, member.email, 5)

    assert attempt(tenant, member.email, PASSWORD)[1] == "locked_out"
    assert attempt(other_tenant, member.email, PASSWORD)[0] == twin


def test_counters_store_no_email_or_ip_and_are_purged(tenant, member):
    fail(tenant, member.email, 2, ip="192.0.2.44")
    rows = list(LoginCounter.unscoped.values_list("key", flat=True))
    assert len(rows) == 2
    assert not any("@" in k or "192.0.2" in k for k in rows)

    assert counters_purge() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):
        login_counters_purge_periodic.call_local()
    assert LoginCounter.unscoped.count() == 0


def test_the_login_page_says_when_sign_in_is_locked(tenant, member, client):
    url = f"/t/{tenant.slug}/login/"
    for _ in range(4):
        page = client.post(url, {"email": member.email, "password": WRONG})
        assert b"wrong" in page.content
    page = client.post(url, {"email": member.email, "password": WRONG})
    assert b"Too many failed attempts" in page.content  # the failure that locked
    page = client.post(url, {"email": member.email, "password": PASSWORD})
    assert page.status_code == 401
    assert b"Too many failed attempts" in page.content
