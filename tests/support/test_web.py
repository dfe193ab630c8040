"""The pages of support access and the instruction register: owner, member, outsider on the
tenant's pages; operator staff and everyone else on the operator's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from deskwerk.audit.models import AuditEvent
from deskwerk.processor.models import AuthorisedPerson
from deskwerk.support.models import Instruction, SupportGrant
from tests.api.conftest import snapshot
from tests.conftest import make_user
from tests.processor.kit import make_operator
from tests.support.kit import make_grant, make_instruction

pytestmark = pytest.mark.django_db

GRANTS = "/t/acme/compliance/support/"
INSTRUCTIONS = "/t/acme/compliance/instructions/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def operator():
    return make_operator()


@pytest.fixture
def person(tenant):
    return AuthorisedPerson.unscoped.create(
        tenant=tenant, first_name="Ina", last_name="Instruct", email="ina@acme.test"
    )


# --- support grants -----------------------------------------------------------------------------


def test_the_owner_grants_and_revokes_on_the_page(tenant, owner, operator):
    _, staff = operator
    client = signed_in(owner)

    page = client.get(GRANTS)
    assert page.status_code == 200
    assert b"Olga Operator" in page.content
    assert "unsafe-inline" not in page["Content-Security-Policy"]

    response = client.post(
        GRANTS,
        {
            "staff": [str(staff.pk)],
            "purpose": "Ticket 99",
            "ends_at": (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "level": "read",
        },
    )
    assert response.status_code == 302
    grant = SupportGrant.unscoped.get(tenant=tenant)
    assert grant.purpose == "Ticket 99"
    assert grant.granted_by_id == owner.pk
    assert b"Ticket 99" in client.get(GRANTS).content

    response = client.post(f"{GRANTS}{grant.pk}/revoke/")
    assert response.status_code == 302
    assert SupportGrant.unscoped.get(pk=grant.pk).revoked_at is not None


def test_too_long_a_grant_is_refused_on_the_page(tenant, owner, operator):
    _, staff = operator
    client = signed_in(owner)
    before = snapshot()

    response = client.post(
        GRANTS,
        {
            "staff": [str(staff.pk)],
            "purpose": "Ticket 99",
            "ends_at": (timezone.localtime() + dt.timedelta(days=9)).strftime("%Y-%m-%dT%H:%M"),
            "level": "read_write",
        },
    )

    assert response.status_code == 422
    assert b"at most 7 days" in response.content
    assert snapshot() == before


def test_a_member_is_not_allowed_and_writes_nothing(tenant, owner, member, operator):
    _, staff = operator
    grant = make_grant(tenant, staff, granted_by=owner)
    client = signed_in(member)
    before = snapshot()

    assert client.get(GRANTS).status_code == 403
    assert client.post(GRANTS, {"staff": [str(staff.pk)], "purpose": "x"}).status_code == 403
    assert client.post(f"{GRANTS}{grant.pk}/revoke/").status_code == 403
    assert snapshot() == before


def test_an_outsider_is_a_stranger_and_foreign_ids_are_404(
    tenant, owner, outsider, other_tenant, operator
):
    _, staff = operator
    grant = make_grant(tenant, staff, granted_by=owner)
    client = signed_in(outsider)

    assert client.get(GRANTS).status_code == 302  # to the sign-in page of acme
    # In their own tenant, our grant's id does not exist.
    response = client.post(f"/t/globex/compliance/support/{grant.pk}/revoke/")
    assert response.status_code == 404
    assert SupportGrant.unscoped.get(pk=grant.pk).revoked_at is None
    assert b"Ticket 4711" not in client.get("/t/globex/compliance/support/").content


# --- instructions --------------------------------------------------------------------------------


def test_the_owner_records_amends_and_withdraws_on_the_page(tenant, owner, person):
    client = signed_in(owner)
    page = client.get(INSTRUCTIONS)
    assert page.status_code == 200
    assert b"Ina Instruct" in page.content

    response = client.post(
        INSTRUCTIONS,
        {
            "text": "Keep visitors 14 days.",
            "channel": "email",
            "given_on": str(timezone.localdate()),
            "given_by": f"p{person.pk}",
        },
    )
    assert response.status_code == 302
    instruction = Instruction.unscoped.get(tenant=tenant)
    assert (instruction.status, instruction.given_by_person_id) == ("in_force", person.pk)

    client.post(f"{INSTRUCTIONS}{instruction.pk}/amend/", {"text": "Keep visitors 7 days."})
    client.post(f"{INSTRUCTIONS}{instruction.pk}/withdraw/")
    instruction.refresh_from_db()
    assert (instruction.version, instruction.status) == (2, "withdrawn")
    page = client.get(INSTRUCTIONS).content.decode()
    assert "Keep visitors 14 days." in page
    assert "Keep visitors 7 days." in page
    assert list(
        AuditEvent.unscoped.filter(tenant=tenant, action__startswith="instruction.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["instruction.record", "instruction.amend", "instruction.withdraw"]


def test_an_oral_instruction_is_confirmed_on_the_page(tenant, owner, person):
    instruction = make_instruction(tenant, person, status="awaiting_confirmation", channel="oral")
    client = signed_in(owner)
    assert b"Confirm in text form" in client.get(INSTRUCTIONS).content

    client.post(f"{INSTRUCTIONS}{instruction.pk}/confirm/")

    instruction.refresh_from_db()
    assert instruction.status == "in_force"
    # Confirming again: a message, nothing changes.
    response = client.post(f"{INSTRUCTIONS}{instruction.pk}/confirm/", follow=True)
    assert b"does not await confirmation" in response.content


def test_a_member_without_authority_is_not_allowed(tenant, member, person):
    instruction = make_instruction(tenant, person)
    client = signed_in(member)
    before = snapshot()

    assert client.get(INSTRUCTIONS).status_code == 403
    assert client.post(INSTRUCTIONS, {"text": "x"}).status_code == 403
    assert client.post(f"{INSTRUCTIONS}{instruction.pk}/withdraw/").status_code == 403
    assert snapshot() == before


def test_an_authorised_persons_account_may(tenant, member, person):
    person.user = member
    person.save()

    assert signed_in(member).get(INSTRUCTIONS).status_code == 200


def test_another_tenants_instruction_is_404(tenant, person, outsider):
    instruction = make_instruction(tenant, person)
    client = signed_in(outsider)

    assert client.get(INSTRUCTIONS).status_code == 302
    response = client.post(f"/t/globex/compliance/instructions/{instruction.pk}/withdraw/")
    assert response.status_code == 404
    instruction.refresh_from_db()
    assert instruction.status == "in_force"


# --- the operator -------------------------------------------------------------------------------


def test_staff_see_their_grants_and_everyone_else_gets_404(tenant, owner, member, operator):
    ops, staff = operator
    make_grant(tenant, staff, granted_by=owner)
    plain = make_user(ops, "plain@ops.test")

    page = signed_in(staff).get("/t/ops/operator/support/")
    assert page.status_code == 200
    assert b"ACME GmbH" in page.content
    assert b"X-Deskwerk-Support-Tenant" in page.content
    assert signed_in(plain).get("/t/ops/operator/support/").status_code == 404
    assert signed_in(owner).get("/t/acme/operator/support/").status_code == 404
    assert signed_in(owner).get("/t/acme/operator/instructions/").status_code == 404


def test_staff_record_an_oral_instruction_and_flag_one(tenant, owner, person, operator):
    _ops, staff = operator
    client = signed_in(staff)
    assert client.get("/t/ops/operator/instructions/").status_code == 200

    response = client.post(
        "/t/ops/operator/instructions/",
        {
            "tenant": str(tenant.pk),
            "text": "Export the bookings of March.",
            "channel": "phone",
            "given_on": str(timezone.localdate()),
            "person": str(person.pk),
        },
    )
    assert response.status_code == 302
    instruction = Instruction.unscoped.get(tenant=tenant)
    assert instruction.status == "awaiting_confirmation"

    client.post(f"/t/ops/operator/instructions/{instruction.pk}/flag/", {"reason": "Too broad."})
    instruction.refresh_from_db()
    assert (instruction.status, instruction.flag_reason) == ("suspended", "Too broad.")
    page = client.get("/t/ops/operator/instructions/").content
    assert b"Too broad." in page
    assert b"ACME GmbH" in page


def test_flagging_is_404_for_non_staff(tenant, owner, person, operator):
    ops, _ = operator
    instruction = make_instruction(tenant, person)
    plain = make_user(ops, "plain@ops.test")

    response = signed_in(plain).post(
        f"/t/ops/operator/instructions/{instruction.pk}/flag/", {"reason": "x"}
    )

    assert response.status_code == 404
    instruction.refresh_from_db()
    assert instruction.status == "in_force"
