"""Subprocessors (DPA § 10, Annex 2): the registry, the announcement to every tenant, the
14-day objection window, objections, resolution and activation — deadlines with time-machine,
notices through a real SMTP server."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from deskwerk.audit.models import AuditEvent
from deskwerk.core.errors import Conflict
from deskwerk.processor.models import AuthorisedPerson, Objection, Subprocessor
from deskwerk.processor.services import (
    OBJECTION_WINDOW,
    subprocessor_activate,
    subprocessors_activate_due,
)
from deskwerk.processor.tasks import subprocessors_activate_periodic
from deskwerk.tenancy.services import tenant_create, tenant_set_status
from tests.api.conftest import assert_problem, snapshot
from tests.conftest import Api, make_user
from tests.processor.kit import make_operator

pytestmark = pytest.mark.django_db

ANNOUNCED = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # 10:00 in Berlin
DEADLINE = ANNOUNCED + dt.timedelta(days=14)
NEW = {
    "name": "Nordlicht Rechenzentrum AB",
    "address": "Sveavägen 1, 111 57 Stockholm, Schweden",
    "country": "se",
    "service": "Backup storage (encrypted)",
}
ANNEX_2 = {
    "Hetzner Online GmbH",
    "RapidMail GmbH",
    "Mailjet SAS",
    "HubSpot Germany GmbH",
    "Banauten GmbH",
    "apicore engineering GmbH",
}


def _text(received) -> str:
    return received.message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def staff_api():
    return Api(make_operator()[1])


@pytest.fixture
def announce(staff_api, time_machine, django_capture_on_commit_callbacks):
    """Announce NEW at ANNOUNCED (notices delivered), return its id."""

    def run() -> int:
        time_machine.move_to(ANNOUNCED, tick=False)
        with django_capture_on_commit_callbacks(execute=True):
            response = staff_api.post("/operator/subprocessors", NEW)
        assert response.status_code == 201, response.data
        return int(response.data["id"])

    return run


def test_the_registry_is_seeded_with_annex_2():
    seeded = Subprocessor.objects.filter(name__in=ANNEX_2)

    assert {s.name for s in seeded} == ANNEX_2
    assert {(s.status, s.eu_eea) for s in seeded} == {("active", True)}
    hetzner = seeded.get(name="Hetzner Online GmbH")
    assert hetzner.address == "Industriestraße 25, 91710 Gunzenhausen, Deutschland"
    assert hetzner.country == "DE"
    assert seeded.get(name="Mailjet SAS").country == "FR"


def test_every_tenant_sees_the_current_list(api_member, api_outsider):
    ours = api_member.get("/processor/subprocessors").data["items"]

    assert {s["name"] for s in ours} >= ANNEX_2
    assert ours == api_outsider.get("/processor/subprocessors").data["items"]


def test_an_announcement_reaches_every_tenants_authorised_recipients(
    tenant, owner, other_tenant, outsider, announce, smtp_server
):
    AuthorisedPerson.unscoped.create(
        tenant=tenant, first_name="Ina", last_name="Instruct", email="ina@acme.test"
    )
    gone = tenant_create(slug="gone", name="Gone AG")
    make_user(gone, "admin@gone.test", "admin")
    tenant_set_status(tenant=gone, status="terminated")
    server = smtp_server("none")

    sub_id = announce()

    by_address = {r.rcpt_tos[0]: r for r in server.received}
    # Named persons replace the admins (acme); the default holds where none are named (globex);
    # terminated tenants and the operator get nothing.
    assert set(by_address) == {"ina@acme.test", outsider.email}
    german = by_address["ina@acme.test"]
    # Django 5.2 folds long non-ASCII subjects after "Subject:"; parsers keep that space.
    assert german.message["Subject"].strip() == (
        "Neuer Unterauftragsverarbeiter: Nordlicht Rechenzentrum AB, Widerspruch bis 16. März 2026"
    )
    text = _text(german)
    for part in (
        "Name: Nordlicht Rechenzentrum AB",
        "Anschrift: Sveavägen 1, 111 57 Stockholm, Schweden",
        "Land der Verarbeitung: SE (EU/EWR)",
        "Leistung: Backup storage (encrypted)",
        "bis 16. März 2026 10:00 widersprechen",
        "POST /api/v1/processor/objections",
    ):
        assert part in text, part
    sub = Subprocessor.objects.get(pk=sub_id)
    assert (sub.status, sub.announced_at, sub.objection_deadline) == (
        "planned",
        ANNOUNCED,
        DEADLINE,
    )
    for t in (tenant, other_tenant):
        assert AuditEvent.unscoped.filter(
            tenant=t, action="subprocessor.announce", object_id=str(sub_id)
        ).exists()
    assert not AuditEvent.unscoped.filter(tenant=gone, action="subprocessor.announce").exists()


def test_an_english_tenant_gets_the_notice_in_english(announce, smtp_server):
    london = tenant_create(slug="london", name="London Ltd", timezone="Europe/London")
    admin = make_user(london, "admin@london.test", "admin")
    server = smtp_server("none")

    announce()

    [received] = [r for r in server.received if r.rcpt_tos == [admin.email]]
    assert received.message["Subject"].strip() == (
        "New subprocessor: Nordlicht Rechenzentrum AB, objections until March 16, 2026"
    )
    assert "Country of processing: SE (EU/EEA)" in _text(received)
    assert "until March 16, 2026, 9 a.m." in _text(received)  # London time


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({**NEW, "country": "US"}, "outside_eea"),
        ({**NEW, "country": "CH"}, "outside_eea"),
        ({**NEW, "country": "1X"}, "invalid_country"),
        ({**NEW, "name": " "}, "name_required"),
        ({**NEW, "service": ""}, "name_required"),
        ({**NEW, "country": "DEU"}, "validation_error"),
        ({k: v for k, v in NEW.items() if k != "address"}, "validation_error"),
    ],
)
def test_a_bad_announcement_is_refused_and_writes_nothing(staff_api, tenant, body, code):
    before = (snapshot(), Subprocessor.objects.count())

    assert_problem(staff_api.post("/operator/subprocessors", body), 422, code)
    assert (snapshot(), Subprocessor.objects.count()) == before


def test_an_objection_just_before_the_deadline_is_recorded_and_reaches_the_operator(
    tenant, owner, api_owner, announce, smtp_server, time_machine, settings,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    sub_id = announce()
    settings.OPERATOR_EMAIL = "dpa@operator.test"
    server = smtp_server("none")
    time_machine.move_to(DEADLINE - dt.timedelta(seconds=1), tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_owner.post(
            "/processor/objections",
            {"subprocessor_id": sub_id, "reason": "Our works council has not agreed yet."},
        )

    assert response.status_code == 201, response.data
    [received] = server.received
    assert received.rcpt_tos == ["dpa@operator.test"]
    assert received.message["Subject"] == (
        "Widerspruch von ACME GmbH gegen Unterauftragsverarbeiter Nordlicht Rechenzentrum AB"
    )
    text = _text(received)
    assert "Our works council has not agreed yet." in text
    assert "ACME GmbH (acme)" in text
    assert f"/api/v1/operator/objections/{response.data['id']}/resolve" in text
    objection = Objection.unscoped.get(pk=response.data["id"])
    assert (objection.tenant_id, objection.objected_by_id) == (tenant.pk, owner.pk)
    assert AuditEvent.unscoped.filter(
        tenant=tenant, action="subprocessor.object", actor_id=owner.pk
    ).exists()
    mine = api_owner.get("/processor/subprocessors").data["items"]
    assert next(s for s in mine if s["id"] == sub_id)["objection"]["reason"] == objection.reason


@pytest.mark.parametrize("late", [dt.timedelta(0), dt.timedelta(days=3)])
def test_an_objection_at_or_after_the_deadline_is_refused_with_the_date(
    late, api_owner, announce, time_machine
):
    sub_id = announce()
    time_machine.move_to(DEADLINE + late, tick=False)
    before = snapshot()

    response = api_owner.post("/processor/objections", {"subprocessor_id": sub_id, "reason": "no"})

    body = assert_problem(response, 409, "objection_window_closed")
    assert "2026-03-16 09:00 UTC" in body["detail"]
    assert body["deadline"] == DEADLINE.isoformat()
    assert snapshot() == before


def test_an_authorised_persons_own_account_may_object_members_may_not(
    tenant, member, api_member, announce
):
    sub_id = announce()
    body = {"subprocessor_id": sub_id, "reason": "We would rather not."}
    before = snapshot()
    assert_problem(api_member.post("/processor/objections", body), 403, "permission_denied")
    assert snapshot() == before

    AuthorisedPerson.unscoped.create(
        tenant=tenant, user=member, first_name="M", last_name="Ember", email=member.email
    )

    assert api_member.post("/processor/objections", body).status_code == 201


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"reason": "   "}, 422, "reason_required"),
        ({"reason": "x" * 2001}, 422, "validation_error"),
        ({"subprocessor_id": 10**9}, 404, "not_found"),
        ({"annex_2": True}, 409, "not_planned"),
    ],
)
def test_bad_objections_are_refused_and_write_nothing(api_owner, announce, body, status, code):
    sub_id = announce()
    hetzner = Subprocessor.objects.get(name="Hetzner Online GmbH").pk
    payload = {"subprocessor_id": sub_id, "reason": "because", **body}
    if payload.pop("annex_2", False):
        payload["subprocessor_id"] = hetzner
    before = snapshot()

    assert_problem(api_owner.post("/processor/objections", payload), status, code)
    assert snapshot() == before


def test_one_open_objection_per_tenant(api_owner, api_outsider, announce):
    sub_id = announce()
    body = {"subprocessor_id": sub_id, "reason": "no"}
    assert api_owner.post("/processor/objections", body).status_code == 201

    assert_problem(api_owner.post("/processor/objections", body), 409, "objection_exists")
    assert api_outsider.post("/processor/objections", body).status_code == 201  # their own


def test_activation_waits_for_the_window_and_for_every_objection(
    tenant, owner, api_owner, staff_api, announce, smtp_server, time_machine,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    sub_id = announce()
    sub = Subprocessor.objects.get(pk=sub_id)
    objection_id = api_owner.post(
        "/processor/objections", {"subprocessor_id": sub_id, "reason": "Not yet."}
    ).data["id"]

    # Before the deadline: refused by hand and skipped by the worker.
    time_machine.move_to(DEADLINE - dt.timedelta(seconds=1), tick=False)
    body = assert_problem(
        staff_api.post(f"/operator/subprocessors/{sub_id}/activate"), 409, "objection_window_open"
    )
    assert "2026-03-16 09:00 UTC" in body["detail"]
    with pytest.raises(Conflict) as early:
        subprocessor_activate(actor=None, subprocessor=sub)
    assert early.value.code == "objection_window_open"
    assert subprocessors_activate_due() == []

    # At the deadline, with the objection open: still refused.
    time_machine.move_to(DEADLINE, tick=False)
    assert_problem(
        staff_api.post(f"/operator/subprocessors/{sub_id}/activate"), 409, "objections_unresolved"
    )
    subprocessors_activate_periodic()
    assert Subprocessor.objects.get(pk=sub_id).status == "planned"

    # The operator resolves it; the tenant's recipients hear the answer.
    server = smtp_server("none")
    with django_capture_on_commit_callbacks(execute=True):
        resolved = staff_api.post(
            f"/operator/objections/{objection_id}/resolve",
            {"resolution": "The data stay encrypted; the key never leaves Germany."},
        )
    assert resolved.status_code == 200, resolved.data
    [received] = server.received
    assert received.rcpt_tos == [owner.email]  # no named persons: the system admin
    assert (
        received.message["Subject"]
        == "Ihr Widerspruch gegen Nordlicht Rechenzentrum AB wurde beantwortet"
    )
    assert "The data stay encrypted; the key never leaves Germany." in _text(received)
    assert AuditEvent.unscoped.filter(
        tenant=tenant, action="subprocessor.objection_resolve", object_id=str(objection_id)
    ).exists()

    # Now the worker activates it; the history shows every step to every tenant.
    subprocessors_activate_periodic()
    sub.refresh_from_db()
    assert (sub.status, sub.activated_at) == ("active", DEADLINE)
    history = api_owner.get("/processor/subprocessors/history").data
    steps = [(c["action"], c["at"]) for c in history["items"] if c["subprocessor_id"] == sub_id]
    assert steps == [("announced", "2026-03-02T09:00:00Z"), ("activated", "2026-03-16T09:00:00Z")]
    assert [o["resolution"] for o in history["objections"]] == [
        "The data stay encrypted; the key never leaves Germany."
    ]
    assert AuditEvent.unscoped.filter(tenant=tenant, action="subprocessor.activate").exists()
    assert_problem(staff_api.post(f"/operator/subprocessors/{sub_id}/activate"), 409, "not_planned")


def test_without_objections_the_worker_activates_at_the_deadline(announce, time_machine):
    sub_id = announce()
    time_machine.move_to(DEADLINE - dt.timedelta(seconds=1), tick=False)
    call_command("operator", "activate-due")
    assert Subprocessor.objects.get(pk=sub_id).status == "planned"

    time_machine.move_to(DEADLINE, tick=False)
    call_command("operator", "activate-due")

    assert Subprocessor.objects.get(pk=sub_id).status == "active"


def test_the_operator_may_activate_by_hand_after_the_window(staff_api, announce, time_machine):
    sub_id = announce()
    time_machine.move_to(DEADLINE + dt.timedelta(hours=1), tick=False)

    response = staff_api.post(f"/operator/subprocessors/{sub_id}/activate")

    assert response.status_code == 200
    assert response.data["status"] == "active"


def test_resolving_needs_text_and_happens_once(api_owner, staff_api, announce):
    sub_id = announce()
    objection_id = api_owner.post(
        "/processor/objections", {"subprocessor_id": sub_id, "reason": "no"}
    ).data["id"]
    path = f"/operator/objections/{objection_id}/resolve"
    before = snapshot()

    assert_problem(staff_api.post(path, {"resolution": "  "}), 422, "resolution_required")
    assert snapshot() == before
    assert staff_api.post(path, {"resolution": "answered"}).status_code == 200
    assert_problem(staff_api.post(path, {"resolution": "again"}), 409, "objection_resolved")
    assert_problem(
        staff_api.post("/operator/objections/999999/resolve", {"resolution": "x"}), 404, "not_found"
    )


def test_withdrawing_settles_open_objections(api_owner, staff_api, announce):
    sub_id = announce()
    api_owner.post("/processor/objections", {"subprocessor_id": sub_id, "reason": "no"})

    response = staff_api.post(f"/operator/subprocessors/{sub_id}/withdraw", {"note": "dropped"})

    assert response.data["status"] == "withdrawn"
    assert response.data["open_objections"] == 0
    mine = api_owner.get("/processor/subprocessors").data["items"]
    assert sub_id not in {s["id"] for s in mine}
    assert_problem(
        staff_api.post(f"/operator/subprocessors/{sub_id}/withdraw", {}), 409, "not_planned"
    )


def test_the_operator_sees_every_tenants_objections_without_the_objector(
    api_owner, api_outsider, staff_api, announce, owner
):
    sub_id = announce()
    for api in (api_owner, api_outsider):
        api.post("/processor/objections", {"subprocessor_id": sub_id, "reason": "no"})

    items = staff_api.get("/operator/objections").data["items"]

    assert {o["tenant_name"] for o in items} == {"ACME GmbH", "Globex AG"}
    assert owner.email not in str(items)
    listed = staff_api.get("/operator/subprocessors").data["items"]
    assert next(s for s in listed if s["id"] == sub_id)["open_objections"] == 2


def test_people_without_the_operator_role_cannot_announce(api_owner, tenant):
    before = (snapshot(), Subprocessor.objects.count())

    assert_problem(api_owner.post("/operator/subprocessors", NEW), 404, "not_found")
    assert (snapshot(), Subprocessor.objects.count()) == before


def test_the_window_is_fourteen_days():
    assert dt.timedelta(days=14) == OBJECTION_WINDOW
