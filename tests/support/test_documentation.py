"""Both registers are compliance documentation kept after offboarding (DPA § 14 (3)): sources
registered with deskwerk.offboarding, JSON-serialisable, with the whole history."""

from __future__ import annotations

import json

import pytest

from deskwerk.offboarding.documentation import documentation_sources
from deskwerk.privacy.datamap import undeclared
from deskwerk.processor.models import AuthorisedPerson
from tests.processor.kit import make_operator
from tests.support.kit import make_grant, make_instruction

pytestmark = pytest.mark.django_db


def test_both_sources_are_registered():
    sources = documentation_sources()

    assert {"instructions", "support_grants"} <= set(sources)


def test_the_rows_carry_the_history_and_only_the_tenants_own(
    tenant, other_tenant, owner, outsider, api_owner
):
    _, staff = make_operator()
    person = AuthorisedPerson.unscoped.create(
        tenant=tenant, first_name="Ina", last_name="Instruct", email="ina@acme.test"
    )
    instruction = make_instruction(tenant, person)
    api_owner.post(f"/processor/instructions/{instruction.pk}/amend", {"text": "Version two"})
    grant = make_grant(tenant, staff, granted_by=owner)
    api_owner.post(f"/processor/support-grants/{grant.pk}/revoke")
    make_grant(other_tenant, staff, granted_by=outsider)
    sources = documentation_sources()

    instructions = sources["instructions"](tenant)
    grants = sources["support_grants"](tenant)

    json.dumps([instructions, grants])  # serialisable as it is
    [row] = instructions
    assert (row["id"], row["version"], row["text"]) == (instruction.pk, 2, "Version two")
    assert [h["action"] for h in row["history"]] == ["recorded", "amended"]
    assert row["history"][0]["text"] == "Delete visitor data after 30 days."
    [g] = grants
    assert (g["id"], g["state"], g["staff_ids"]) == (grant.pk, "revoked", [staff.pk])
    assert g["revoked_by_id"] == owner.pk
    assert sources["support_grants"](other_tenant)[0]["id"] != grant.pk


def test_every_field_is_in_the_data_map():
    assert not [f for f in undeclared() if f.startswith("support.")]
