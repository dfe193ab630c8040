"""The access export: complete by the data map, streamed, readable, and free of credentials."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.http import StreamingHttpResponse

from deskwerk.accounts.models import Membership
from deskwerk.audit.models import AuditEvent
from deskwerk.bookings.services import booking_create
from deskwerk.privacy.datamap import REGISTRY, Action, Category
from deskwerk.privacy.models import DataSubjectRequest
from deskwerk.privacy.requests import export
from deskwerk.privacy.requests.export import WITHHELD_VALUE, export_chunks
from deskwerk.privacy.requests.services import request_create
from deskwerk.spaces.models import Floor
from deskwerk.tenancy.context import tenant_context
from tests.api.conftest import assert_problem
from tests.conftest import future, make_user
from tests.privacy.people import busy_person, database_hits

pytestmark = pytest.mark.django_db


def _zip(chunks: Any) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(chunks)))


def _data(archive: zipfile.ZipFile) -> dict[str, Any]:
    return {
        name: json.loads(archive.read(name))
        for name in archive.namelist()
        if name.startswith("data/")
    }


def _blocks(archive: zipfile.ZipFile, relation: str = "subject") -> dict[str, dict[str, Any]]:
    """label -> {"fields": {name: meta}, "rows": {id: {field: value}}} over all categories."""
    merged: dict[str, dict[str, Any]] = {}
    for document in _data(archive).values():
        for block in document["models"]:
            if block["relation"] != relation:
                continue
            into = merged.setdefault(block["model"], {"fields": {}, "rows": {}})
            into["fields"].update(block["fields"])
            for row in block["rows"]:
                into["rows"].setdefault(row["id"], {}).update(row)
    return merged


def _expected_rows(person) -> dict[str, set[Any]]:
    """What the data map attributes to the person, worked out independently of the export."""
    expected = {}
    for model_map in REGISTRY.values():
        if not model_map.personal or not model_map.links:
            continue
        rows = model_map.model._base_manager.filter(**{model_map.links[0]: person.pk})
        pks = set(rows.values_list("pk", flat=True))
        if pks:
            expected[model_map.label] = pks
    return expected


def _download(api: Any, request_id: int) -> Any:
    """The raw response (``Api.get`` would read a streamed body as ``content``)."""
    return api.client.get(f"/api/v1/privacy/requests/{request_id}/export")


def _access_export(api_owner, person) -> tuple[Any, zipfile.ZipFile]:
    created = api_owner.post("/privacy/requests", {"kind": "access", "subject_id": person.pk})
    response = _download(api_owner, created.data["id"])
    assert response.status_code == 200
    return response, _zip(response.streaming_content)


def test_every_classified_field_of_the_person_is_in_the_export(site, owner, api_owner, tenant):
    person = busy_person(tenant, site, owner)
    _, archive = _access_export(api_owner, person.user)
    expected = _expected_rows(person.user)
    # The busy person has rows in the models that matter; a new model is covered generically.
    assert {
        "accounts.User",
        "accounts.ContactDetails",
        "accounts.Membership",
        "bookings.Booking",
        "access.ApiToken",
        "api.IdempotencyKey",
        "audit.AuditEvent",
        "privacy.DataSubjectRequest",
        "websessions.WebSession",
    } <= set(expected)
    blocks = _blocks(archive)

    for label, pks in expected.items():
        assert label in blocks, f"{label}: the person has rows, the export has none"
        declared = REGISTRY[label].personal
        assert set(blocks[label]["fields"]) == set(declared), label
        for name, meta in blocks[label]["fields"].items():
            rule = declared[name]
            assert meta["category"] == rule.category.value
            assert meta["purpose"] == rule.purpose
            assert meta["retention"] == rule.retention
        assert set(blocks[label]["rows"]) == pks, label
        for row in blocks[label]["rows"].values():
            assert set(declared) <= set(row), (label, set(declared) - set(row))


def test_exported_values_are_the_stored_ones(site, owner, api_owner, tenant):
    person = busy_person(tenant, site, owner)
    _, archive = _access_export(api_owner, person.user)
    blocks = _blocks(archive)

    user_row = blocks["accounts.User"]["rows"][person.user.pk]
    assert user_row["full_name"] == person.markers["full_name"]
    assert user_row["email"].startswith(person.markers["email_local"])
    contact = next(iter(blocks["accounts.ContactDetails"]["rows"].values()))
    assert (contact["phone"], contact["mobile"], contact["org_unit"]) == (
        person.markers["phone"],
        person.markers["mobile"],
        person.markers["org_unit"],
    )
    notes = {row["note"] for row in blocks["bookings.Booking"]["rows"].values()}
    assert notes == {
        person.markers["note_patch"],
        person.markers["note_days"],
        person.markers["note_by_admin"],
    }


def test_whatever_of_the_person_is_stored_is_exported(site, owner, api_owner, tenant):
    """Every marker the database holds anywhere also reaches the export."""
    person = busy_person(tenant, site, owner)
    stored = {marker for _, _, marker in database_hits(person.markers.values())}
    assert len(stored) >= 10  # the scan itself works

    _, archive = _access_export(api_owner, person.user)
    text = "".join(archive.read(n).decode() for n in archive.namelist() if n.startswith("data/"))

    assert {m for m in stored if m not in text} == set()


def test_sessions_are_found_by_their_data_and_credentials_withheld(site, owner, api_owner, tenant):
    person = busy_person(tenant, site, owner)
    session_key = person.session.session.session_key
    _, archive = _access_export(api_owner, person.user)
    blob = b"".join(archive.read(n) for n in archive.namelist())

    sessions = _blocks(archive)["websessions.WebSession"]["rows"]
    assert len(sessions) == 1
    (row,) = sessions.values()
    assert row["user"] == person.user.pk
    assert row["data"]["_auth_user_id"] == str(person.user.pk)  # decrypted for the person
    assert row["data"]["_auth_user_hash"] == WITHHELD_VALUE
    assert row["key_hash"] == WITHHELD_VALUE
    user = _blocks(archive)["accounts.User"]["rows"][person.user.pk]
    assert user["password"] == WITHHELD_VALUE
    assert session_key.encode() not in blob
    assert person.user.password.encode() not in blob


def test_references_list_only_the_link(site, owner, member, api_owner, tenant):
    """A booking an admin made for a colleague is the colleague's: the admin's export shows
    that they made it, not the colleague's note."""
    with tenant_context(tenant):
        booking = booking_create(
            actor=owner,
            resource=site.desks[0],
            starts_at=future(2, 9),
            ends_at=future(2, 10),
            booked_for=member,
            note="the colleague's note",
        )
    _, archive = _access_export(api_owner, owner)

    references = _blocks(archive, "reference")["bookings.Booking"]
    assert references["rows"] == {booking.pk: {"id": booking.pk, "booked_by": owner.pk}}
    assert b"the colleague's note" not in b"".join(archive.read(n) for n in archive.namelist())


