"""The data map drives erasure of authorised persons and objections like every other table."""

from __future__ import annotations

import pytest

from deskwerk.privacy.datamap import REGISTRY, Category
from deskwerk.privacy.requests.erasure import person_erase
from deskwerk.processor.models import AuthorisedPerson, Objection
from deskwerk.tenancy.context import tenant_context
from tests.processor.kit import planned

pytestmark = pytest.mark.django_db


def test_authorised_persons_are_contact_and_master_data_in_a_table_of_their_own():
    declared = REGISTRY["processor.AuthorisedPerson"].personal

    assert {name: rule.category for name, rule in declared.items()} == {
        "first_name": Category.MASTER,
        "last_name": Category.MASTER,
        "org_unit": Category.MASTER,
        "email": Category.CONTACT,
        "phone": Category.CONTACT,
    }


def test_erasing_a_person_removes_them_as_authorised_and_keeps_the_objection(tenant, owner, member):
    AuthorisedPerson.unscoped.create(
        tenant=tenant, user=member, first_name="M", last_name="Ember", email=member.email
    )
    AuthorisedPerson.unscoped.create(
        tenant=tenant, first_name="Ext", last_name="Ernal", email="ext@partner.test"
    )
    objection = Objection.unscoped.create(
        tenant=tenant, subprocessor=planned("X GmbH"), reason="no", objected_by=member
    )

    with tenant_context(tenant):
        result = person_erase(actor=owner, person=member)

    assert result.deleted["processor.AuthorisedPerson"] == 1
    assert list(AuthorisedPerson.unscoped.values_list("email", flat=True)) == ["ext@partner.test"]
    objection.refresh_from_db()
    assert (objection.objected_by_id, objection.reason) == (None, "no")
