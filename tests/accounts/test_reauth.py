"""Re-authentication before sensitive actions (ASVS 5.0 V7.5): exports and role grants over
the session API, and allauth's own pages for e-mail, password and second factors."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.test import Client

from deskwerk.access.models import RoleGrant
from deskwerk.accounts.models import User
from deskwerk.privacy.requests.services import request_create
from deskwerk.tenancy.context import tenant_context
from tests.accounts.mfa_kit import actions, add_totp, recovery_codes
from tests.api.conftest import assert_problem, session_client
from tests.conftest import PASSWORD, Api

pytestmark = pytest.mark.django_db


def _post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    response = client.post(
        "/api/v1" + path, json.dumps(body or {}), content_type="application/json"
    )
    response.data = json.loads(response.content) if response.content else None
    return response


def reauthenticate(client: Client, **body: str) -> Any:
    return _post(client, "/me/reauthenticate", body)


def _export(client: Client, owner: User) -> Any:
    with tenant_context(owner.tenant):
        dsr = request_create(actor=owner, tenant=owner.tenant, subject=owner, kind="access")
    return client.get(f"/api/v1/privacy/requests/{dsr.pk}/export")


def test_an_export_over_a_session_needs_a_recent_re_authentication(tenant, owner):
    client = session_client(owner, csrf=False)  # signed in long ago, as far as the session knows

    assert_problem(client.get("/api/v1/audit-events/export"), 403, "reauthentication_required")

    assert reauthenticate(client, password=PASSWORD).status_code == 204

    assert client.get("/api/v1/audit-events/export").status_code == 200
    assert "auth.reauthenticated" in actions(owner)


def test_re_authentication_expires_after_ten_minutes(tenant, owner):
    client = session_client(owner, csrf=False)
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False) as traveller:
        assert reauthenticate(client, password=PASSWORD).status_code == 204
        traveller.shift(dt.timedelta(minutes=9))
        assert client.get("/api/v1/audit-events/export").status_code == 200
        traveller.shift(dt.timedelta(minutes=2))
        assert_problem(client.get("/api/v1/audit-events/export"), 403, "reauthentication_required")


def test_the_privacy_export_needs_it_too(tenant, owner):
    client = session_client(owner, csrf=False)

    assert_problem(_export(client, owner), 403, "reauthentication_required")
    reauthenticate(client, password=PASSWORD)
    assert _export(client, owner).status_code == 200


def test_a_wrong_password_is_refused_audited_and_counted(tenant, owner):
    client = session_client(owner, csrf=False)

    response = reauthenticate(client, password="not the password at all")

    assert_problem(response, 422, "reauthentication_failed")
    assert "auth.reauthentication_failed" in actions(owner)
    assert_problem(client.get("/api/v1/audit-events/export"), 403, "reauthentication_required")


def test_a_second_factor_code_re_authenticates(tenant, owner):
    totp = add_totp(owner)
    client = session_client(owner, csrf=False)

    assert_problem(reauthenticate(client, code="000000"), 422, "reauthentication_failed")
    assert "mfa.failed" in actions(owner)
    assert reauthenticate(client, code=totp.now()).status_code == 204

    assert client.get("/api/v1/audit-events/export").status_code == 200


def test_a_recovery_code_re_authenticates_once(tenant, owner):
    add_totp(owner)
    code = recovery_codes(owner)[0]
    client = session_client(owner, csrf=False)

    assert reauthenticate(client, code=code).status_code == 204
    assert_problem(reauthenticate(client, code=code), 422, "reauthentication_failed")
    assert "mfa.recovery_code_used" in actions(owner)


@pytest.mark.parametrize(
    "body",
    [{}, {"password": PASSWORD, "code": "123456"}, {"pin": "1"}, {"password": 12}],
    ids=["neither", "both", "unknown", "not-a-string"],
)
def test_malformed_re_authentication_is_refused(tenant, owner, body):
    client = session_client(owner, csrf=False)

    response = reauthenticate(client, **body)

    assert response.status_code == 422, response.content
    assert_problem(client.get("/api/v1/audit-events/export"), 403, "reauthentication_required")


def test_granting_a_role_over_a_session_needs_it(tenant, owner, member):
    client = session_client(owner, csrf=False)
    path = f"/people/{member.pk}/roles"

    assert_problem(_post(client, path, {"role": "receptionist"}), 403, "reauthentication_required")
    assert not RoleGrant.unscoped.filter(user=member, role="receptionist").exists()

    reauthenticate(client, password=PASSWORD)
    assert _post(client, path, {"role": "receptionist"}).status_code == 201


def test_a_token_with_the_admin_scope_is_not_asked(tenant, owner, member):
    """Decision 0020: the token is a credential; its admin scope is the explicit grant."""
    api = Api(owner, scopes=["roles:admin", "audit:read"])

    assert api.post(f"/people/{member.pk}/roles", {"role": "receptionist"}).status_code == 201
    assert api.client.get("/api/v1/audit-events/export").status_code == 200


def test_a_token_without_the_scope_cannot_grant(tenant, owner, member):
    api = Api(owner, scopes=["bookings:read"])

    response = api.post(f"/people/{member.pk}/roles", {"role": "receptionist"})

    assert_problem(response, 403, "insufficient_scope")


def test_tokens_cannot_re_authenticate(tenant, owner):
    api = Api(owner)

    assert_problem(api.post("/me/reauthenticate", {"password": PASSWORD}), 403, "session_required")


def test_the_state_tells_until_when(tenant, owner):
    client = session_client(owner, csrf=False)
    before = json.loads(client.get("/api/v1/me/mfa").content)
    reauthenticate(client, password=PASSWORD)
    after = json.loads(client.get("/api/v1/me/mfa").content)

    assert before["recently_authenticated_until"] is None
    assert after["recently_authenticated_until"] is not None
    assert after["enabled"] is False
    assert after["required"] is False
    assert after["setup_url"] == "/t/acme/accounts/2fa/"


@pytest.mark.parametrize("page", ["accounts/2fa/totp/activate/", "accounts/2fa/webauthn/add/"])
def test_allauths_mfa_pages_ask_for_re_authentication(tenant, member, page):
    client = session_client(member, csrf=False)

    response = client.get(f"/t/acme/{page}")

    assert response.status_code == 302, response.content[:300]
    assert response["Location"].startswith("/t/acme/accounts/reauthenticate/")


def test_removing_a_factor_asks_for_re_authentication(tenant, member):
    add_totp(member)
    client = session_client(member, csrf=False)

    response = client.post("/t/acme/accounts/2fa/totp/deactivate/")

    assert response.status_code == 302
    assert response["Location"].startswith("/t/acme/accounts/reauthenticate/")
    assert Authenticator.objects.filter(user_id=member.pk, type="totp").exists()


def test_after_re_authenticating_the_pages_open(tenant, member):
    client = session_client(member, csrf=False)
    client.post("/t/acme/accounts/reauthenticate/", {"password": PASSWORD})

    response = client.get("/t/acme/accounts/2fa/totp/activate/")

    assert response.status_code == 200


def test_changing_ones_e_mail_needs_it(tenant, member):
    client = session_client(member, csrf=False)
    path = f"/api/v1/people/{member.pk}"

    def patch(body: dict[str, str]) -> Any:
        return client.patch(path, json.dumps(body), content_type="application/json")

    assert_problem(patch({"email": "new@acme.test"}), 403, "reauthentication_required")
    assert patch({"email": "MEMBER@acme.test", "phone": "+49 30 1"}).status_code == 200  # same
    reauthenticate(client, password=PASSWORD)
    assert patch({"email": "new@acme.test"}).status_code == 200
    member.refresh_from_db()
    assert member.email == "new@acme.test"


def test_changing_the_password_asks_for_the_current_one(tenant, member):
    """The password API re-authenticates by itself: the current password is required."""
    client = session_client(member, csrf=False)
    body = {"old_password": "wrong wrong wrong", "new_password": "another long passphrase"}

    response = _post(client, "/me/password", body)

    assert_problem(response, 422, "password_wrong")


def test_a_fresh_sign_in_counts_for_ten_minutes_on_the_pages_too(tenant, member):
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False) as traveller:
        client = Client()
        client.post("/t/acme/login/", {"email": member.email, "password": PASSWORD})
        assert client.get("/t/acme/accounts/2fa/totp/activate/").status_code == 200

        traveller.shift(dt.timedelta(minutes=11))
        response = client.get("/t/acme/accounts/2fa/totp/activate/")

        assert response.status_code == 302
        assert response["Location"].startswith("/t/acme/accounts/reauthenticate/")
