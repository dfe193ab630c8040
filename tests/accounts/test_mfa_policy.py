"""The tenant's two-factor policy: who must use a second factor, and what happens until they do."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from deskwerk.accounts.mfa import mfa_policy
from deskwerk.tenancy.models import Tenant
from tests.accounts.mfa_kit import actions, add_totp
from tests.api.conftest import assert_problem, session_client
from tests.conftest import Api

pytestmark = pytest.mark.django_db


def _set(tenant: Tenant, value: str) -> None:
    tenant.settings = {**(tenant.settings or {}), "mfa": {"required_for": value}}
    tenant.save(update_fields=["settings"])


def test_the_default_requires_nobody(tenant, api_member):
    response = api_member.get("/tenant/mfa-policy")

    assert response.status_code == 200
    assert response.data == {"required_for": "nobody", "choices": ["nobody", "admins", "everyone"]}


def test_an_owner_changes_the_policy_and_it_is_audited(tenant, owner, api_owner):
    response = api_owner.patch("/tenant/mfa-policy", {"required_for": "admins"})

    assert response.status_code == 200, response.content
    assert response.data["required_for"] == "admins"
    tenant.refresh_from_db()
    assert mfa_policy(tenant).required_for == "admins"
    assert "tenant.mfa_policy" in actions(owner)


def test_a_member_cannot_change_the_policy(tenant, api_member):
    response = api_member.patch("/tenant/mfa-policy", {"required_for": "nobody"})

    assert_problem(response, 403, "permission_denied")
    tenant.refresh_from_db()
    assert mfa_policy(tenant).required_for == "nobody"


@pytest.mark.parametrize("value", ["sometimes", "", "ADMINS", 1, None, ["admins"]])
def test_values_outside_the_choices_are_refused_and_change_nothing(tenant, api_owner, value):
    response = api_owner.patch("/tenant/mfa-policy", {"required_for": value})

    assert response.status_code == 422, response.content
    assert response.data["code"] in ("setting_out_of_bounds", "validation_error")
    tenant.refresh_from_db()
    assert "mfa" not in (tenant.settings or {})


def test_an_unknown_stored_value_reads_as_the_default(tenant):
    _set(tenant, "whoever")

    assert mfa_policy(tenant).required_for == "nobody"


def test_admins_without_a_factor_are_sent_to_the_set_up_page(tenant, owner, member):
    _set(tenant, "admins")
    admin = session_client(owner, csrf=False)
    employee = session_client(member, csrf=False)

    response = admin.get("/t/acme/")

    assert response.status_code == 302
    assert response["Location"] == "/t/acme/accounts/2fa/"
    assert admin.get("/t/acme/accounts/2fa/").status_code == 200
    assert employee.get("/t/acme/").status_code == 200  # the policy is for admins only


def test_everyone_means_members_too(tenant, member):
    _set(tenant, "everyone")
    client = session_client(member, csrf=False)

    response = client.get("/t/acme/")

    assert response.status_code == 302
    assert response["Location"] == "/t/acme/accounts/2fa/"


def test_the_session_api_refuses_until_a_factor_exists(tenant, owner):
    _set(tenant, "admins")
    client = session_client(owner, csrf=False)

    assert_problem(client.get("/api/v1/me"), 403, "mfa_required")
    assert_problem(client.get("/api/v1/bookings"), 403, "mfa_required")

    add_totp(owner)

    assert client.get("/api/v1/me").status_code == 200
    assert client.get("/t/acme/").status_code == 200


def test_the_policy_of_one_tenant_does_not_reach_another(tenant, other_tenant, outsider):
    _set(tenant, "everyone")

    assert session_client(outsider, csrf=False).get("/api/v1/me").status_code == 200


def test_signing_out_stays_possible(tenant, owner):
    _set(tenant, "everyone")
    client = session_client(owner, csrf=False)

    client.post("/t/acme/accounts/logout/")

    assert Client().get("/api/v1/me").status_code in (401, 403)
    assert client.get("/api/v1/me").status_code in (401, 403)


def test_an_admin_resets_the_factors_of_a_person_who_lost_them(tenant, owner, member):
    add_totp(member)
    lost = session_client(member, csrf=False)
    api = Api(owner, scopes=["sessions:admin"])

    response = api.delete(f"/people/{member.pk}/mfa")

    assert response.status_code == 200, response.content
    assert response.data == {"removed": 2}  # the app and the recovery codes
    assert not Authenticator.objects.filter(user_id=member.pk).exists()
    assert lost.get("/api/v1/me").status_code == 401  # their sessions ended
    assert "mfa.reset" in actions(owner)


def test_a_member_cannot_reset_anyones_factors(tenant, owner, api_member):
    add_totp(owner)

    response = api_member.delete(f"/people/{owner.pk}/mfa")

    assert_problem(response, 403, "permission_denied")
    assert Authenticator.objects.filter(user_id=owner.pk).count() == 2


def test_a_reset_over_a_session_needs_re_authentication(tenant, owner, member):
    add_totp(member)
    client = session_client(owner, csrf=False)

    response = client.delete(f"/api/v1/people/{member.pk}/mfa")

    assert_problem(response, 403, "reauthentication_required")
    assert Authenticator.objects.filter(user_id=member.pk).count() == 2
