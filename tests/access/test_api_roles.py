"""Roles over /api/v1: owners grant and approve, members read their own, outsiders see nothing."""

from __future__ import annotations

import pytest

from deskwerk.access.models import RoleGrant
from deskwerk.accounts.models import Membership
from tests.api.conftest import assert_problem
from tests.conftest import Api, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_owner(tenant):
    return make_user(tenant, "second@acme.test", Membership.Role.ADMIN)


def test_owner_grants_and_a_second_owner_approves(api_owner, second_owner, member):
    granted = api_owner.post(f"/people/{member.pk}/roles", {"role": "space_admin"})

    assert granted.status_code == 201
    assert granted.data["state"] == "pending"
    assert granted.data["granted_by_id"] == api_owner.user.pk

    own = api_owner.post(f"/role-grants/{granted.data['id']}/approve")
    assert_problem(own, 403, "four_eyes")

    approved = Api(second_owner).post(f"/role-grants/{granted.data['id']}/approve")
    assert approved.status_code == 200
    assert approved.data["state"] == "active"
    assert approved.data["approved_by_id"] == second_owner.pk

    report = api_owner.get("/roles/report")
    row = next(g for g in report.data["grants"] if g["id"] == granted.data["id"])
    assert row["person_name"] == member.full_name
    assert row["approved_by_id"] == second_owner.pk


def test_a_single_owner_grant_is_active_with_a_warning(api_owner, member):
    granted = api_owner.post(f"/people/{member.pk}/roles", {"role": "auditor"})

    assert granted.data["state"] == "active"
    assert "only one owner" in granted.data["warning"]


def test_members_read_their_own_roles_only(api_member, member, owner):
    mine = api_member.get(f"/people/{member.pk}/roles")
    assert [g["role"] for g in mine.data["items"]] == ["employee"]

    assert_problem(api_member.get(f"/people/{owner.pk}/roles"), 404, "not_found")
    assert_problem(api_member.get("/roles/report"), 403, "permission_denied")
    before = RoleGrant.unscoped.count()
    refused = api_member.post(f"/people/{member.pk}/roles", {"role": "owner"})
    assert_problem(refused, 403, "permission_denied")
    assert RoleGrant.unscoped.count() == before


def test_outsiders_cannot_grant_in_another_tenant(api_outsider, member):
    before = RoleGrant.unscoped.count()

    response = api_outsider.post(f"/people/{member.pk}/roles", {"role": "owner"})

    assert_problem(response, 404, "not_found")
    assert RoleGrant.unscoped.count() == before
    grant = RoleGrant.unscoped.get(user=member, role="employee")
    assert_problem(api_outsider.post(f"/role-grants/{grant.pk}/revoke"), 404, "not_found")


def test_the_last_owner_cannot_be_revoked_over_the_api(api_owner, owner):
    grant = RoleGrant.unscoped.get(user=owner, role="owner")

    assert_problem(api_owner.post(f"/role-grants/{grant.pk}/revoke"), 409, "last_admin")


def test_unknown_roles_and_double_grants_are_refused(api_owner, member):
    assert_problem(
        api_owner.post(f"/people/{member.pk}/roles", {"role": "king"}), 422, "invalid_role"
    )
    assert_problem(
        api_owner.post(f"/people/{member.pk}/roles", {"role": "employee"}), 409, "role_held"
    )
