"""The instruction register (DPA § 7): recorded by the tenant (in force at once) or by the
operator (oral ones await confirmation in text form), flagged by the operator as possibly
unlawful (suspended until amended or withdrawn), with a history that is never overwritten —
every step audited, notices through a real SMTP server."""

from __future__ import annotations

import pytest
from django.utils import timezone

from deskwerk.audit.models import AuditEvent
from deskwerk.processor.models import AuthorisedPerson, Notice
from deskwerk.support.models import Instruction, InstructionEvent
from tests.api.conftest import assert_problem, snapshot
from tests.conftest import Api, make_user
from tests.processor.kit import make_operator
from tests.support.kit import make_instruction

pytestmark = pytest.mark.django_db

TEXT = "Delete visitor contact data 30 days after the visit."
TODAY = str(timezone.localdate())
STEPS = [("confirm", {}), ("amend", {"text": "x"}), ("withdraw", {})]


@pytest.fixture
def operator():
    tenant, staff = make_operator()
    return tenant, staff, Api(staff)


@pytest.fixture
def staff_api(operator):
    return operator[2]


@pytest.fixture
def ina(tenant, member):
    """A named authorised person, linked to the member's account."""
    return AuthorisedPerson.unscoped.create(
        tenant=tenant, first_name="Ina", last_name="Instruct", email="ina@acme.test", user=member
    )


def _text(received) -> str:
    return received.message.get_body(preferencelist=("plain",)).get_content()


def actions(tenant) -> list[str]:
    return list(
        AuditEvent.unscoped.filter(tenant=tenant, action__startswith="instruction.")
        .order_by("id")
        .values_list("action", flat=True)
    )


def history(instruction_id: int) -> list[tuple[str, int, str]]:
    return list(
        InstructionEvent.unscoped.filter(instruction_id=instruction_id)
        .order_by("at", "pk")
        .values_list("action", "version", "status_after")
    )


# --- recording -----------------------------------------------------------------------------------


