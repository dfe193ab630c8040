"""Notices over real SMTP: a server on loopback receives them (plain, STARTTLS, implicit TLS)."""

from __future__ import annotations

import datetime as dt

import pytest

from deskwerk.notify.models import OutgoingMail
from deskwerk.notify.services import send_mail_message
from tests.notify.conftest import SMTP_USER

pytestmark = pytest.mark.django_db

SENT_AT = dt.datetime(2026, 3, 5, 13, 0, tzinfo=dt.UTC)  # 14:00 in Berlin


def _send(tenant, capture, language="de", **kwargs):
    kwargs.setdefault("to", ["anna@example.org"])
    with capture(execute=True):
        mails = send_mail_message(
            tenant=tenant,
            template="test_message",
            context={"name": "Anna", "sent_at": SENT_AT, "note": "Tom & <Jerry>"},
            language=language,
            **kwargs,
        )
    return [OutgoingMail.unscoped.get(pk=m.pk) for m in mails]


def _parts(received):
    message = received.message
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return message, text, html


def test_a_german_notice_arrives_with_subject_headers_and_both_parts(
    tenant, smtp_server, django_capture_on_commit_callbacks
):
    server = smtp_server("none")

    [mail] = _send(tenant, django_capture_on_commit_callbacks, reply_to="it@acme.test")

    [received] = server.received
    message, text, html = _parts(received)
    assert message["Subject"] == "Testnachricht von Deskwerk für ACME GmbH"
    assert message["To"] == "anna@example.org"
    assert message["From"] == "Deskwerk <noreply@deskwerk.test>"
    assert message["Reply-To"] == "it@acme.test"
    assert message["Message-ID"] == mail.message_id
    assert message["Auto-Submitted"] == "auto-generated"
    assert received.rcpt_tos == ["anna@example.org"]
    assert received.mail_from == "noreply@deskwerk.test"
    assert "Hallo Anna," in text
    assert "Versandt am 5. März 2026 14:00." in text  # German date, the tenant's time zone
    assert "Notiz: Tom & <Jerry>" in text  # plain text is not HTML-escaped
    assert '<html lang="de">' in html
    assert "<strong>Testnachricht</strong>" in html
    assert "Notiz: Tom &amp; &lt;Jerry&gt;" in html  # HTML is
    assert (mail.status, mail.attempts, mail.last_error) == ("sent", 1, "")
    assert mail.sent_at is not None
    assert mail.subject == message["Subject"]


def test_an_english_notice_arrives_in_english(
    tenant, smtp_server, django_capture_on_commit_callbacks
):
    server = smtp_server("none")

    [mail] = _send(tenant, django_capture_on_commit_callbacks, language="en")

    message, text, html = _parts(server.received[0])
    assert message["Subject"] == "Test message from Deskwerk for ACME GmbH"
    assert "Hello Anna," in text
    assert "Sent on March 5, 2026, 2 p.m." in text
    assert "Hallo" not in text
    assert '<html lang="en">' in html
    assert "Sent automatically by Deskwerk for ACME GmbH." in html
    assert mail.language == "en"
    assert mail.status == "sent"


def test_each_recipient_gets_a_message_of_their_own(
    tenant, smtp_server, django_capture_on_commit_callbacks
):
    server = smtp_server("none")

    mails = _send(tenant, django_capture_on_commit_callbacks, to=["a@example.org", "b@example.org"])

    assert [r.rcpt_tos for r in server.received] == [["a@example.org"], ["b@example.org"]]
    assert [r.message["To"] for r in server.received] == ["a@example.org", "b@example.org"]
    assert [m.status for m in mails] == ["sent", "sent"]
    assert len({m.message_id for m in mails}) == 2


def test_starttls_with_login_against_a_self_signed_certificate(
    tenant, smtp_server, django_capture_on_commit_callbacks
):
    server = smtp_server("starttls", auth=True)

    [mail] = _send(tenant, django_capture_on_commit_callbacks)

    [received] = server.received
    assert received.tls
    assert received.login == SMTP_USER
    assert received.message["Subject"].startswith("Testnachricht")
    assert mail.status == "sent"


# Our fixture lets the server offer AUTH on implicit TLS, which it cannot recognise as TLS.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_implicit_tls(tenant, smtp_server, django_capture_on_commit_callbacks):
    server = smtp_server("tls", auth=True)

    [mail] = _send(tenant, django_capture_on_commit_callbacks, language="en")

    [received] = server.received
    assert received.tls
    assert received.login == SMTP_USER
    assert mail.status == "sent"


def test_an_untrusted_certificate_is_refused(
    tenant, smtp_server, django_capture_on_commit_callbacks
):
    """Without SMTP_CA_FILE the system's CAs apply, and they do not know our test certificate:
    the password is never sent to a server that cannot prove who it is."""
    server = smtp_server("starttls", auth=True, trust=False)

    [mail] = _send(tenant, django_capture_on_commit_callbacks)

    assert server.received == []
    assert mail.status == "failed"
    assert "CERTIFICATE_VERIFY_FAILED" in mail.last_error


def test_a_closed_port_is_retried_then_marked_failed_and_the_row_kept(
    tenant, settings, django_capture_on_commit_callbacks
):
    from tests.notify.conftest import free_port

    settings.EMAIL_BACKEND = "deskwerk.notify.backends.SmtpBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""

    [mail] = _send(tenant, django_capture_on_commit_callbacks)

    assert mail.status == "failed"
    assert mail.attempts == 1 + len(settings.MAIL_RETRY_DELAYS) == 3
    assert mail.last_error.startswith("ConnectionRefusedError")
    assert mail.sent_at is None
    assert OutgoingMail.unscoped.filter(pk=mail.pk).exists()


def test_a_permanent_refusal_is_not_retried(
    tenant, smtp_server, django_capture_on_commit_callbacks
):
    server = smtp_server("none")
    server.collector.refuse["gone@example.org"] = "550 5.1.1 No such mailbox"

    [mail] = _send(tenant, django_capture_on_commit_callbacks, to=["gone@example.org"])

    assert (mail.status, mail.attempts) == ("failed", 1)
    assert "No such mailbox" in mail.last_error
    assert server.received == []


def test_a_temporary_refusal_is_retried(tenant, smtp_server, django_capture_on_commit_callbacks):
    server = smtp_server("none")
    server.collector.refuse["busy@example.org"] = "450 4.2.1 Try again later"

    [mail] = _send(tenant, django_capture_on_commit_callbacks, to=["busy@example.org"])

    assert (mail.status, mail.attempts) == ("failed", 3)
    assert "Try again later" in mail.last_error


def test_a_retry_that_succeeds_marks_the_row_sent(
    tenant, smtp_server, django_capture_on_commit_callbacks
):
    server = smtp_server("none")
    refusals = iter(["451 4.3.0 Busy"])

    async def flaky_rcpt(srv, session, envelope, address, options):
        reply = next(refusals, None)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    server.collector.handle_RCPT = flaky_rcpt

    [mail] = _send(tenant, django_capture_on_commit_callbacks)

    assert (mail.status, mail.attempts) == ("sent", 2)
    assert "Busy" in mail.last_error  # what happened on the way stays visible
    assert len(server.received) == 1


def test_attachments_arrive(tenant, smtp_server, django_capture_on_commit_callbacks):
    server = smtp_server("none")
    ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"

    _send(
        tenant,
        django_capture_on_commit_callbacks,
        attachments=[("booking.ics", ics, "text/calendar")],
    )

    [attachment] = server.received[0].message.iter_attachments()
    assert attachment.get_filename() == "booking.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert "BEGIN:VCALENDAR" in attachment.get_content()
