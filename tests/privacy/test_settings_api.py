"""GET/PATCH /api/v1/tenant/privacy-settings: everyone reads, admins change within bounds."""

from __future__ import annotations

import pytest

from deskwerk.audit.models import AuditEvent
from deskwerk.privacy.settings import privacy_settings
from deskwerk.tenancy.models import Tenant
from tests.api.conftest import assert_problem

pytestmark = pytest.mark.django_db

PATH = "/tenant/privacy-settings"
DEFAULTS = {"pseudonymise_after_days": 30, "audit_retention_days": 365, "usage_retention_days": 30}


def stored(tenant: Tenant) -> dict[str, int]:
    current = privacy_settings(Tenant.objects.get(pk=tenant.pk))
    return {name: getattr(current, name) for name in DEFAULTS}


def test_a_member_reads_the_settings_and_their_bounds(api_member):
    response = api_member.get(PATH)

    assert response.status_code == 200
    assert {k: response.data[k] for k in DEFAULTS} == DEFAULTS
    assert response.data["bounds"]["pseudonymise_after_days"] == {
        "default": 30,
        "minimum": 1,
        "maximum": 365,
    }
    assert response.data["bounds"]["audit_retention_days"]["minimum"] == 30


def test_an_admin_changes_some_settings_and_it_is_audited(api_owner, owner, tenant):
    response = api_owner.patch(PATH, {"pseudonymise_after_days": 7, "usage_retention_days": 90})

    assert response.status_code == 200, response.data
    assert response.data["pseudonymise_after_days"] == 7
    assert response.data["audit_retention_days"] == 365  # untouched
    assert stored(tenant) == {**DEFAULTS, "pseudonymise_after_days": 7, "usage_retention_days": 90}
    event = AuditEvent.unscoped.get(tenant=tenant, action="tenant.privacy_settings")
    assert event.actor_id == owner.pk
    assert event.changed_fields == ["pseudonymise_after_days", "usage_retention_days"]


def test_a_member_may_not_change_them(api_member, tenant):
    assert_problem(api_member.patch(PATH, {"pseudonymise_after_days": 7}), 403, "permission_denied")
    assert stored(tenant) == DEFAULTS


def test_an_outsider_changes_only_their_own_tenant(api_outsider, tenant, other_tenant):
    response = api_outsider.patch(PATH, {"pseudonymise_after_days": 90})

    assert response.status_code == 200
    assert stored(tenant) == DEFAULTS
    assert stored(other_tenant)["pseudonymise_after_days"] == 90


@pytest.mark.parametrize(
    "body",
    [
        {"pseudonymise_after_days": 0},
        {"pseudonymise_after_days": 366},
        {"pseudonymise_after_days": -5},
        {"usage_retention_days": 400},
        {"audit_retention_days": 29},
        {"audit_retention_days": 3651},
        {"pseudonymise_after_days": 10, "usage_retention_days": 0},  # all or nothing
    ],
)
def test_values_out_of_bounds_are_refused(api_owner, tenant, body):
    problem = assert_problem(api_owner.patch(PATH, body), 422, "setting_out_of_bounds")

    assert problem["setting"] in body
    assert stored(tenant) == DEFAULTS


@pytest.mark.parametrize(
    "body",
    [
        {"pseudonymise_after_days": "30"},
        {"pseudonymise_after_days": 30.5},
        {"pseudonymise_after_days": 30.0},
        {"pseudonymise_after_days": True},
        {"pseudonymise_after_days": None},
        {"pseudonymise_after_days": [30]},
        {"retention": 30},
        [],
    ],
)
def test_wrong_types_are_validation_errors(api_owner, tenant, body):
    assert_problem(api_owner.patch(PATH, body), 422, "validation_error")
    assert stored(tenant) == DEFAULTS


def test_an_empty_change_changes_nothing(api_owner, tenant):
    response = api_owner.patch(PATH, {})

    assert response.status_code == 200
    assert {k: response.data[k] for k in DEFAULTS} == DEFAULTS
    assert not AuditEvent.unscoped.filter(action="tenant.privacy_settings").exists()
