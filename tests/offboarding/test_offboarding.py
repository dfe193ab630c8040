"""A full offboarding (DPA § 14): termination, the export archive and its download period,
deletion of every copy, the verification scan, the certificate by mail (real SMTP server)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from huey.contrib.djhuey import HUEY

from deskwerk.audit.models import AuditEvent
from deskwerk.notify.models import OutgoingMail
from deskwerk.notify.tasks import deliver_mail
from deskwerk.offboarding.documentation import register_source
from deskwerk.offboarding.models import KeptDocument, Offboarding
from deskwerk.offboarding.scope import tenant_models
from deskwerk.offboarding.services import documentation_purge
from deskwerk.offboarding.tasks import offboarding_daily
from deskwerk.privacy.datamap import REGISTRY
from deskwerk.processor.models import Notice
from deskwerk.tenancy.models import Tenant
from tests.api.conftest import assert_problem
from tests.conftest import Api
from tests.offboarding.kit import Rich, counts, remains
from tests.processor.kit import make_operator

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^/\s]+/offboarding/([A-Za-z0-9_-]+)/")


def _text(received: Any) -> str:
    return received.message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def world(settings: Any, tmp_path: Path, smtp_server: Any) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path / "media"
    server = smtp_server()
    operator, staff = make_operator()
    acme = Rich("acme", "ACME GmbH", "acme.test")
    globex = Rich("globex", "Globex AG", "globex.test")
    return {
        "server": server,
        "operator": operator,
        "staff": Api(staff),
        "acme": acme,
        "globex": globex,
    }


def terminate(world: dict[str, Any], capture: Any) -> tuple[Offboarding, str]:
    tenant = world["acme"].tenant
    with capture(execute=True):
        response = world["staff"].post(
            f"/operator/tenants/{tenant.pk}/status", {"status": "terminated"}
        )
    assert response.status_code == 200, response.data
    offboarding = Offboarding.unscoped.get(customer_id=tenant.pk)
    assert offboarding.status == Offboarding.Status.READY, offboarding.error
    notices = [r for r in world["server"].received if "/offboarding/" in _text(r)]
    assert {r.rcpt_tos[0] for r in notices} == {"ina.instruct@acme.test"}
    token = LINK.search(_text(notices[0])).group(1)
    assert len(token) >= 43  # 256 bits, URL-safe base64
    assert offboarding.token_hash == hashlib.sha256(token.encode()).hexdigest()
    return offboarding, token


def test_full_offboarding(world, django_capture_on_commit_callbacks, time_machine, settings):
    acme, globex = world["acme"], world["globex"]
    tenant_id = acme.tenant.pk
    markers = [*acme.markers, "ina.instruct@acme.test", "Ina Instruct acme"]
    globex_before = counts(globex.tenant)
    start = dt.datetime.now(dt.UTC)
    time_machine.move_to(start, tick=False)
    offboarding, token = terminate(world, django_capture_on_commit_callbacks)

    # The notice is in the app too (kept with the documentation, then deleted with the tenant).
    assert Notice.unscoped.filter(tenant_id=tenant_id, template="offboarding_export_ready").exists()

    # Terminated: the tenant's pages are gone, the token page outside the tenant works.
    assert Client().get(f"/t/{acme.tenant.slug}/").status_code == 404
    page = Client().get(f"/offboarding/{token}/")
    assert page.status_code == 200
    assert b"ACME GmbH" in page.content
    assert Client().get("/offboarding/" + "x" * 43 + "/").status_code == 404

    # Jobs and cache entries that mention the tenant; one of the other tenant's each.
    mail = OutgoingMail.unscoped.filter(tenant_id=tenant_id).first()
    other_mail = OutgoingMail.unscoped.filter(tenant=globex.tenant).first()
    for m in (mail, other_mail):
        HUEY.storage.enqueue(HUEY.serialize_task(deliver_mail.s(m.pk, {"subject": m.to})), 0)
    HUEY.storage.put_data("a-result", HUEY.serializer.serialize({"to": "zoltan.member@acme.test"}))
    HUEY.storage.put_data("b-result", HUEY.serializer.serialize({"to": "someone@globex.test"}))
    cache.set(f"tenant:{tenant_id}:erika.owner@acme.test", 3, timeout=None)
    cache.set(f"tenant:{globex.tenant.pk}:erika.owner@globex.test", 3, timeout=None)

    # The download works until the end of the period, and is audited.
    until = offboarding.export_until
    assert until == start + dt.timedelta(days=settings.OFFBOARDING_EXPORT_DAYS)
    time_machine.move_to(until - dt.timedelta(seconds=1), tick=False)
    download = Client().get(f"/offboarding/{token}/archive/")
    assert download.status_code == 200
    archive = b"".join(download.streaming_content)
    assert hashlib.sha256(archive).hexdigest() == offboarding.export_sha256
    offboarding.refresh_from_db()
    assert len(offboarding.downloads) == 1
    assert AuditEvent.unscoped.filter(
        tenant=world["operator"], action="offboarding.download"
    ).exists()
    time_machine.move_to(until + dt.timedelta(seconds=1), tick=False)
    assert Client().get(f"/offboarding/{token}/archive/").status_code == 410
    assert Client().get(f"/offboarding/{token}/").status_code == 410

    # The daily job deletes; the scan proves it; the certificate goes out.
    before_mails = len(world["server"].received)
    with django_capture_on_commit_callbacks(execute=True):
        offboarding_daily.call_local()
    offboarding.refresh_from_db()
    assert offboarding.status == Offboarding.Status.DELETED, offboarding.scan
    assert offboarding.scan["ok"] is True
    assert offboarding.scan["tables"] > 30
    assert offboarding.report["rows"]["bookings.Booking"] == 3
    assert offboarding.report["rows"]["mfa.Authenticator"] == 1
    assert offboarding.report["jobs"] == 2  # the queued delivery and the stored result
    assert offboarding.report["cache_keys"] == 1
    assert offboarding.report["files"] >= 3  # plan, photo, archive (+ sent mails)
    assert not list(Path(settings.PROFILE_PHOTO_DIR).rglob("acme*"))
    assert not Tenant.objects.filter(pk=tenant_id).exists()

    # An independent look at every table, column and file.
    roots = [
        Path(settings.MEDIA_ROOT),
        Path(settings.OUTBOX_DIR),
        Path(settings.OFFBOARDING_DIR),
        Path(settings.PROFILE_PHOTO_DIR),
    ]
    left = remains(tenant_id, markers, roots)
    assert left == [], left
    assert len(HUEY.storage.enqueued_items()) == 1  # the other tenant's job stays
    assert set(HUEY.storage.result_items()) >= {"b-result"}
    assert "a-result" not in HUEY.storage.result_items()
    assert cache.get(f"tenant:{globex.tenant.pk}:erika.owner@globex.test") == 3
    assert counts(globex.tenant) == globex_before

    # Compliance documentation is kept in the operator tenant.
    kept = {d.name: d for d in KeptDocument.unscoped.filter(offboarding=offboarding)}
    assert {"audit_log", "notices", "objections", "authorised_persons"} <= set(kept)
    assert "deletion_certificate" in kept
    assert kept["audit_log"].content["verification"]["ok"] is True
    assert kept["audit_log"].content["events"]
    assert all(d.tenant_id == world["operator"].pk for d in kept.values())

    # The certificate: to the authorised person, with the PDF attached.
    sent = world["server"].received[before_mails:]
    assert [r.rcpt_tos for r in sent] == [["ina.instruct@acme.test"]]
    pdfs = [
        p for p in sent[0].message.iter_attachments() if p.get_content_type() == "application/pdf"
    ]
    assert pdfs
    assert pdfs[0].get_content().startswith(b"%PDF")

    # The operator reads it over the API, as HTML and PDF.
    staff = world["staff"]
    html = staff.client.get(
        f"/api/v1/operator/offboardings/{offboarding.pk}/certificate?format=html"
    )
    assert html.status_code == 200
    assert "ACME GmbH" in html.content.decode()
    pdf = staff.client.get(f"/api/v1/operator/offboardings/{offboarding.pk}/certificate")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert "ACME GmbH" in pdf_text(pdf.content)

    # After the retention of the documentation, it goes too.
    time_machine.move_to(offboarding.keep_until + dt.timedelta(seconds=1), tick=False)
    assert documentation_purge() == 1
    assert not Offboarding.unscoped.filter(pk=offboarding.pk).exists()
    assert not KeptDocument.unscoped.filter(offboarding_id=offboarding.pk).exists()


def pdf_text(data: bytes) -> str:
    """The text of fpdf2's page streams (Flate-compressed, core fonts: literal strings)."""
    text = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            body = zlib.decompress(match.group(1))
        except zlib.error:
            body = match.group(1)
        text += [s.decode("latin-1") for s in re.findall(rb"\((.*?)\)\s*Tj", body)]
    return "\n".join(text)