def test_the_export_has_a_readable_summary_and_a_manifest(site, owner, api_owner, tenant):
    person = busy_person(tenant, site, owner)
    with tenant_context(tenant):
        person.user.full_name = "<script>alert(1)</script>"
        person.user.save(update_fields=["full_name"])
    response, archive = _access_export(api_owner, person.user)

    html = archive.read("index.html").decode()
    manifest = json.loads(archive.read("manifest.json"))

    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert person.markers["note_patch"] in html
    assert "Booking data" in html
    assert "Contact data" in html
    assert manifest["person"] == {"id": person.user.pk}
    files = {c["file"] for c in manifest["categories"]}
    assert files == {n for n in archive.namelist() if n.startswith("data/")}
    assert "data/j-booking.json" in files
    assert [c["letter"] for c in manifest["categories"]] == sorted(
        c["letter"] for c in manifest["categories"]
    )


def test_the_export_is_streamed_and_audited(site, owner, member, api_owner, tenant):
    with tenant_context(tenant):
        request = request_create(actor=owner, tenant=tenant, subject=member, kind="access")

    response = _download(api_owner, request.pk)

    assert isinstance(response, StreamingHttpResponse)
    assert AuditEvent.unscoped.filter(
        tenant=tenant, action="privacy.export", object_id=str(request.pk), actor_id=owner.pk
    ).exists()
    assert _zip(response.streaming_content).testzip() is None


