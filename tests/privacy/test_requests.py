"""The data-subject requests inbox: filing, deadlines, status history, reminders, visibility."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from deskwerk.audit.models import AuditEvent
from deskwerk.core.errors import Conflict, Forbidden, InvalidInput
from deskwerk.privacy.models import DataSubjectRequest, RequestEvent
from deskwerk.privacy.requests import services, tasks
from deskwerk.privacy.requests.services import add_one_month, request_create
from deskwerk.tenancy.context import tenant_context
from tests.api.conftest import assert_problem
from tests.conftest import Api

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def _file(subject, kind="access", actor=None, **extra):
    with tenant_context(subject.tenant):
        return request_create(
            actor=actor or subject, tenant=subject.tenant, subject=subject, kind=kind, **extra
        )


def _actions(tenant, prefix="privacy."):
    return [
        a
        for a in AuditEvent.unscoped.filter(tenant=tenant).values_list("action", flat=True)
        if a.startswith(prefix)
    ]


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (dt.datetime(2026, 3, 14, 9, 30, tzinfo=UTC), dt.datetime(2026, 4, 14, 9, 30, tzinfo=UTC)),
        (dt.datetime(2026, 1, 31, 12, 0, tzinfo=UTC), dt.datetime(2026, 2, 28, 12, 0, tzinfo=UTC)),
        (dt.datetime(2028, 1, 31, 12, 0, tzinfo=UTC), dt.datetime(2028, 2, 29, 12, 0, tzinfo=UTC)),
        (dt.datetime(2026, 12, 15, 8, 0, tzinfo=UTC), dt.datetime(2027, 1, 15, 8, 0, tzinfo=UTC)),
        (dt.datetime(2026, 8, 31, 23, 0, tzinfo=UTC), dt.datetime(2026, 9, 30, 23, 0, tzinfo=UTC)),
    ],
)
def test_the_deadline_is_one_calendar_month(received, due):
    assert add_one_month(received) == due


def test_a_request_is_due_one_month_after_receipt(member, time_machine):
    time_machine.move_to(dt.datetime(2027, 1, 31, 10, 0, tzinfo=UTC), tick=False)

    request = _file(member)

    assert request.received_at == dt.datetime(2027, 1, 31, 10, 0, tzinfo=UTC)
    assert request.due_at == dt.datetime(2027, 2, 28, 10, 0, tzinfo=UTC)
    assert request.status == "received"
    assert request.source == "subject"


def test_a_member_files_a_request_about_themselves(api_member, member, tenant):
    response = api_member.post("/privacy/requests", {"kind": "erasure", "note": "please"})

    assert response.status_code == 201, response.data
    assert response.data["subject_id"] == member.pk
    assert response.data["source"] == "subject"
    assert response.data["created_by_id"] == member.pk
    assert [e["status"] for e in response.data["events"]] == ["received"]
    assert _actions(tenant) == ["privacy.request.create"]


def test_a_member_cannot_file_about_a_colleague(api_member, owner, tenant):
    response = api_member.post("/privacy/requests", {"kind": "access", "subject_id": owner.pk})

    assert_problem(response, 403, "permission_denied")
    assert not DataSubjectRequest.unscoped.exists()


def test_a_member_cannot_claim_another_source(member, owner):
    with pytest.raises(Forbidden):
        _file(member, source="operator")
    with pytest.raises(InvalidInput) as refused:
        _file(member, actor=owner, source="subject")
    assert refused.value.code == "invalid_source"


def test_an_admin_records_a_request_the_operator_forwarded(api_owner, member):
    response = api_owner.post(
        "/privacy/requests",
        {"kind": "access", "subject_id": member.pk, "source": "operator", "note": "by letter"},
    )

    assert response.status_code == 201
    assert response.data["source"] == "operator"
    assert response.data["subject_id"] == member.pk


def test_the_operator_forwards_without_acting(member):
    with tenant_context(member.tenant):
        request = request_create(
            actor=None, tenant=member.tenant, subject=member, kind="erasure", note="mail"
        )
    assert request.source == "operator"
    assert request.created_by is None
    assert request.status == "received"  # waits for the tenant's decision
    with tenant_context(member.tenant), pytest.raises(InvalidInput):
        request_create(actor=None, tenant=member.tenant, subject=member, kind="x")


@pytest.mark.parametrize("subject_id", [10**9, "outsider"])
def test_requests_about_unknown_or_foreign_people_are_404(api_owner, outsider, subject_id):
    pk = outsider.pk if subject_id == "outsider" else subject_id
    response = api_owner.post("/privacy/requests", {"kind": "access", "subject_id": pk})

    assert_problem(response, 404, "not_found")
    assert not DataSubjectRequest.unscoped.exists()


def test_members_see_only_their_own_requests(api_member, api_owner, member, owner):
    mine = _file(member)
    theirs = _file(owner)

    listed = api_member.get("/privacy/requests").data["items"]
    assert [r["id"] for r in listed] == [mine.pk]
    assert api_member.get(f"/privacy/requests/{mine.pk}").status_code == 200
    assert_problem(api_member.get(f"/privacy/requests/{theirs.pk}"), 404, "not_found")
    assert {r["id"] for r in api_owner.get("/privacy/requests").data["items"]} == {
        mine.pk,
        theirs.pk,
    }


def test_an_admin_token_without_the_privacy_scope_sees_only_its_own(owner, member):
    _file(member)
    own = _file(owner)
    limited = Api(owner, scopes=["bookings:read"])

    assert [r["id"] for r in limited.get("/privacy/requests").data["items"]] == [own.pk]


def test_outsiders_never_see_the_tenants_requests(api_outsider, member):
    request = _file(member)

    assert api_outsider.get("/privacy/requests").data["items"] == []
    assert_problem(api_outsider.get(f"/privacy/requests/{request.pk}"), 404, "not_found")
    response = api_outsider.post(
        f"/privacy/requests/{request.pk}/transition", {"status": "rejected"}
    )
    assert_problem(response, 404, "not_found")


def test_the_list_filters_and_pages(api_owner, member):
    for kind in ("access", "erasure", "access"):
        _file(member, kind=kind)

    page = api_owner.get("/privacy/requests", kind="access", limit=1).data
    rest = api_owner.get("/privacy/requests", kind="access", cursor=page["next_cursor"]).data

    assert [r["kind"] for r in page["items"] + rest["items"]] == ["access", "access"]
    assert rest["next_cursor"] is None
    assert api_owner.get("/privacy/requests", status="completed").data["items"] == []


def test_status_history_and_audit_follow_every_step(api_owner, member, owner, tenant):
    request = _file(member, kind="rectification")
    path = f"/privacy/requests/{request.pk}"

    assert api_owner.post(path + "/transition", {"status": "in_progress"}).status_code == 200
    done = api_owner.post(path + "/transition", {"status": "completed"})

    assert done.status_code == 200, done.data
    assert done.data["status"] == "completed"
    assert done.data["completed_at"] is not None
    assert [(e["status"], e["actor_id"]) for e in done.data["events"]] == [
        ("received", member.pk),
        ("in_progress", owner.pk),
        ("completed", owner.pk),
    ]
    assert _actions(tenant) == [
        "privacy.request.create",
        "privacy.request.transition",
        "privacy.request.completed",
    ]


def test_a_rejection_needs_a_reason(api_owner, member):
    request = _file(member, kind="erasure")
    path = f"/privacy/requests/{request.pk}/transition"

    assert_problem(api_owner.post(path, {"status": "rejected"}), 422, "reason_required")
    rejected = api_owner.post(path, {"status": "rejected", "reason": "manifestly unfounded"})

    assert rejected.data["status"] == "rejected"
    assert rejected.data["reason"] == "manifestly unfounded"
    assert rejected.data["events"][-1]["reason"] == "manifestly unfounded"


def test_closed_requests_do_not_move(api_owner, member):
    request = _file(member, kind="access")
    path = f"/privacy/requests/{request.pk}"
    api_owner.post(path + "/transition", {"status": "rejected", "reason": "duplicate"})

    for answer in (
        api_owner.post(path + "/transition", {"status": "in_progress"}),
        api_owner.post(path + "/execute", {}),
    ):
        assert_problem(answer, 409, "request_closed")
    assert RequestEvent.unscoped.filter(request=request).count() == 2


def test_executable_requests_are_completed_only_by_carrying_them_out(api_owner, member):
    request = _file(member, kind="erasure")

    response = api_owner.post(f"/privacy/requests/{request.pk}/transition", {"status": "completed"})

    assert_problem(response, 409, "execute_required")
    request.refresh_from_db()
    assert request.status == "received"


def test_a_status_cannot_go_backwards(member, owner):
    request = _file(member, kind="rectification")
    with tenant_context(member.tenant):
        services.request_transition(actor=owner, request=request, status="in_progress")
        with pytest.raises(Conflict) as refused:
            services.request_transition(actor=owner, request=request, status="in_progress")
    assert refused.value.code == "invalid_transition"


def test_rectification_is_not_executed_but_done_through_the_edit_paths(api_owner, member):
    request = _file(member, kind="rectification")

    response = api_owner.post(f"/privacy/requests/{request.pk}/execute", {})

    body = assert_problem(response, 409, "not_executable")
    assert "/people/" in body["detail"]


def test_executing_an_access_request_completes_it_with_a_download(api_owner, member):
    request = _file(member)

    response = api_owner.post(f"/privacy/requests/{request.pk}/execute", {})

    assert response.status_code == 200
    assert response.data["status"] == "completed"
    assert response.data["result"]["export"].endswith(f"/privacy/requests/{request.pk}/export")
    assert [e["status"] for e in response.data["events"]] == [
        "received",
        "in_progress",
        "completed",
    ]


def test_only_admins_handle_requests(api_member, member):
    request = _file(member)
    path = f"/privacy/requests/{request.pk}"

    assert_problem(
        api_member.post(path + "/transition", {"status": "in_progress"}), 403, "permission_denied"
    )
    assert_problem(api_member.post(path + "/execute", {}), 403, "permission_denied")
    assert_problem(api_member.get(path + "/export"), 403, "permission_denied")


# -- reminders and retention (time-dependent) ------------------------------------------------


def test_reminders_go_out_once_a_week_before_the_deadline(member, tenant, time_machine, caplog):
    time_machine.move_to(dt.datetime(2027, 3, 1, 9, 0, tzinfo=UTC), tick=False)
    request = _file(member)  # due 2027-04-01 09:00
    _file(member, kind="rectification")

    time_machine.move_to(dt.datetime(2027, 3, 25, 8, 59, tzinfo=UTC), tick=False)
    assert tasks.remind_requests.call_local() == 0

    time_machine.move_to(dt.datetime(2027, 3, 25, 9, 0, tzinfo=UTC), tick=False)
    assert tasks.remind_requests.call_local() == 2
    request.refresh_from_db()
    assert request.reminded_at == dt.datetime(2027, 3, 25, 9, 0, tzinfo=UTC)
    assert "is due 2027-04-01" in caplog.text
    assert _actions(tenant).count("privacy.request.remind") == 2

    time_machine.move_to(dt.datetime(2027, 3, 26, 9, 0, tzinfo=UTC), tick=False)
    assert tasks.remind_requests.call_local() == 0  # once per request


def test_closed_requests_are_not_reminded(member, owner, tenant, time_machine):
    time_machine.move_to(dt.datetime(2027, 3, 1, 9, 0, tzinfo=UTC), tick=False)
    request = _file(member, kind="rectification")
    with tenant_context(tenant):
        services.request_transition(actor=owner, request=request, status="completed")

    time_machine.move_to(dt.datetime(2027, 4, 5, 9, 0, tzinfo=UTC), tick=False)
    assert services.remind_due_requests() == 0


def test_overdue_shows_in_the_inbox(api_owner, member, time_machine):
    time_machine.move_to(dt.datetime(2027, 3, 1, 9, 0, tzinfo=UTC), tick=False)
    request = _file(member)
    path = f"/privacy/requests/{request.pk}"
    assert api_owner.get(path).data["overdue"] is False

    time_machine.move_to(dt.datetime(2027, 4, 1, 9, 1, tzinfo=UTC), tick=False)
    assert api_owner.get(path).data["overdue"] is True


def test_closed_requests_are_purged_after_their_retention(member, owner, tenant, time_machine):
    time_machine.move_to(dt.datetime(2027, 1, 10, 9, 0, tzinfo=UTC), tick=False)
    old = _file(member, kind="rectification")
    still_open = _file(member, kind="access")
    with tenant_context(tenant):
        services.request_transition(actor=owner, request=old, status="completed")
    time_machine.move_to(dt.datetime(2027, 6, 1, 9, 0, tzinfo=UTC), tick=False)
    young = _file(member, kind="rectification")
    with tenant_context(tenant):
        services.request_transition(actor=owner, request=young, status="completed")

    time_machine.move_to(
        dt.datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
        + dt.timedelta(days=services.REQUEST_RETENTION_DAYS, seconds=1),
        tick=False,
    )
    assert tasks.purge_requests.call_local() == 1

    remaining = set(DataSubjectRequest.unscoped.values_list("pk", flat=True))
    assert remaining == {still_open.pk, young.pk}
    assert not RequestEvent.unscoped.filter(request_id=old.pk).exists()
    assert "privacy.request.purge" in _actions(tenant)


def test_requests_carry_their_tenant(member, tenant):
    request = _file(member)
    assert request.tenant_id == tenant.pk
    assert RequestEvent.unscoped.get(request=request).tenant_id == tenant.pk
    assert request.received_at <= timezone.now()