def test_the_archive_holds_every_model_files_and_correct_hashes(
    world, django_capture_on_commit_callbacks
):
    _offboarding, token = terminate(world, django_capture_on_commit_callbacks)
    data = b"".join(Client().get(f"/offboarding/{token}/archive/").streaming_content)
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = set(zf.namelist())
    manifest = json.loads(zf.read("manifest.json"))
    for model, _ in tenant_models():
        assert f"data/{model._meta.label}.json" in names
        assert model._meta.label in REGISTRY  # driven by the data map
    assert "README.txt" in names
    for member, meta in manifest["members"].items():
        content = zf.read(member)
        assert hashlib.sha256(content).hexdigest() == meta["sha256"], member
        assert len(content) == meta["bytes"]
    photos = [n for n in names if n.startswith("files/profiles.Profile/")]
    assert len(photos) == 1
    assert zf.read(photos[0]).startswith(b"\x89PNG")
    plans = [n for n in names if n.startswith("files/spaces.Floor/")]
    assert len(plans) == 1
    assert zf.read(plans[0]).startswith(b"<svg")
    bookings = json.loads(zf.read("data/bookings.Booking.json"))
    assert bookings["row_count"] == 3 == len(bookings["rows"])
    assert manifest["models"]["bookings.Booking"] == 3
    users = json.loads(zf.read("data/accounts.User.json"))
    assert {u["email"] for u in users["rows"]} == {
        "erika.owner@acme.test",
        "zoltan.member@acme.test",
    }
    assert all(u["password"] == "(withheld: a credential)" for u in users["rows"])
    assert "globex" not in data.decode("latin-1").lower()


