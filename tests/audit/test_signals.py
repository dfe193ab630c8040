"""Sign-ins, failed sign-ins and sign-outs are audited, storing nothing typed."""

from __future__ import annotations

import pytest
from django.test import Client

from deskwerk.audit.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/t/acme/login/"


def auth_events(tenant) -> list[dict]:
    return list(
        AuditEvent.unscoped.filter(tenant=tenant, action__startswith="auth.")
        .order_by("id")
        .values("action", "actor_id", "object_type", "object_id", "ip", "request_id")
    )


def test_a_sign_in_is_audited_with_its_request(tenant, member):
    client = Client(REMOTE_ADDR="203.0.113.77", HTTP_X_REQUEST_ID="req-1")

    response = client.post(LOGIN, {"email": member.email, "password": PASSWORD})

    assert response.status_code == 302
    assert auth_events(tenant) == [
        {
            "action": "auth.login",
            "actor_id": member.pk,
            "object_type": "accounts.user",
            "object_id": str(member.pk),
            "ip": "203.0.113.0",  # truncated
            "request_id": "req-1",
        }
    ]


def test_a_sign_out_is_audited(tenant, member):
    client = Client()
    client.force_login(member)

    client.post("/t/acme/logout/")

    assert [e["action"] for e in auth_events(tenant)] == ["auth.login", "auth.logout"]


def test_a_wrong_password_is_audited_under_the_claimed_account(tenant, member):
    response = Client().post(LOGIN, {"email": member.email.upper(), "password": "wrong-secret"})

    assert response.status_code == 401
    [event] = auth_events(tenant)
    assert event["action"] == "auth.login_failed"
    assert (event["actor_id"], event["object_id"]) == (member.pk, str(member.pk))


def test_an_unknown_email_is_audited_without_storing_it(tenant, other_tenant):
    typed = "nobody-like-this@acme.test"
    Client().post(LOGIN, {"email": typed, "password": "guess-what-1234"})

    [event] = auth_events(tenant)
    assert event["action"] == "auth.login_failed"
    assert event["actor_id"] is None
    assert event["object_id"] == ""
    stored = [str(v) for row in AuditEvent.unscoped.values() for v in row.values()]
    assert not [v for v in stored if "nobody-like-this" in v or "guess-what" in v]
    assert auth_events(other_tenant) == []


def test_a_failure_without_a_tenant_is_not_audited(db):
    from django.contrib.auth import authenticate

    assert authenticate(None, email="x@y.test", password="whatever") is None
    assert not AuditEvent.unscoped.filter(action="auth.login_failed").exists()
