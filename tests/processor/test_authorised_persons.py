"""Authorised persons (DPA § 6 (3)–(6)): named per tenant, system admins by default, every
change notified to the operator over real SMTP."""

from __future__ import annotations

import pytest

from deskwerk.audit.models import AuditEvent
from deskwerk.processor.models import AuthorisedPerson
from deskwerk.processor.selectors import authorised_recipients
from tests.api.conftest import assert_problem, snapshot
from tests.conftest import make_user
from tests.processor.kit import make_operator

pytestmark = pytest.mark.django_db

ADA = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "org_unit": "Legal",
    "email": "Ada.Lovelace@acme.test",
    "phone": "+49 30 123 45",
}


def _text(received) -> str:
    return received.message.get_body(preferencelist=("plain",)).get_content()


def test_without_named_persons_the_system_admins_are_authorised(tenant, owner, member):
    recipients = authorised_recipients(tenant)

    assert [(r.email, r.named) for r in recipients] == [(owner.email, False)]


def test_named_persons_replace_the_default(tenant, owner, api_owner):
    api_owner.post("/processor/authorised-persons", ADA)

    recipients = authorised_recipients(tenant)
    listed = api_owner.get("/processor/authorised-persons").data

    assert [(r.email, r.named) for r in recipients] == [("ada.lovelace@acme.test", True)]
    assert [p["email"] for p in listed["items"]] == ["ada.lovelace@acme.test"]
    assert listed["recipients"] == [
        {
            "name": "Ada Lovelace",
            "email": "ada.lovelace@acme.test",
            "person_id": None,
            "named": True,
        }
    ]


def test_a_named_person_is_audited_and_the_operator_notified_over_smtp(
    tenant, owner, api_owner, smtp_server, settings, django_capture_on_commit_callbacks
):
    make_operator()
    settings.OPERATOR_EMAIL = "dpa@operator.test"
    server = smtp_server("none")

    with django_capture_on_commit_callbacks(execute=True):
        response = api_owner.post("/processor/authorised-persons", ADA)

    assert response.status_code == 201, response.data
    [received] = server.received
    assert received.rcpt_tos == ["dpa@operator.test"]
    assert received.message["Subject"] == "Weisungsberechtigte Personen von ACME GmbH geändert"
    text = _text(received)
    assert "ACME GmbH (acme)" in text
    assert "Ada Lovelace, Legal, E-Mail ada.lovelace@acme.test, Telefon +49 30 123 45" in text
    event = AuditEvent.unscoped.get(tenant=tenant, action="authorised_person.create")
    assert event.actor_id == owner.pk
    assert event.object_id == str(response.data["id"])
    assert "email" in event.changed_fields


def test_changes_and_removal_reach_the_operator_staff_when_no_address_is_set(
    tenant, api_owner, smtp_server, settings, django_capture_on_commit_callbacks
):
    _, staff = make_operator()
    settings.OPERATOR_EMAIL = ""
    server = smtp_server("none")
    person = api_owner.post("/processor/authorised-persons", ADA).data

    with django_capture_on_commit_callbacks(execute=True):
        changed = api_owner.patch(
            f"/processor/authorised-persons/{person['id']}", {"phone": "+49 711 1"}
        )
        removed = api_owner.delete(f"/processor/authorised-persons/{person['id']}")

    assert changed.status_code == 200
    assert changed.data["phone"] == "+49 711 1"
    assert removed.status_code == 204
    assert [r.rcpt_tos for r in server.received] == [[staff.email], [staff.email]]
    assert "Telefon +49 711 1" in _text(server.received[0])
    assert "Systemadministration des Mandanten als weisungsberechtigt" in _text(server.received[1])
    actions = AuditEvent.unscoped.filter(tenant=tenant, action__startswith="authorised_person.")
    assert sorted(actions.values_list("action", flat=True)) == [
        "authorised_person.create",
        "authorised_person.delete",
        "authorised_person.update",
    ]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({**ADA, "first_name": "  "}, 422, "name_required"),
        ({**ADA, "email": "not-an-address"}, 422, "invalid_email"),
        ({**ADA, "phone": "call me"}, 422, "invalid_phone"),
        ({**ADA, "last_name": "x" * 101}, 422, "validation_error"),
        ({k: v for k, v in ADA.items() if k != "last_name"}, 422, "validation_error"),
        ({**ADA, "role": "boss"}, 422, "validation_error"),
        ({**ADA, "person_id": 10**9}, 404, "not_found"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(api_owner, body, status, code):
    before = snapshot()

    response = api_owner.post("/processor/authorised-persons", body)

    assert_problem(response, status, code)
    assert snapshot() == before


def test_the_same_address_twice_is_a_conflict(api_owner):
    assert api_owner.post("/processor/authorised-persons", ADA).status_code == 201
    before = snapshot()

    duplicate = {**ADA, "email": ADA["email"].upper()}
    assert_problem(
        api_owner.post("/processor/authorised-persons", duplicate), 409, "authorised_person_exists"
    )
    assert snapshot() == before


def test_another_tenants_account_cannot_be_linked(api_owner, outsider):
    before = snapshot()

    response = api_owner.post("/processor/authorised-persons", {**ADA, "person_id": outsider.pk})

    assert_problem(response, 404, "not_found")
    assert snapshot() == before


def test_another_tenants_authorised_person_is_404(api_owner, api_outsider, tenant):
    person = api_owner.post("/processor/authorised-persons", ADA).data
    before = snapshot(tenant)

    path = f"/processor/authorised-persons/{person['id']}"
    assert_problem(api_outsider.patch(path, {"phone": "+1 1"}), 404, "not_found")
    assert_problem(api_outsider.delete(path), 404, "not_found")
    assert api_outsider.get("/processor/authorised-persons").data["items"] == []
    assert snapshot(tenant) == before


def test_members_cannot_manage_authorised_persons(api_member):
    before = snapshot()

    assert_problem(api_member.post("/processor/authorised-persons", ADA), 403, "permission_denied")
    assert snapshot() == before


def test_a_linked_account_is_kept_with_the_person(tenant, api_owner, member):
    response = api_owner.post("/processor/authorised-persons", {**ADA, "person_id": member.pk})

    assert response.data["person_id"] == member.pk
    assert AuthorisedPerson.unscoped.get(tenant=tenant).user_id == member.pk


def test_a_deactivated_account_cannot_be_linked(tenant, api_owner):
    gone = make_user(tenant, "gone@acme.test")
    type(gone).unscoped.filter(pk=gone.pk).update(is_active=False)

    response = api_owner.post("/processor/authorised-persons", {**ADA, "person_id": gone.pk})

    assert_problem(response, 422, "person_inactive")