def test_the_owner_records_an_instruction_in_force_at_once(
    tenant, owner, api_owner, operator, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.OPERATOR_EMAIL = "dpa@operator.test"
    server = smtp_server("none")

    with django_capture_on_commit_callbacks(execute=True):
        response = api_owner.post("/processor/instructions", {"text": TEXT, "given_on": TODAY})

    assert response.status_code == 201, response.data
    data = response.data
    # No authorised person is named: the system admin gave it (§ 6 (4)).
    assert (data["status"], data["channel"], data["version"]) == ("in_force", "in_app", 1)
    assert (data["given_by_id"], data["authorised_person_id"]) == (owner.pk, None)
    assert data["given_by_name"] == owner.full_name
    assert [h["action"] for h in data["history"]] == ["recorded"]
    assert actions(tenant) == ["instruction.record"]
    [mail] = server.received
    assert mail.rcpt_tos == ["dpa@operator.test"]
    assert mail.message["Subject"].strip() == f"Weisung Nr. {data['id']} von ACME GmbH: neu"
    assert TEXT in _text(mail)
    assert Notice.unscoped.filter(tenant=operator[0], template="instruction_changed").count() == 1


def test_an_authorised_persons_account_records_in_their_name(tenant, member, ina):
    response = Api(member).post("/processor/instructions", {"text": TEXT, "channel": "email"})

    assert response.status_code == 201, response.data
    assert response.data["authorised_person_id"] == ina.pk
    assert response.data["given_by_name"] == "Ina Instruct"
    assert response.data["status"] == "in_force"


def test_with_named_persons_the_owner_must_name_one(tenant, api_owner, ina):
    before = snapshot()

    refused = api_owner.post("/processor/instructions", {"text": TEXT})

    assert_problem(refused, 422, "authorised_person_required")
    assert snapshot() == before
    named = api_owner.post(
        "/processor/instructions", {"text": TEXT, "authorised_person_id": ina.pk}
    )
    assert named.status_code == 201
    assert named.data["given_by_name"] == "Ina Instruct"


def test_a_member_who_is_not_authorised_can_do_nothing(tenant, ina, api_owner, owner):
    instruction = make_instruction(tenant, ina)
    plain = Api(make_user(tenant, "plain@acme.test"))
    before = snapshot()

    assert_problem(plain.get("/processor/instructions"), 403, "permission_denied")
    assert_problem(plain.post("/processor/instructions", {"text": TEXT}), 403, "permission_denied")
    for step, body in STEPS:
        response = plain.post(f"/processor/instructions/{instruction.pk}/{step}", body)
        assert_problem(response, 403, "permission_denied")
    assert snapshot() == before


def test_an_outsider_never_sees_the_tenants_instructions(tenant, ina, api_outsider):
    instruction = make_instruction(tenant, ina)
    before = snapshot(tenant)

    assert api_outsider.get("/processor/instructions").data["items"] == []
    assert_problem(api_outsider.get(f"/processor/instructions/{instruction.pk}"), 404, "not_found")
    for step, body in STEPS:
        response = api_outsider.post(f"/processor/instructions/{instruction.pk}/{step}", body)
        assert_problem(response, 404, "not_found")
    # Naming our authorised person from another tenant: 404 as well.
    response = api_outsider.post(
        "/processor/instructions", {"text": TEXT, "authorised_person_id": ina.pk}
    )
    assert_problem(response, 404, "not_found")
    assert snapshot(tenant) == before


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"text": "  "}, 422, "text_required"),
        ({"text": TEXT, "channel": "pigeon"}, 422, "validation_error"),
        ({"text": TEXT, "given_on": "2999-01-01"}, 422, "date_in_future"),
        ({"text": TEXT, "given_on": "yesterday"}, 422, "validation_error"),
        ({"text": TEXT, "given_by_id": 10**9}, 404, "not_found"),
        ({"text": TEXT, "authorised_person_id": 10**9}, 404, "not_found"),
        ({"text": TEXT, "surprise": 1}, 422, "validation_error"),
    ],
)
def test_bad_input_writes_nothing(api_owner, body, status, code):
    before = snapshot()

    assert_problem(api_owner.post("/processor/instructions", body), status, code)
    assert snapshot() == before


def test_a_non_admin_cannot_be_named_as_giver_while_none_is_named(tenant, api_owner, member):
    response = api_owner.post("/processor/instructions", {"text": TEXT, "given_by_id": member.pk})

    assert_problem(response, 422, "not_authorised")


# --- oral instructions ---------------------------------------------------------------------------