def test_many_rows_are_written_in_several_chunks(site, owner, member, tenant):
    with tenant_context(tenant):
        for day in range(1, 8):
            booking_create(
                actor=member, resource=site.desks[0], starts_at=future(day), ends_at=future(day, 10)
            )
    chunks = list(export_chunks(member))

    archive = _zip(chunks)
    assert len(_blocks(archive)["bookings.Booking"]["rows"]) == 7
    assert len(chunks) > 3  # handed out as written, not as one blob


def test_only_access_requests_that_stand_have_an_export(api_owner, member, tenant, owner):
    with tenant_context(tenant):
        erasure = request_create(actor=owner, tenant=tenant, subject=member, kind="erasure")
        rejected = request_create(actor=owner, tenant=tenant, subject=member, kind="access")
    api_owner.post(
        f"/privacy/requests/{rejected.pk}/transition", {"status": "rejected", "reason": "dup"}
    )

    assert_problem(
        api_owner.get(f"/privacy/requests/{erasure.pk}/export"), 409, "not_an_access_request"
    )
    assert_problem(api_owner.get(f"/privacy/requests/{rejected.pk}/export"), 409, "request_closed")
    assert not AuditEvent.unscoped.filter(action="privacy.export").exists()


def test_an_erased_persons_request_has_nothing_to_export(api_owner, member, tenant, owner):
    with tenant_context(tenant):
        access = request_create(actor=owner, tenant=tenant, subject=member, kind="access")
        erasure = request_create(actor=owner, tenant=tenant, subject=member, kind="erasure")
    api_owner.post(f"/privacy/requests/{erasure.pk}/execute", {"confirm": True})

    assert_problem(api_owner.get(f"/privacy/requests/{access.pk}/export"), 409, "request_closed")
    access.refresh_from_db()
    assert access.status == DataSubjectRequest.Status.REJECTED


def test_files_of_personal_file_fields_are_copied(site, tenant, member):
    """Generic over file fields (a future profile photo), shown with a floor plan file."""
    floor = Floor.unscoped.get(pk=site.floor.pk)
    floor.plan_image.save("plan.svg", ContentFile(b"<svg>photo bytes</svg>"))
    sink = io.BytesIO()
    job = export._Export(member)
    with zipfile.ZipFile(sink, "w") as zf:
        list(
            job._copy_file(
                zf, Floor._meta.get_field("plan_image"), "x.Y", 7, "photo", floor.plan_image.name
            )
        )

    archive = zipfile.ZipFile(sink)
    (name,) = archive.namelist()
    assert name.startswith("files/x.Y/7/photo/")
    assert archive.read(name) == b"<svg>photo bytes</svg>"
    assert job.files == [name]


def test_category_files_follow_the_agreement(site, owner, api_owner, tenant):
    person = busy_person(tenant, site, owner)
    _, archive = _access_export(api_owner, person.user)

    for name, document in _data(archive).items():
        category = Category(document["category"])
        assert name == f"data/{document['letter']}-{category.value}.json"
        for block in document["models"]:
            assert all(m["category"] == category.value for m in block["fields"].values())
            assert block["row_count"] == len(block["rows"])


def test_a_member_is_exported_like_anyone(site, owner, api_owner, tenant):
    admin_person = busy_person(tenant, site, owner, role=Membership.Role.ADMIN)
    colleague = make_user(tenant, "colleague@acme.test")
    with tenant_context(tenant):
        booking_create(
            actor=admin_person.user,
            resource=site.desks[2],
            starts_at=future(6, 9),
            ends_at=future(6, 10),
            booked_for=colleague,
        )
    _, archive = _access_export(api_owner, admin_person.user)

    assert "bookings.Booking" in _blocks(archive, "reference")
    assert _blocks(archive)["accounts.Membership"]["rows"]


def test_the_summary_words_every_erasure_action():
    assert set(export.AT_ERASURE) == {action.value for action in Action}
