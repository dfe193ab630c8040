"""The records of processing are generated from the data map and name only the caller's tenant."""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command

from deskwerk.privacy.datamap import REGISTRY
from deskwerk.privacy.records import records


def test_every_personal_field_appears_in_the_records(tenant):
    listed = {f["field"] for c in records(tenant)["categories"] for f in c["fields"]}
    declared = {f"{label}.{name}" for label, m in REGISTRY.items() for name in m.personal}
    assert declared
    assert listed == declared


def test_the_api_gives_json_and_html_to_admins_only(api_owner, api_member, other_tenant):
    response = api_owner.get("/privacy/records")
    assert response.status_code == 200
    assert [c["slug"] for c in response.data["controllers"]] == ["acme"]
    assert response.data["third_country_transfers"].startswith("none")
    html = api_owner.client.get("/api/v1/privacy/records", {"format": "html"})
    assert html["Content-Type"].startswith("text/html")
    assert b"bookings.Booking.note" in html.content
    assert api_member.get("/privacy/records").status_code == 403


def test_reading_the_records_is_audited(api_owner, tenant):
    from deskwerk.audit.models import AuditEvent

    api_owner.get("/privacy/records")
    assert AuditEvent.unscoped.filter(tenant=tenant, action="privacy.records_read").count() == 1


def test_the_command_prints_the_map_and_the_records(tenant):
    out = StringIO()
    call_command("privacy", "map", "--format", "json", stdout=out)
    rows = json.loads(out.getvalue())
    note = next(r for r in rows if r["model"] == "bookings.Booking" and r["field"] == "note")
    assert note["category"] == "content"
    assert note["on_erasure"] == "clear"
    out = StringIO()
    call_command("privacy", "records", "--tenant", "acme", stdout=out)
    assert "Records of processing" in out.getvalue()
