"""Breaches (DPA § 12, Art. 33/34 GDPR): recording (drafts), notices through a real SMTP server
with the Art. 33 (3) contents, phases, the 24-hour clock and the 12 h / 20 h reminders with
time-machine, closing, the tenant's view and Art. 34 export, bad input, audit, documentation."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client

from deskwerk.audit.models import AuditEvent
from deskwerk.breaches.models import Breach, BreachNotice, BreachReminder, BreachTenant
from deskwerk.breaches.selectors import breaches_for_tenant
from deskwerk.breaches.tasks import breach_reminders_periodic
from deskwerk.offboarding.documentation import documentation_sources
from deskwerk.processor.models import AuthorisedPerson, Notice
from deskwerk.tenancy.services import tenant_create
from tests.breaches.kit import COMPLETE
from tests.conftest import Api, make_user
from tests.processor.kit import make_operator

pytestmark = pytest.mark.django_db

KNOWN = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)  # 09:00 in Berlin
DEADLINE = KNOWN + dt.timedelta(hours=24)


def _text(received) -> str:
    body = received.message.get_body(preferencelist=("plain",)).get_content()
    return body.replace("\r\n", "\n")


@pytest.fixture
def ops():
    return make_operator()


@pytest.fixture
def staff_api(ops):
    return Api(ops[1])


@pytest.fixture
def at(time_machine):
    def move(when: dt.datetime) -> None:
        time_machine.move_to(when, tick=False)

    return move


@pytest.fixture
def record(staff_api, tenant, at):
    """Record a breach known since KNOWN, one hour later; return its id."""

    def run(tenants=None, **fields) -> int:
        at(KNOWN + dt.timedelta(hours=1))
        body = {
            "kind": "breach",
            "became_known_at": KNOWN.isoformat(),
            "tenant_ids": [t.pk for t in (tenants or [tenant])],
            **fields,
        }
        response = staff_api.post("/operator/breaches", body)
        assert response.status_code == 201, response.data
        return int(response.data["id"])

    return run


def _post(api, path, body, capture):
    with capture(execute=True):
        return api.post(path, body)


# --- recording ---------------------------------------------------------------------------------


def test_an_incomplete_record_is_a_draft_whose_clock_runs(record, staff_api, tenant, at):
    breach_id = record(nature="Leaked credential; scope unknown.")

    data = staff_api.get(f"/operator/breaches/{breach_id}").data
    assert data["status"] == "draft"
    assert data["missing"] == [
        "data_subject_categories",
        "data_subjects_approx",
        "record_categories",
        "records_approx",
        "contact_point",
        "likely_consequences",
        "measures",
    ]
    assert data["deadline"] == DEADLINE.isoformat().replace("+00:00", "Z")
    assert data["remaining_seconds"] == 23 * 3600
    assert data["tenants"] == [
        {
            "tenant_id": tenant.pk,
            "tenant_name": tenant.name,
            "first_notified_at": None,
            "deadline_met": None,
            "phases": 0,
        }
    ]
    # Completing it makes it complete.
    response = staff_api.patch(f"/operator/breaches/{breach_id}", COMPLETE)
    assert response.status_code == 200, response.data
    assert (response.data["status"], response.data["missing"]) == ("complete", [])
    at(DEADLINE + dt.timedelta(minutes=1))
    late = staff_api.get(f"/operator/breaches/{breach_id}").data
    assert late["tenants"][0]["deadline_met"] is False
    assert late["remaining_seconds"] == -60


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"became_known_at": "2026-03-02T08:00:00"}, 422, None),  # naive
        ({"became_known_at": "2026-03-02T10:00:00+00:00"}, 422, "became_known_in_future"),
        ({"tenant_ids": [999999]}, 422, "unknown_tenant"),
        ({"tenant_ids": []}, 422, None),
        ({"tenant_ids": ["x"]}, 422, None),
        ({"tenant_ids": "operator"}, 422, "operator_tenant_affected"),
        ({"kind": "rumour"}, 422, None),
        ({"data_subjects_approx": "many"}, 422, None),
        ({"data_subjects_approx": -1}, 422, None),
        ({"nature": 12}, 422, None),
        ({"unknown": 1}, 422, None),
        ({"became_known_at": None}, 422, None),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(staff_api, tenant, ops, at, change, status, code):
    at(KNOWN + dt.timedelta(hours=1))
    body = {"kind": "breach", "became_known_at": KNOWN.isoformat(), "tenant_ids": [tenant.pk]}
    if change.get("tenant_ids") == "operator":
        change = {"tenant_ids": [tenant.pk, ops[0].pk]}
    body.update(change)
    audit_before = AuditEvent.unscoped.count()

    response = staff_api.post("/operator/breaches", body)

    assert response.status_code == status, response.data
    if code:
        assert response.data["code"] == code
    assert not Breach.objects.exists()
    assert not BreachTenant.unscoped.exists()
    assert AuditEvent.unscoped.count() == audit_before


def test_malformed_json_is_a_400(staff_api, ops):
    client = Client()
    client.force_login(ops[1])
    response = client.post(
        "/api/v1/operator/breaches", "{not json", content_type="application/json"
    )
    assert 400 <= response.status_code < 500
    assert not Breach.objects.exists()


def test_nobody_but_operator_staff_reaches_the_register(
    record, api_owner, api_member, api_outsider, ops, tenant
):
    breach_id = record()
    plain = Api(make_user(ops[0], "plain@ops.test"))
    for api in (api_owner, api_member, api_outsider, plain):
        assert api.get("/operator/breaches").status_code == 404
        assert api.get(f"/operator/breaches/{breach_id}").status_code == 404
        response = api.post(f"/operator/breaches/{breach_id}/notify", {})
        assert response.status_code == 404
    assert not BreachNotice.unscoped.exists()


# --- notices -----------------------------------------------------------------------------------


def test_a_draft_is_notified_with_what_is_known_and_follow_ups_add_phases(
    record,
    staff_api,
    tenant,
    owner,
    other_tenant,
    outsider,
    ops,
    at,
    smtp_server,
    django_capture_on_commit_callbacks,
):
    AuthorisedPerson.unscoped.create(
        tenant=tenant, first_name="Ina", last_name="Instruct", email="ina@acme.test"
    )
    london = tenant_create(slug="london", name="London Ltd", timezone="Europe/London")
    make_user(london, "admin@london.test", "admin")
    breach_id = record(
        tenants=[tenant, london],
        nature="Unauthorised read of the booking database.",
        data_subjects_approx=120,
    )
    server = smtp_server("none")
    at(KNOWN + dt.timedelta(hours=3))

    response = _post(
        staff_api,
        f"/operator/breaches/{breach_id}/notify",
        {"note": "First information."},
        django_capture_on_commit_callbacks,
    )

    assert response.status_code == 200, response.data
    by_address = {r.rcpt_tos[0]: r for r in server.received}
    # Named authorised persons (acme), else the admins (london); never the unaffected globex.
    assert set(by_address) == {"ina@acme.test", "admin@london.test"}
    german = _text(by_address["ina@acme.test"])
    assert (
        by_address["ina@acme.test"]
        .message["Subject"]
        .strip()
        .startswith("Verletzung des Schutzes personenbezogener Daten Nr.")
    )
    for part in (
        "Uns bekannt seit: 2. März 2026 09:00",
        "Mitteilung fällig bis: 3. März 2026 09:00",
        "a) Art der Verletzung:\nUnauthorised read of the booking database.",
        "Ungefähre Zahl betroffener Personen: 120",
        "Kategorien betroffener Personen: (folgt)",
        "b) Anlaufstelle für weitere Informationen:\n(folgt)",
        "Weitere Angaben folgen",
        "Hinweis: First information.",
    ):
        assert part in german, part
    english = _text(by_address["admin@london.test"])
    assert "Approximate number of data subjects: 120" in english
    assert "d) Measures taken or proposed:\n(to follow)" in english
    assert "Still to follow" in english
    assert response.data["tenants"][0]["first_notified_at"] is not None
    assert {t["deadline_met"] for t in response.data["tenants"]} == {True}
    # In-app notices too.
    assert Notice.unscoped.filter(tenant=tenant, template="breach_notice").count() == 1
    # Notifying again is refused: a follow-up is the way.
    again = staff_api.post(f"/operator/breaches/{breach_id}/notify", {})
    assert (again.status_code, again.data["code"]) == (409, "breach_notified")
    # A follow-up with nothing new and no note is refused.
    nothing = staff_api.post(f"/operator/breaches/{breach_id}/follow-up", {})
    assert (nothing.status_code, nothing.data["code"]) == (409, "breach_nothing_new")

    # Phase 2: the record is completed, the follow-up names what changed.
    server.received.clear()
    at(KNOWN + dt.timedelta(hours=30))
    staff_api.patch(f"/operator/breaches/{breach_id}", COMPLETE)
    response = _post(
        staff_api,
        f"/operator/breaches/{breach_id}/follow-up",
        {},
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 200, response.data
    assert len(server.received) == 2
    text = _text(next(r for r in server.received if r.rcpt_tos == ["ina@acme.test"]))
    assert "Nachtrag 2" in text
    assert "b) Anlaufstelle für weitere Informationen [neu]:\n" + COMPLETE["contact_point"] in text
    assert "Ungefähre Zahl betroffener Personen: 120" in text  # unchanged: no [neu]
    assert "Weitere Angaben folgen" not in text
    notices = BreachNotice.unscoped.filter(tenant=tenant).order_by("phase")
    assert [n.phase for n in notices] == [1, 2]
    assert "contact_point" in notices[1].changed
    assert notices[1].missing == []
    # The deadline was met with the first notice, not with the late follow-up.
    assert {t["deadline_met"] for t in response.data["tenants"]} == {True}
    # Audited in both tenants concerned and in the operator tenant; never in globex.
    for t in (tenant, london, ops[0]):
        actions = set(
            AuditEvent.unscoped.filter(tenant=t, object_id=str(breach_id)).values_list(
                "action", flat=True
            )
        )
        assert {"breach.record", "breach.notify", "breach.follow_up", "breach.update"} <= actions
    assert not AuditEvent.unscoped.filter(
        tenant=other_tenant, action__startswith="breach."
    ).exists()


def test_a_notice_after_the_deadline_is_recorded_as_missed(
    record, staff_api, at, django_capture_on_commit_callbacks
):
    breach_id = record(**COMPLETE)
    at(DEADLINE + dt.timedelta(seconds=1))
    response = _post(
        staff_api, f"/operator/breaches/{breach_id}/notify", {}, django_capture_on_commit_callbacks
    )
    assert response.data["tenants"][0]["deadline_met"] is False


def test_the_deadline_is_met_at_exactly_24_hours(
    record, staff_api, at, django_capture_on_commit_callbacks
):
    breach_id = record(**COMPLETE)
    at(DEADLINE)
    response = _post(
        staff_api, f"/operator/breaches/{breach_id}/notify", {}, django_capture_on_commit_callbacks
    )
    assert response.data["tenants"][0]["deadline_met"] is True


def test_knowledge_time_is_fixed_after_a_notice_and_closing_stops_changes(
    record, staff_api, at, tenant, other_tenant, django_capture_on_commit_callbacks
):
    breach_id = record(**COMPLETE)
    _post(
        staff_api, f"/operator/breaches/{breach_id}/notify", {}, django_capture_on_commit_callbacks
    )
    moved = staff_api.patch(
        f"/operator/breaches/{breach_id}", {"became_known_at": "2026-03-02T08:30:00+00:00"}
    )
    assert (moved.status_code, moved.data["code"]) == (409, "breach_notified")
    dropped = staff_api.patch(f"/operator/breaches/{breach_id}", {"tenant_ids": [other_tenant.pk]})
    assert (dropped.status_code, dropped.data["code"]) == (409, "breach_notified")
    no_note = staff_api.post(f"/operator/breaches/{breach_id}/close", {"note": " "})
    assert (no_note.status_code, no_note.data["code"]) == (422, "closing_note_required")

    closed = staff_api.post(f"/operator/breaches/{breach_id}/close", {"note": "Contained."})

    assert closed.status_code == 200
    assert (closed.data["status"], closed.data["closing_note"]) == ("closed", "Contained.")
    for path, body in (
        (f"/operator/breaches/{breach_id}/follow-up", {"note": "x"}),
        (f"/operator/breaches/{breach_id}/close", {"note": "x"}),
    ):
        response = staff_api.post(path, body)
        assert (response.status_code, response.data["code"]) == (409, "breach_closed")
    assert staff_api.patch(f"/operator/breaches/{breach_id}", {"measures": "y"}).status_code == 409
    assert AuditEvent.unscoped.filter(tenant=tenant, action="breach.close").exists()


# --- reminders ---------------------------------------------------------------------------------


def _reminders(server) -> list[str]:
    return [r.message["Subject"].strip() for r in server.received]


def test_reminders_at_12_and_20_hours_are_sent_once(
    record, at, ops, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.OPERATOR_EMAIL = "breaches@ops.test"
    breach_id = record(nature="Unknown yet.")
    server = smtp_server("none")

    def tick(when: dt.datetime) -> None:
        at(when)
        with django_capture_on_commit_callbacks(execute=True):
            breach_reminders_periodic.call_local()

    tick(KNOWN + dt.timedelta(hours=11, minutes=59))
    assert server.received == []
    tick(KNOWN + dt.timedelta(hours=12))
    assert len(server.received) == 1
    # The operator tenant keeps Berlin time: its notices are German.
    assert _reminders(server)[0].startswith(f"Erinnerung: Vorfall Nr. {breach_id}, 12 Stunden")
    tick(KNOWN + dt.timedelta(hours=12, minutes=5))
    tick(KNOWN + dt.timedelta(hours=19, minutes=59))
    assert len(server.received) == 1
    tick(KNOWN + dt.timedelta(hours=20))
    assert len(server.received) == 2
    assert "20 Stunden" in _reminders(server)[1]
    tick(KNOWN + dt.timedelta(hours=23))
    assert len(server.received) == 2
    assert sorted(BreachReminder.objects.values_list("hours", flat=True)) == [12, 20]
    assert AuditEvent.unscoped.filter(tenant=ops[0], action="breach.reminder").count() == 2


def test_no_reminder_when_complete_and_every_tenant_notified(
    record, staff_api, at, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.OPERATOR_EMAIL = "breaches@ops.test"
    breach_id = record(**COMPLETE)
    _post(
        staff_api, f"/operator/breaches/{breach_id}/notify", {}, django_capture_on_commit_callbacks
    )
    server = smtp_server("none")
    for hours in (12, 20):
        at(KNOWN + dt.timedelta(hours=hours))
        with django_capture_on_commit_callbacks(execute=True):
            breach_reminders_periodic.call_local()
    assert server.received == []
    assert not BreachReminder.objects.exists()


def test_a_closed_breach_gets_no_reminder(record, staff_api, at, settings):
    settings.OPERATOR_EMAIL = "breaches@ops.test"
    breach_id = record()
    staff_api.post(f"/operator/breaches/{breach_id}/close", {"note": "False alarm."})
    at(KNOWN + dt.timedelta(hours=20))
    breach_reminders_periodic.call_local()
    assert not BreachReminder.objects.exists()


# --- the tenant's side -------------------------------------------------------------------------


def test_the_tenant_sees_its_breaches_with_every_phase(
    record, staff_api, api_owner, api_member, api_outsider, tenant, at,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    breach_id = record(nature="Leak.")
    at(KNOWN + dt.timedelta(hours=2))
    _post(
        staff_api, f"/operator/breaches/{breach_id}/notify", {}, django_capture_on_commit_callbacks
    )
    staff_api.patch(f"/operator/breaches/{breach_id}", {"measures": "Keys rotated."})
    _post(
        staff_api,
        f"/operator/breaches/{breach_id}/follow-up",
        {},
        django_capture_on_commit_callbacks,
    )

    items = api_owner.get("/breaches").data["items"]
    assert [(i["id"], i["phases"], i["deadline_met"]) for i in items] == [(breach_id, 2, True)]
    detail = api_owner.get(f"/breaches/{breach_id}").data
    assert [n["phase"] for n in detail["notices"]] == [1, 2]
    assert detail["notices"][1]["changed"] == ["measures"]
    assert detail["notices"][1]["contents"]["measures"] == "Keys rotated."
    assert detail["notified_at"] == (KNOWN + dt.timedelta(hours=2)).isoformat().replace(
        "+00:00", "Z"
    )
    assert api_member.get("/breaches").status_code == 403
    assert api_outsider.get("/breaches").data["items"] == []
    assert api_outsider.get(f"/breaches/{breach_id}").status_code == 404
    summary = breaches_for_tenant(tenant)[0]
    assert (summary.id, summary.phases, summary.kind, summary.status) == (
        breach_id, 2, "breach", "draft",
    )  # fmt: skip


def test_art_34_export_of_the_tenants_own_people(
    record, api_owner, api_member, tenant, owner, member, outsider, ops, site
):
    breach_id = record()
    gone = make_user(tenant, "gone@acme.test")
    gone.is_active = False
    gone.save()
    export = f"/api/v1/breaches/{breach_id}/affected-people"
    response = api_owner.client.get(export)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {r["email"] for r in rows} == {owner.email, member.email}
    assert set(rows[0]) == {"name", "email", "language"}
    assert AuditEvent.unscoped.filter(tenant=tenant, action="breach.art34_export").count() == 1
    # Members may not export.
    assert api_member.get(f"/breaches/{breach_id}/affected-people").status_code == 403
    # A period: only people with a booking overlapping it (none here).
    empty = api_owner.client.get(
        export,
        {
            "audience": "period",
            "since": "2026-03-01T00:00:00+00:00",
            "until": "2026-03-02T00:00:00+00:00",
        },
    )
    assert empty.status_code == 200
    assert empty.content.decode().strip() == "name,email,language"
    bad = api_owner.get(f"/breaches/{breach_id}/affected-people", audience="period")
    assert (bad.status_code, bad.data["code"]) == (422, "period_required")


def test_operator_staff_never_reach_the_tenants_people(record, ops, tenant):
    breach_id = record()
    staff = Api(ops[1])
    assert staff.get(f"/breaches/{breach_id}").status_code in (403, 404)
    response = staff.get(f"/breaches/{breach_id}/affected-people")
    assert response.status_code in (403, 404)
    assert not AuditEvent.unscoped.filter(action="breach.art34_export").exists()


def test_a_browser_session_re_authenticates_before_the_export(record, owner, tenant):
    breach_id = record()
    client = Client()
    client.force_login(owner)
    response = client.get(f"/api/v1/breaches/{breach_id}/affected-people")
    assert response.status_code == 403
    assert response.json()["code"] == "reauthentication_required"
    assert not AuditEvent.unscoped.filter(action="breach.art34_export").exists()


# --- compliance documentation ------------------------------------------------------------------


def test_breach_notices_are_compliance_documentation(
    record, staff_api, tenant, other_tenant, django_capture_on_commit_callbacks
):
    breach_id = record(**COMPLETE)
    _post(
        staff_api, f"/operator/breaches/{breach_id}/notify", {}, django_capture_on_commit_callbacks
    )
    source = documentation_sources()["breach_notices"]

    rows = source(tenant)

    assert [r["breach_id"] for r in rows] == [breach_id]
    assert rows[0]["deadline_met"] is True
    assert rows[0]["notices"][0]["contents"]["nature"] == COMPLETE["nature"]
    assert source(other_tenant) == []
    import json

    json.dumps(rows)


def test_a_complete_notice_carries_every_art_33_3_content(
    staff_api, at, smtp_server, django_capture_on_commit_callbacks
):
    london = tenant_create(slug="london", name="London Ltd", timezone="Europe/London")
    make_user(london, "admin@london.test", "admin")
    at(KNOWN + dt.timedelta(hours=1))
    created = staff_api.post(
        "/operator/breaches",
        {
            "kind": "suspected",
            "became_known_at": KNOWN.isoformat(),
            "tenant_ids": [london.pk],
            **COMPLETE,
        },
    )
    assert created.data["status"] == "complete"
    server = smtp_server("none")

    _post(
        staff_api,
        f"/operator/breaches/{created.data['id']}/notify",
        {},
        django_capture_on_commit_callbacks,
    )

    (received,) = server.received
    assert received.rcpt_tos == ["admin@london.test"]
    assert received.message["Subject"].strip() == (
        f"Suspected personal data breach no. {created.data['id']}"
    )
    text = _text(received)
    for value in COMPLETE.values():
        assert str(value) in text, value
    for label in (
        "a) Nature of the breach:",
        "Categories of data subjects:",
        "Approximate number of data subjects: 120",
        "Categories of personal data records:",
        "Approximate number of records: 3400",
        "b) Contact point for more information:",
        "c) Likely consequences:",
        "d) Measures taken or proposed:",
        "Became known to us: March 2, 2026, 8 a.m.",
        "well-founded suspicion",
    ):
        assert label in text, label
    assert "(to follow)" not in text
    assert "Still to follow" not in text
    html = received.message.get_body(preferencelist=("html",)).get_content()
    assert COMPLETE["measures"] in html


def test_closing_tells_the_notified_tenants_why(
    record, staff_api, at, tenant, other_tenant, owner, smtp_server,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    """Only tenants that were told of the breach hear it is closed (a draft never notified
    closes silently), by mail and in the app."""
    make_user(other_tenant, "admin@other.test", "admin")
    told = record(**COMPLETE)
    _post(staff_api, f"/operator/breaches/{told}/notify", {}, django_capture_on_commit_callbacks)
    untold = record(tenants=[other_tenant])
    server = smtp_server("none")

    for breach_id in (told, untold):
        closed = _post(
            staff_api,
            f"/operator/breaches/{breach_id}/close",
            {"note": "Contained; keys rotated."},
            django_capture_on_commit_callbacks,
        )
        assert closed.status_code == 200, closed.data

    [message] = server.received
    assert message.rcpt_tos == [owner.email]
    assert message.message["Subject"].strip().endswith(f"Nr. {told}: abgeschlossen")
    assert "Contained; keys rotated." in _text(message)
    assert Notice.unscoped.filter(tenant=tenant, template="breach_closed").count() == 1
    assert not Notice.unscoped.filter(tenant=other_tenant, template="breach_closed").exists()