def test_an_oral_instruction_awaits_text_confirmation_then_is_in_force(
    tenant, owner, api_owner, operator, staff_api, smtp_server, settings,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    settings.OPERATOR_EMAIL = "dpa@operator.test"
    server = smtp_server("none")
    body = {"tenant_id": tenant.pk, "text": TEXT, "channel": "phone", "given_on": TODAY}

    with django_capture_on_commit_callbacks(execute=True):
        recorded = staff_api.post("/operator/instructions", body)

    assert recorded.status_code == 201, recorded.data
    iid = recorded.data["id"]
    assert recorded.data["status"] == "awaiting_confirmation"
    assert recorded.data["recorded_by_operator"] is True
    assert recorded.data["given_by_id"] == owner.pk  # none named: the system admin (§ 6 (4))
    [to_tenant] = server.received
    assert to_tenant.rcpt_tos == [owner.email]
    assert "Bitte in Textform bestätigen" in to_tenant.message["Subject"]
    assert f"/api/v1/processor/instructions/{iid}/confirm" in _text(to_tenant)
    # In the tenant's log under the operator's account, and in the operator's own.
    event = AuditEvent.unscoped.get(tenant=tenant, action="instruction.record")
    assert event.actor_label == f"operator account {operator[1].pk}"
    assert AuditEvent.unscoped.filter(tenant=operator[0], action="instruction.record").exists()

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = api_owner.post(f"/processor/instructions/{iid}/confirm")

    assert confirmed.status_code == 200
    assert confirmed.data["status"] == "in_force"
    assert history(iid) == [
        ("recorded", 1, "awaiting_confirmation"),
        ("confirmed", 1, "in_force"),
    ]
    assert server.received[-1].rcpt_tos == ["dpa@operator.test"]
    assert "bestätigt" in server.received[-1].message["Subject"]
    # Confirming again is a conflict.
    again = api_owner.post(f"/processor/instructions/{iid}/confirm")
    assert_problem(again, 409, "instruction_not_awaiting")


def test_a_written_instruction_recorded_by_the_operator_is_in_force(tenant, owner, staff_api):
    body = {"tenant_id": tenant.pk, "text": TEXT, "channel": "written", "given_on": TODAY}

    response = staff_api.post("/operator/instructions", body)

    assert response.status_code == 201
    assert response.data["status"] == "in_force"


def test_the_operator_cannot_record_in_app_or_for_the_operator_tenant(
    tenant, owner, operator, staff_api
):
    before = snapshot()
    in_app = {"tenant_id": tenant.pk, "text": TEXT, "channel": "in_app", "given_on": TODAY}
    assert_problem(staff_api.post("/operator/instructions", in_app), 422, "invalid_channel")
    own = {**in_app, "tenant_id": operator[0].pk, "channel": "phone"}
    assert_problem(staff_api.post("/operator/instructions", own), 404, "not_found")
    assert snapshot() == before


def test_operator_endpoints_are_404_for_everyone_else(tenant, ina, api_owner, operator):
    instruction = make_instruction(tenant, ina)
    plain = Api(make_user(operator[0], "plain@ops.test"))
    before = snapshot()

    for api in (api_owner, plain):
        assert_problem(api.get("/operator/instructions"), 404, "not_found")
        response = api.post(f"/operator/instructions/{instruction.pk}/flag", {"reason": "x"})
        assert_problem(response, 404, "not_found")
    assert snapshot() == before


# --- flag, amend, withdraw -----------------------------------------------------------------------


def test_flag_suspends_notifies_the_tenant_and_amending_lifts_it(
    tenant, owner, ina, member, api_owner, operator, staff_api, smtp_server, settings,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    settings.OPERATOR_EMAIL = "dpa@operator.test"
    instruction = make_instruction(tenant, ina)
    server = smtp_server("none")

    with django_capture_on_commit_callbacks(execute=True):
        flagged = staff_api.post(
            f"/operator/instructions/{instruction.pk}/flag",
            {"reason": "Keeping data forever has no purpose."},
        )

    assert flagged.status_code == 200, flagged.data
    assert (flagged.data["status"], flagged.data["tenant_name"]) == ("suspended", "ACME GmbH")
    [notice] = server.received
    assert notice.rcpt_tos == ["ina@acme.test"]  # the named authorised person, not the owner
    assert "ausgesetzt" in notice.message["Subject"]
    assert "Keeping data forever has no purpose." in _text(notice)
    assert Notice.unscoped.filter(tenant=tenant, template="instruction_flagged").exists()
    assert_problem(
        staff_api.post(f"/operator/instructions/{instruction.pk}/flag", {"reason": "again"}),
        409,
        "instruction_suspended",
    )

    with django_capture_on_commit_callbacks(execute=True):
        amended = Api(member).post(
            f"/processor/instructions/{instruction.pk}/amend", {"text": "Keep 90 days."}
        )

    assert amended.status_code == 200
    assert (amended.data["status"], amended.data["version"]) == ("in_force", 2)
    assert amended.data["flag_reason"] == ""
    assert history(instruction.pk) == [
        ("recorded", 1, "in_force"),
        ("flagged", 1, "suspended"),
        ("amended", 2, "in_force"),
    ]
    # The old text and the reason stay in the history.
    events = amended.data["history"]
    assert events[0]["text"] == "Delete visitor data after 30 days."
    assert events[1]["note"] == "Keeping data forever has no purpose."
    assert events[1]["by_operator"] is True
    assert events[2]["text"] == "Keep 90 days."
    assert "geändert" in server.received[-1].message["Subject"]
    assert actions(tenant) == ["instruction.flag", "instruction.amend"]


def test_withdrawal_is_final(tenant, ina, api_owner, staff_api):
    instruction = make_instruction(tenant, ina)

    withdrawn = api_owner.post(
        f"/processor/instructions/{instruction.pk}/withdraw", {"note": "no longer needed"}
    )

    assert withdrawn.status_code == 200
    assert withdrawn.data["status"] == "withdrawn"
    before = snapshot()
    path = f"/processor/instructions/{instruction.pk}"
    assert_problem(api_owner.post(path + "/withdraw", {}), 409, "instruction_withdrawn")
    assert_problem(api_owner.post(path + "/amend", {"text": "new"}), 409, "instruction_withdrawn")
    assert_problem(api_owner.post(path + "/confirm"), 409, "instruction_not_awaiting")
    flag = staff_api.post(f"/operator/instructions/{instruction.pk}/flag", {"reason": "x"})
    assert_problem(flag, 409, "instruction_withdrawn")
    assert snapshot() == before
    assert history(instruction.pk)[-1] == ("withdrawn", 1, "withdrawn")


def test_a_suspended_instruction_may_be_withdrawn(tenant, ina, api_owner, staff_api):
    instruction = make_instruction(tenant, ina)
    staff_api.post(f"/operator/instructions/{instruction.pk}/flag", {"reason": "unlawful"})

    response = api_owner.post(f"/processor/instructions/{instruction.pk}/withdraw", {})

    assert response.data["status"] == "withdrawn"


def test_amending_needs_a_different_text_and_a_flag_needs_a_reason(
    tenant, ina, api_owner, staff_api
):
    instruction = make_instruction(tenant, ina)
    before = snapshot()
    path = f"/processor/instructions/{instruction.pk}/amend"

    assert_problem(api_owner.post(path, {"text": instruction.text}), 422, "text_unchanged")
    assert_problem(api_owner.post(path, {"text": ""}), 422, "text_required")
    flag = staff_api.post(f"/operator/instructions/{instruction.pk}/flag", {"reason": " "})
    assert_problem(flag, 422, "reason_required")
    assert snapshot() == before


def test_the_operator_sees_every_tenants_instructions_needing_attention_first(
    tenant, other_tenant, ina, outsider, staff_api
):
    in_force = make_instruction(tenant, ina)
    awaiting = make_instruction(tenant, ina, status="awaiting_confirmation", channel="oral")
    theirs = Instruction.unscoped.create(
        tenant=other_tenant,
        text="Theirs",
        given_on=timezone.localdate(),
        channel="email",
        given_by_user=outsider,
        given_by_name="Globex Owner",
        status="in_force",
    )

    items = staff_api.get("/operator/instructions").data["items"]

    assert [i["id"] for i in items][:1] == [awaiting.pk]
    assert {i["id"] for i in items} == {in_force.pk, awaiting.pk, theirs.pk}
    assert {i["tenant_name"] for i in items} == {"ACME GmbH", "Globex AG"}


def test_the_tenant_list_shows_status_and_history(tenant, ina, api_owner):
    make_instruction(tenant, ina)
    make_instruction(tenant, ina, status="awaiting_confirmation", channel="phone")

    items = api_owner.get("/processor/instructions").data["items"]

    assert [i["status"] for i in items] == ["awaiting_confirmation", "in_force"]
    assert all(i["history"][0]["action"] == "recorded" for i in items)


def test_the_operator_must_name_the_giver_when_the_tenant_has_several_admins(
    tenant, owner, staff_api
):
    second = make_user(tenant, "second@acme.test", "admin")
    body = {"tenant_id": tenant.pk, "text": TEXT, "channel": "phone", "given_on": TODAY}
    before = snapshot()

    assert_problem(
        staff_api.post("/operator/instructions", body), 422, "authorised_person_required"
    )
    assert snapshot() == before
    named = staff_api.post("/operator/instructions", {**body, "given_by_id": second.pk})
    assert named.status_code == 201
    assert named.data["given_by_id"] == second.pk
