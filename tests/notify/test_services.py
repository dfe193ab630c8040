"""The service: one row per recipient, sent only after commit, never to restricted people."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail as django_mail
from django.db import transaction
from django.utils import timezone

from deskwerk.core.errors import InvalidInput, NotFound
from deskwerk.notify.models import OutgoingMail
from deskwerk.notify.rendering import UnknownTemplate
from deskwerk.notify.services import (
    mail_deliver,
    mail_log_purge,
    notifiable_recipients,
    send_mail_message,
    without_restricted,
)
from deskwerk.notify.tasks import mail_log_purge_daily
from deskwerk.tenancy.context import tenant_context

pytestmark = pytest.mark.django_db


def _send(tenant, to, **kwargs):
    kwargs.setdefault("language", "en")
    return send_mail_message(
        tenant=tenant, to=to, template="test_message", context={"note": "hi"}, **kwargs
    )


def _restrict(user):
    user.restricted_at = timezone.now()
    user.save(update_fields=["restricted_at"])


def test_nothing_is_sent_before_commit_and_everything_after(
    tenant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        [mail] = _send(tenant, ["x@example.org"])
        assert django_mail.outbox == []
        assert OutgoingMail.unscoped.get(pk=mail.pk).status == "queued"

    assert len(callbacks) == 1
    [message] = django_mail.outbox
    assert message.to == ["x@example.org"]
    assert OutgoingMail.unscoped.get(pk=mail.pk).status == "sent"


def test_a_rolled_back_change_sends_nothing_and_leaves_no_row(
    tenant, django_capture_on_commit_callbacks
):
    def change() -> None:
        with transaction.atomic():
            _send(tenant, ["x@example.org"])
            raise RuntimeError("the change failed")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        change()

    assert django_mail.outbox == []
    assert not OutgoingMail.unscoped.exists()


def test_the_row_records_what_was_sent_but_not_the_body(tenant, member):
    [mail] = _send(tenant, [member], language="de", reply_to=["it@acme.test"])

    assert (mail.tenant_id, mail.recipient_id, mail.to) == (tenant.pk, member.pk, member.email)
    assert (mail.template, mail.language, mail.status, mail.attempts) == (
        "test_message",
        "de",
        "queued",
        0,
    )
    assert mail.subject == "Testnachricht von Deskwerk für ACME GmbH"
    assert mail.message_id.startswith("<")
    assert mail.message_id.endswith("@deskwerk.test>")
    assert not mail.eml
    columns = {f.name for f in OutgoingMail._meta.concrete_fields}
    assert not columns & {"body", "text", "html", "context"}


def test_plain_addresses_of_the_tenants_people_are_linked_to_them(tenant, member):
    [linked, external] = _send(tenant, ["MEMBER@acme.test", "guest@example.org"])

    assert linked.recipient_id == member.pk
    assert external.recipient_id is None


def test_each_address_gets_one_message(tenant, member):
    mails = _send(tenant, [member, "member@acme.test", "a@example.org", "A@example.org"])

    assert [m.to for m in mails] == ["member@acme.test", "a@example.org"]


def test_restricted_people_get_no_notices_however_they_are_named(
    tenant, member, owner, django_capture_on_commit_callbacks
):
    _restrict(member)

    with django_capture_on_commit_callbacks(execute=True):
        mails = _send(tenant, [member, "Member@acme.test", owner])

    assert [m.recipient_id for m in mails] == [owner.pk]
    assert [m.to for m in django_mail.outbox] == [[owner.email]]


def test_the_recipient_helper_filters_restricted_people(tenant, member, owner):
    _restrict(member)

    assert without_restricted([member, owner]) == [owner]
    found = notifiable_recipients(tenant=tenant, to=[member, owner, "x@example.org"])
    assert [(r.address, r.user) for r in found] == [(owner.email, owner), ("x@example.org", None)]


def test_notices_the_law_requires_may_reach_restricted_people(
    tenant, member, django_capture_on_commit_callbacks
):
    """Art. 18 (3): the person is told before their restriction is lifted."""
    _restrict(member)

    with django_capture_on_commit_callbacks(execute=True):
        [mail] = _send(tenant, [member], allow_restricted=True)

    assert OutgoingMail.unscoped.get(pk=mail.pk).status == "sent"


def test_a_restriction_after_queueing_stops_delivery(
    tenant, member, django_capture_on_commit_callbacks
):
    """Retries can span hours: the restriction is checked again at each attempt."""
    with django_capture_on_commit_callbacks() as callbacks:
        [mail] = _send(tenant, [member])
    _restrict(member)

    callbacks[0]()  # the job runs now, after the restriction

    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == ("failed", 0)
    assert "restricted" in mail.last_error
    assert django_mail.outbox == []


def test_a_row_erased_before_delivery_is_not_sent(tenant):
    [mail] = _send(tenant, ["x@example.org"])
    OutgoingMail.unscoped.filter(pk=mail.pk).delete()

    outcome = mail_deliver(mail.pk, {"allow_restricted": False})

    assert outcome.status == "gone"
    assert django_mail.outbox == []


def test_a_message_is_sent_once_even_if_the_job_runs_twice(
    tenant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        [mail] = _send(tenant, ["x@example.org"])

    assert mail_deliver(mail.pk, {"allow_restricted": False}).status == "sent"
    assert len(django_mail.outbox) == 1


def test_people_of_another_tenant_are_refused(tenant, outsider):
    with pytest.raises(NotFound):
        _send(tenant, [outsider])
    assert not OutgoingMail.unscoped.exists()


@pytest.mark.parametrize("bad", ["not an address", "a@b\n.example", "x@example.org\r\nBcc: y@z"])
def test_malformed_addresses_are_refused(tenant, bad):
    with pytest.raises(InvalidInput) as info:
        _send(tenant, [bad])
    assert info.value.code == "invalid_email"
    with pytest.raises(InvalidInput):
        _send(tenant, ["ok@example.org"], reply_to=bad)
    assert not OutgoingMail.unscoped.exists()


def test_an_unknown_template_fails_the_caller_at_once(tenant):
    with pytest.raises(UnknownTemplate):
        send_mail_message(
            tenant=tenant, to=["x@example.org"], template="nope", context={}, language="en"
        )
    with pytest.raises(UnknownTemplate):
        _send(tenant, ["x@example.org"], language="fr")


def test_malformed_attachments_are_refused(tenant):
    with pytest.raises(ValueError, match="malformed"):
        _send(tenant, ["x@example.org"], attachments=[("../x.ics", "x", "text/calendar")])


def test_erasure_deletes_the_persons_mail_log_and_outbox_files(
    tenant, owner, member, outbox_transport, django_capture_on_commit_callbacks
):
    from deskwerk.privacy.requests.erasure import person_erase

    with django_capture_on_commit_callbacks(execute=True):
        [mine] = _send(tenant, [member])
        [other] = _send(tenant, [owner])
    mine.refresh_from_db()
    path = outbox_transport / mine.eml.name
    assert path.is_file()

    with tenant_context(tenant), django_capture_on_commit_callbacks(execute=True):
        result = person_erase(actor=owner, person=member)

    assert result.deleted["notify.OutgoingMail"] == 1
    assert result.files_deleted == 1
    assert not path.exists()
    assert list(OutgoingMail.unscoped.values_list("pk", flat=True)) == [other.pk]


def test_the_purge_deletes_rows_and_files_past_the_retention_only(
    tenant, other_tenant, settings, outbox_transport, django_capture_on_commit_callbacks
):
    settings.MAIL_LOG_RETENTION_DAYS = 30
    start = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False), django_capture_on_commit_callbacks(execute=True):
        [old] = _send(tenant, ["old@example.org"])
        [theirs] = _send(other_tenant, ["old@example.org"])
    with (
        time_machine.travel(start + dt.timedelta(days=29), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        [recent] = _send(tenant, ["new@example.org"])
    old.refresh_from_db()
    old_file = outbox_transport / old.eml.name
    assert old_file.is_file()

    with django_capture_on_commit_callbacks(execute=True):
        deleted = mail_log_purge(tenant, now=start + dt.timedelta(days=30, hours=1))

    assert deleted == 1
    assert not old_file.exists()
    remaining = set(OutgoingMail.unscoped.values_list("pk", flat=True))
    assert remaining == {recent.pk, theirs.pk}  # the other tenant's is purged on its own run


def test_the_daily_job_purges_every_tenant_and_stray_outbox_files(
    tenant, other_tenant, settings, outbox_transport, django_capture_on_commit_callbacks
):
    from django.core.mail import send_mail

    settings.MAIL_LOG_RETENTION_DAYS = 1
    with django_capture_on_commit_callbacks(execute=True):
        _send(tenant, ["a@example.org"])
        _send(other_tenant, ["b@example.org"])
    send_mail("outside the service", "body", None, ["c@example.org"])
    assert len(list((outbox_transport / "other").iterdir())) == 1

    with (
        time_machine.travel(timezone.now() + dt.timedelta(days=2)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        deleted = mail_log_purge_daily.call_local()

    assert deleted == 3
    assert not OutgoingMail.unscoped.exists()
    assert list((outbox_transport / "other").iterdir()) == []


def test_the_access_export_holds_the_persons_notices_and_outbox_files(
    tenant, member, owner, outbox_transport, django_capture_on_commit_callbacks
):
    import io
    import json
    import zipfile

    from deskwerk.privacy.requests.export import export_chunks

    with django_capture_on_commit_callbacks(execute=True):
        [mine] = _send(tenant, [member])
        _send(tenant, [owner])

    with tenant_context(tenant):
        archive = zipfile.ZipFile(io.BytesIO(b"".join(export_chunks(member))))

    contact = json.loads(archive.read("data/d-contact.json"))
    text = json.dumps(contact)
    assert mine.message_id in text
    assert owner.email not in text
    [eml] = [n for n in archive.namelist() if n.endswith(".eml")]
    assert b"Subject: Test message from Deskwerk" in archive.read(eml)


def test_a_restriction_counts_even_if_the_callers_copy_is_stale(tenant, member, owner):
    stale = type(member).unscoped.get(pk=member.pk)
    _restrict(member)

    assert [m.recipient_id for m in _send(tenant, [stale, owner])] == [owner.pk]


def test_each_person_gets_the_language_of_their_profile(
    tenant, owner, member, django_capture_on_commit_callbacks
):
    owner.language = "de"
    owner.save(update_fields=["language"])
    member.language = ""  # no choice: the caller's language
    member.save(update_fields=["language"])

    with django_capture_on_commit_callbacks(execute=True):
        mails = _send(tenant, [owner, member, "x@example.org"], language="en")

    assert {m.to: m.language for m in mails} == {
        owner.email: "de",
        member.email: "en",
        "x@example.org": "en",
    }
    subjects = {message.to[0]: message.subject for message in django_mail.outbox}
    assert subjects[owner.email] == "Testnachricht von Deskwerk für ACME GmbH"
    assert subjects[member.email] != subjects[owner.email]
    assert subjects["x@example.org"] == subjects[member.email]


def test_a_plain_address_of_a_person_gets_their_language(tenant, member):
    member.language = "de"
    member.save(update_fields=["language"])

    [mail] = _send(tenant, [member.email.upper()], language="en")

    assert mail.language == "de"
