"""Administrators filter and export the tenant's audit log; members and outsiders cannot."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json

import pytest

from deskwerk.audit.chain import row_hash
from deskwerk.audit.models import AuditEvent
from deskwerk.audit.services import audit_record
from tests.api.conftest import assert_problem
from tests.audit.conftest import record

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    assert response.status_code == 200, response.content[:300]
    assert response.streaming
    return b"".join(response.streaming_content)


def test_members_may_neither_list_nor_export(api_member):
    assert_problem(api_member.get("/audit-events"), 403, "permission_denied")
    assert_problem(api_member.get("/audit-events/export"), 403, "permission_denied")
    assert not AuditEvent.unscoped.filter(action="audit.export").exists()


def test_the_list_shows_only_the_callers_tenant(api_owner, api_outsider, tenant, other_tenant):
    ours = {e["id"] for e in api_owner.get("/audit-events", limit=200).data["items"]}
    theirs = {e["id"] for e in api_outsider.get("/audit-events", limit=200).data["items"]}

    assert ours == set(AuditEvent.unscoped.filter(tenant=tenant).values_list("id", flat=True))
    assert theirs == set(
        AuditEvent.unscoped.filter(tenant=other_tenant).values_list("id", flat=True)
    )


def test_the_list_filters(api_owner, tenant, owner, member):
    audit_record(tenant=tenant, actor=member, action="thing.change", object_type="t", object_id=1)
    audit_record(tenant=tenant, actor=owner, action="thing.change", object_type="t", object_id=2)
    audit_record(tenant=tenant, actor=owner, action="thing.delete", object_type="t", object_id=2)

    def ids(**params) -> list[tuple[str, str]]:
        items = api_owner.get("/audit-events", **params).data["items"]
        return [(e["action"], e["object_id"]) for e in items]

    assert ids(action="thing.change") == [("thing.change", "1"), ("thing.change", "2")]
    assert ids(actor_id=member.pk, object_type="t") == [("thing.change", "1")]
    assert ids(object_type="t", object_id="2") == [("thing.change", "2"), ("thing.delete", "2")]
    assert ids(action="no.such.action") == []


def test_the_list_filters_by_time(api_owner, tenant, time_machine):
    start = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    for day in range(3):
        time_machine.move_to(start + dt.timedelta(days=day), tick=False)
        audit_record(tenant=tenant, actor=None, action=f"day.{day}", object_type="x")

    items = api_owner.get(
        "/audit-events",
        since=(start + dt.timedelta(days=1)).isoformat(),
        until=(start + dt.timedelta(days=2)).isoformat(),
    ).data["items"]

    assert [e["action"] for e in items] == ["day.1"]  # since inclusive, until exclusive


def test_the_list_pages_with_a_cursor(api_owner, tenant):
    record(tenant, 5, "paged.event")
    seen, cursor = [], None
    while True:
        params = {"action": "paged.event", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api_owner.get("/audit-events", **params).data
        seen += [e["object_id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break

    assert seen == ["0", "1", "2", "3", "4"]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"limit": 0}, "invalid_limit"),
        ({"cursor": "garbage"}, "invalid_cursor"),
        ({"actor_id": "x"}, "validation_error"),
        ({"actor_id": str(2**64)}, "validation_error"),
        ({"object_id": "a\x00b"}, "validation_error"),
        ({"object_id": "x" * 65}, "validation_error"),
        ({"since": "2026-01-01T00:00:00"}, "validation_error"),  # no offset
    ],
)
def test_bad_filters_are_422(api_owner, params, code):
    assert_problem(api_owner.get("/audit-events", **params), 422, code)


def test_the_json_export_is_sealed_complete_and_audited(api_owner, tenant, owner):
    record(tenant, 3)

    response = api_owner.client.get("/api/v1/audit-events/export")

    assert response["Content-Type"] == "application/json"
    assert 'filename="audit-acme-' in response["Content-Disposition"]
    events = json.loads(body(response))
    assert len(events) == AuditEvent.unscoped.filter(tenant=tenant).count()
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    exported = events[-1]
    assert (exported["action"], exported["actor_id"]) == ("audit.export", owner.pk)
    for before, event in itertools.pairwise(events):
        assert event["prev_hash"] == before["hash"]
    # An export can be re-hashed: its times are in the chain's canonical form.
    first = {**events[0], "tenant_id": tenant.pk, "at": dt.datetime.fromisoformat(events[0]["at"])}
    assert row_hash(first, events[0]["prev_hash"]) == events[0]["hash"]


def test_the_csv_export_quotes_what_spreadsheets_would_run(api_owner, tenant):
    audit_record(
        tenant=tenant, actor=None, action="x", object_type="t", object_id="=cmd|'/c calc'!A1"
    )

    response = api_owner.client.get("/api/v1/audit-events/export", {"format": "csv"})

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body(response).decode())))
    assert rows[0].keys() >= {"id", "at", "actor_id", "action", "hash", "prev_hash", "seq"}
    assert "'=cmd|'/c calc'!A1" in [r["object_id"] for r in rows]
    assert rows[-1]["action"] == "audit.export"


def test_the_export_is_limited_by_time_and_to_the_tenant(
    api_owner, api_outsider, tenant, time_machine
):
    time_machine.move_to(dt.datetime(2025, 1, 1, tzinfo=dt.UTC), tick=False)
    audit_record(tenant=tenant, actor=None, action="old.event", object_type="x")
    time_machine.move_to(dt.datetime(2025, 6, 1, tzinfo=dt.UTC), tick=False)

    events = json.loads(
        body(api_owner.client.get("/api/v1/audit-events/export", {"until": "2025-02-01T00:00Z"}))
    )
    theirs = json.loads(body(api_outsider.client.get("/api/v1/audit-events/export")))

    assert [e["action"] for e in events] == ["old.event"]
    assert "old.event" not in {e["action"] for e in theirs}
    assert AuditEvent.unscoped.filter(tenant=tenant, action="audit.export").count() == 1


def test_the_export_streams_in_chunks(api_owner, tenant, monkeypatch):
    from deskwerk.audit import api

    monkeypatch.setattr(api, "EXPORT_CHUNK", 2)
    record(tenant, 4)

    events = json.loads(body(api_owner.client.get("/api/v1/audit-events/export")))

    assert len(events) == AuditEvent.unscoped.filter(tenant=tenant).count()
    assert len({e["id"] for e in events}) == len(events)


def test_the_export_documents_both_formats():
    from django.test import Client

    document = Client().get("/api/v1/openapi.json").json()
    ok = document["paths"]["/api/v1/audit-events/export"]["get"]["responses"]["200"]

    assert set(ok["content"]) == {"application/json", "text/csv"}
