"""The local outbox: .eml files instead of SMTP, the ``outbox`` command, and GET /outbox."""

from __future__ import annotations

import email
import email.policy
import io
import stat

import pytest
from django.core.mail import send_mail
from django.core.management import CommandError, call_command

from deskwerk.notify.models import OutgoingMail
from deskwerk.notify.services import send_mail_message
from tests.api.conftest import assert_problem
from tests.conftest import Api

pytestmark = pytest.mark.django_db


def _send(tenant, to, capture, language="de", note="Tom & <Jerry>"):
    with capture(execute=True):
        mails = send_mail_message(
            tenant=tenant,
            to=to,
            template="test_message",
            context={"note": note},
            language=language,
            reply_to="it@acme.test",
        )
    return [OutgoingMail.unscoped.get(pk=m.pk) for m in mails]


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("outbox", *args, stdout=out)
    return out.getvalue()


def test_each_message_becomes_an_eml_file_only_the_owner_can_read(
    tenant, outbox_transport, django_capture_on_commit_callbacks
):
    [mail] = _send(tenant, ["anna@example.org"], django_capture_on_commit_callbacks)

    assert mail.status == "sent"
    assert mail.eml.name == f"{tenant.pk}/{mail.pk}.eml"
    path = outbox_transport / mail.eml.name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "Testnachricht von Deskwerk für ACME GmbH"
    assert message["To"] == "anna@example.org"
    assert message["Reply-To"] == "it@acme.test"
    assert message["Message-ID"] == mail.message_id
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Notiz: Tom & <Jerry>" in text
    assert "Notiz: Tom &amp; &lt;Jerry&gt;" in html


def test_the_outbox_is_never_served_by_url(outbox_transport):
    storage = OutgoingMail._meta.get_field("eml").storage
    with pytest.raises(ValueError, match="not accessible via a URL"):
        storage.url("1/1.eml")


def test_mail_sent_outside_the_service_lands_in_other(outbox_transport):
    send_mail("Hello", "plain body", "noreply@deskwerk.test", ["x@example.org"])

    [path] = (outbox_transport / "other").iterdir()
    assert path.suffix == ".eml"
    assert b"Subject: Hello" in path.read_bytes()


def test_outbox_list_and_show(
    tenant, other_tenant, outbox_transport, django_capture_on_commit_callbacks
):
    [ours] = _send(tenant, ["anna@example.org"], django_capture_on_commit_callbacks)
    [theirs] = _send(other_tenant, ["bob@example.org"], django_capture_on_commit_callbacks, "en")

    listing = _run("list").splitlines()
    assert [line.split("\t")[0] for line in listing] == [str(theirs.pk), str(ours.pk)]
    assert listing[1].split("\t")[2:] == [
        "acme",
        "sent",
        "eml",
        "anna@example.org",
        "Testnachricht von Deskwerk für ACME GmbH",
    ]
    assert _run("list", "--tenant", "globex").count("\n") == 1
    assert _run("list", "--status", "failed") == "no messages\n"

    shown = _run("show", str(ours.pk))
    assert "Subject: Testnachricht von Deskwerk für ACME GmbH" in shown
    assert "To: anna@example.org" in shown
    assert "Notiz: Tom & <Jerry>" in shown
    assert "<p>" not in shown
    assert "<strong>Testnachricht</strong>" in _run("show", str(ours.pk), "--html")
    raw = _run("show", str(ours.pk), "--raw")
    assert raw.startswith("Content-Type: multipart/alternative")
    assert f"Message-ID: {ours.message_id}" in raw


def test_outbox_show_without_a_kept_body(tenant, django_capture_on_commit_callbacks):
    [mail] = _send(tenant, ["anna@example.org"], django_capture_on_commit_callbacks)  # locmem

    shown = _run("show", str(mail.pk))

    assert f"#{mail.pk} sent to anna@example.org" in shown
    assert "The body is not kept" in shown


def test_outbox_command_refusals(tenant):
    with pytest.raises(CommandError, match="no message 999"):
        _run("show", "999")
    with pytest.raises(CommandError, match="no tenant"):
        _run("list", "--tenant", "nope")
    with pytest.raises(CommandError, match="--limit"):
        _run("list", "--limit", "0")
    with pytest.raises(CommandError, match="invalid_email"):
        _run("test", "--tenant", "acme", "--to", "not an address")


def test_outbox_test_sends_through_the_normal_path(
    tenant, outbox_transport, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        out = _run("test", "--tenant", "acme", "--to", "ops@example.org", "--language", "en")
        # As in production: the command commits, the worker sends later.
        assert "queued: `deskwerk worker` sends it" in out

    mail = OutgoingMail.unscoped.get()
    assert (mail.template, mail.to, mail.language) == ("test_message", "ops@example.org", "en")
    assert f"message {mail.pk} to ops@example.org: queued" in out
    assert mail.status == "sent"
    assert "Test message from Deskwerk for ACME GmbH" in _run("show", str(mail.pk))


@pytest.fixture
def mails(tenant, other_tenant, django_capture_on_commit_callbacks):
    ours = _send(tenant, ["a@example.org", "b@example.org"], django_capture_on_commit_callbacks)
    theirs = _send(other_tenant, ["c@example.org"], django_capture_on_commit_callbacks)
    return ours, theirs


def test_admins_read_their_own_tenants_outbox_only(mails, api_owner, api_outsider):
    ours, theirs = mails

    page = api_owner.get("/outbox")

    assert page.status_code == 200
    assert [m["id"] for m in page.data["items"]] == [m.pk for m in ours]
    first = page.data["items"][0]
    assert first["to"] == "a@example.org"
    assert first["subject"] == "Testnachricht von Deskwerk für ACME GmbH"
    assert (first["status"], first["attempts"], first["in_outbox"]) == ("sent", 1, False)
    assert first["message_id"] == ours[0].message_id
    assert not {"body", "text", "html"} & set(first)
    assert [m["id"] for m in api_outsider.get("/outbox").data["items"]] == [theirs[0].pk]


def test_the_outbox_is_cursor_paginated_and_filtered(mails, api_owner):
    ours, _ = mails

    first = api_owner.get("/outbox", limit=1)
    second = api_owner.get("/outbox", limit=1, cursor=first.data["next_cursor"])

    assert [m["id"] for m in first.data["items"]] == [ours[0].pk]
    assert [m["id"] for m in second.data["items"]] == [ours[1].pk]
    assert second.data["next_cursor"] is None
    assert api_owner.get("/outbox", status="failed").data["items"] == []
    assert len(api_owner.get("/outbox", status="sent").data["items"]) == 2
    assert_problem(api_owner.get("/outbox", status="lost"), 422, "validation_error")
    assert len(api_owner.get("/outbox", since="2000-01-01T00:00:00Z").data["items"]) == 2
    assert api_owner.get("/outbox", since="2999-01-01T00:00:00Z").data["items"] == []
    assert_problem(api_owner.get("/outbox", since="2026-01-01T00:00"), 422, "validation_error")


def test_members_and_tokens_without_the_scope_are_refused(mails, api_member, owner):
    assert_problem(api_member.get("/outbox"), 403, "permission_denied")
    token = Api(owner, scopes=["spaces:read"])
    assert_problem(token.get("/outbox"), 403, "insufficient_scope")
