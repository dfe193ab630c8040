"""Rectification (Art. 16) through the normal edit path: the person or an admin, audited."""

from __future__ import annotations

import pytest

from deskwerk.accounts.models import ContactDetails, User
from deskwerk.accounts.services import person_update
from deskwerk.audit.models import AuditEvent
from deskwerk.core.errors import NotFound
from deskwerk.tenancy.context import tenant_context
from tests.api.conftest import assert_problem
from tests.conftest import Api

pytestmark = pytest.mark.django_db


def test_a_person_corrects_their_own_data(api_member, member, tenant):
    response = api_member.patch(
        f"/people/{member.pk}",
        {
            "full_name": "  Maria Muster ",
            "email": "Maria@Acme.test",
            "phone": "+49 30 123",
            "mobile": "+49 170 456",
            "org_unit": "Sales",
        },
    )

    assert response.status_code == 200, response.data
    assert response.data["full_name"] == "Maria Muster"
    assert response.data["email"] == "maria@acme.test"
    assert (response.data["phone"], response.data["mobile"], response.data["org_unit"]) == (
        "+49 30 123",
        "+49 170 456",
        "Sales",
    )
    contact = ContactDetails.unscoped.get(user=member)  # created on demand, in its own table
    assert contact.tenant_id == tenant.pk
    assert api_member.get(f"/people/{member.pk}").data == response.data


def test_the_audit_names_fields_never_values(api_member, member, tenant):
    api_member.patch(f"/people/{member.pk}", {"full_name": "Secret Name", "phone": "+49 999"})

    event = AuditEvent.unscoped.get(tenant=tenant, action="person.update")
    assert event.changed_fields == ["full_name", "phone"]
    assert event.actor_id == member.pk
    assert event.object_id == str(member.pk)
    row = AuditEvent.unscoped.filter(pk=event.pk).values().get()
    assert "Secret Name" not in str(row)
    assert "+49 999" not in str(row)


def test_nothing_changed_nothing_audited(api_member, member):
    api_member.patch(f"/people/{member.pk}", {"full_name": member.full_name})

    assert not AuditEvent.unscoped.filter(action="person.update").exists()
    assert not ContactDetails.unscoped.exists()


def test_an_admin_corrects_a_colleague(api_owner, member, owner):
    response = api_owner.patch(f"/people/{member.pk}", {"org_unit": "Finance", "phone": ""})

    assert response.status_code == 200
    assert response.data["org_unit"] == "Finance"
    assert AuditEvent.unscoped.get(action="person.update").actor_id == owner.pk


def test_members_cannot_see_or_change_colleagues(api_member, owner):
    before = User.unscoped.values().get(pk=owner.pk)

    assert_problem(api_member.get(f"/people/{owner.pk}"), 404, "not_found")
    assert_problem(api_member.patch(f"/people/{owner.pk}", {"full_name": "X"}), 404, "not_found")
    assert User.unscoped.values().get(pk=owner.pk) == before
    member = User.unscoped.get(email="member@acme.test")
    with tenant_context(owner.tenant), pytest.raises(NotFound):
        person_update(actor=member, person=owner, full_name="X")


@pytest.mark.parametrize("person", ["outsider", "unknown"])
def test_foreign_and_unknown_people_are_404(api_owner, outsider, person):
    pk = outsider.pk if person == "outsider" else 10**9

    assert_problem(api_owner.get(f"/people/{pk}"), 404, "not_found")
    assert_problem(api_owner.patch(f"/people/{pk}", {"full_name": "X"}), 404, "not_found")


def test_an_admin_token_needs_the_privacy_scope_for_others(owner, member):
    limited = Api(owner, scopes=["bookings:read"])

    assert_problem(limited.get(f"/people/{member.pk}"), 403, "insufficient_scope")
    assert limited.get(f"/people/{owner.pk}").status_code == 200  # oneself needs no scope


def test_bad_input(api_member, member, owner):
    assert_problem(
        api_member.patch(f"/people/{member.pk}", {"email": "nope"}), 422, "invalid_email"
    )
    assert_problem(
        api_member.patch(f"/people/{member.pk}", {"email": owner.email}), 409, "email_taken"
    )
    assert_problem(
        api_member.patch(f"/people/{member.pk}", {"role": "admin"}), 422, "validation_error"
    )
    assert_problem(
        api_member.patch(f"/people/{member.pk}", {"phone": "1" * 41}), 422, "validation_error"
    )
    member.refresh_from_db()
    assert member.email == "member@acme.test"