def test_early_deletion_needs_confirmed_receipt(world, django_capture_on_commit_callbacks):
    offboarding, token = terminate(world, django_capture_on_commit_callbacks)
    staff = world["staff"]
    refused = staff.post(f"/operator/offboardings/{offboarding.pk}/delete")
    assert_problem(refused, 409, "receipt_not_confirmed")
    assert Client().post(f"/offboarding/{token}/confirm/").status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        done = staff.post(f"/operator/offboardings/{offboarding.pk}/delete")
    assert done.status_code == 200, done.data
    assert done.data["status"] == "deleted", done.data["scan"]
    again = staff.post(f"/operator/offboardings/{offboarding.pk}/delete")
    assert_problem(again, 409, "offboarding_not_ready")
    assert Client().get(f"/offboarding/{token}/").status_code == 410
    assert Client().get(f"/offboarding/{token}/archive/").status_code == 410


def test_the_operator_tenant_cannot_be_terminated(world):
    operator = world["operator"]
    response = world["staff"].post(
        f"/operator/tenants/{operator.pk}/status", {"status": "terminated"}
    )
    assert_problem(response, 409, "operator_tenant_protected")
    assert not Offboarding.unscoped.exists()


def test_a_failing_scan_gives_no_certificate(world, django_capture_on_commit_callbacks):
    """A copy outside the tenant's rows (here: a registered source's leftover in a table
    without tenant column) keeps the offboarding failed with the finding."""
    from deskwerk.processor.models import Subprocessor

    offboarding, _ = terminate(world, django_capture_on_commit_callbacks)
    Subprocessor.objects.create(
        name="Copy for erika.owner@acme.test", address="x", country="DE", service="x"
    )
    offboarding.receipt_confirmed_at = dt.datetime.now(dt.UTC)
    offboarding.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = world["staff"].post(f"/operator/offboardings/{offboarding.pk}/delete")
    assert response.data["status"] == "failed"
    assert any("processor_subprocessor.name" in f for f in response.data["scan"]["findings"])
    certificate = world["staff"].get(f"/operator/offboardings/{offboarding.pk}/certificate")
    assert_problem(certificate, 409, "certificate_not_ready")


def test_registered_documentation_sources_are_kept(world, django_capture_on_commit_callbacks):
    register_source("test_register", lambda tenant: [{"tenant": tenant.slug, "n": 1}])
    try:
        offboarding, token = terminate(world, django_capture_on_commit_callbacks)
        Client().post(f"/offboarding/{token}/confirm/")
        with django_capture_on_commit_callbacks(execute=True):
            world["staff"].post(f"/operator/offboardings/{offboarding.pk}/delete")
    finally:
        from deskwerk.offboarding import documentation

        documentation._SOURCES.pop("test_register", None)
    kept = KeptDocument.unscoped.get(offboarding=offboarding, name="test_register")
    assert kept.content == [{"tenant": "acme", "n": 1}]


def test_others_never_reach_the_console(world, django_capture_on_commit_callbacks):
    offboarding, _token = terminate(world, django_capture_on_commit_callbacks)
    outsider = Api(world["globex"].owner)
    assert_problem(outsider.get("/operator/offboardings"), 404, "not_found")
    assert_problem(outsider.get(f"/operator/offboardings/{offboarding.pk}"), 404, "not_found")
    listed = world["staff"].get("/operator/offboardings")
    assert [o["customer_slug"] for o in listed.data["items"]] == ["acme"]


def test_a_rolled_back_deletion_changes_nothing_and_can_be_retried(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    import deskwerk.offboarding.services as services

    offboarding, token = terminate(world, django_capture_on_commit_callbacks)
    Client().post(f"/offboarding/{token}/confirm/")
    tenant_id = world["acme"].tenant.pk
    before = counts(world["acme"].tenant)

    def broken(tenant, report):
        from deskwerk.bookings.models import Booking

        Booking.unscoped.filter(tenant=tenant).delete()  # half done, then a failure
        raise RuntimeError("disk full while deleting erika.owner@acme.test")

    monkeypatch.setattr(services, "delete_rows", broken)
    failed = world["staff"].post(f"/operator/offboardings/{offboarding.pk}/delete")
    assert failed.data["status"] == "failed"
    assert failed.data["error"].startswith("deletion failed: RuntimeError")
    assert "erika" not in failed.data["error"]  # the record outlives the data
    assert counts(world["acme"].tenant) == before  # rolled back: all rows still there
    assert not KeptDocument.unscoped.filter(offboarding=offboarding).exists()
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        retried = world["staff"].post(f"/operator/offboardings/{offboarding.pk}/delete")
    assert retried.data["status"] == "deleted", retried.data["scan"]
    assert not Tenant.objects.filter(pk=tenant_id).exists()


def test_a_failed_export_is_retried_by_the_daily_job(
    world, django_capture_on_commit_callbacks, monkeypatch, settings
):
    import deskwerk.offboarding.services as services

    real = services.build_archive

    def broken(tenant, target):
        target.write(b"partial")
        raise OSError("no space left")

    monkeypatch.setattr(services, "build_archive", broken)
    tenant = world["acme"].tenant
    with django_capture_on_commit_callbacks(execute=True):
        world["staff"].post(f"/operator/tenants/{tenant.pk}/status", {"status": "terminated"})
    offboarding = Offboarding.unscoped.get(customer_id=tenant.pk)
    assert offboarding.status == "failed"
    assert offboarding.error == "export failed: OSError"
    assert not list(Path(settings.OFFBOARDING_DIR).glob("*.zip"))  # no partial archive left
    monkeypatch.setattr(services, "build_archive", real)
    with django_capture_on_commit_callbacks(execute=True):
        offboarding_daily.call_local()
    offboarding.refresh_from_db()
    assert offboarding.status == "export_ready"
    assert Tenant.objects.filter(pk=tenant.pk).exists()  # the period starts now
