"""Sending notices: render, log, and hand to the worker once the caller's transaction commits.

Every notice goes through :func:`send_mail_message`. It renders the message at once (a missing
template fails the caller's transaction, not a job hours later), writes one ``OutgoingMail`` row
per recipient, and after commit queues one job per row. The job sends through Django's e-mail
backend, retries transient failures (``MAIL_RETRY_DELAYS``), and marks the row sent or failed.
Nothing is sent for a transaction that rolls back.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import make_msgid, parseaddr
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from deskwerk.accounts.models import User
from deskwerk.core.errors import InvalidInput, NotFound
from deskwerk.notify.backends import OTHER, OUTBOX_NAME, OUTBOX_SAVED
from deskwerk.notify.models import OutgoingMail
from deskwerk.notify.rendering import LANGUAGES, Rendered, UnknownTemplate, render_message
from deskwerk.tenancy.models import Tenant

logger = logging.getLogger(__name__)

Attachment = tuple[str, bytes | str, str]  # (file name, content, MIME type)
ERROR_MAX = 500
PURGE_BATCH = 1000


# --- Recipients ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    address: str
    user: User | None  # the tenant's account with this address, if there is one


def without_restricted(people: Iterable[User]) -> list[User]:
    """People whose processing is not restricted (Art. 18): only they get notices."""
    return [p for p in people if p.restricted_at is None]


def _valid_address(address: str) -> str:
    address = address.strip()
    try:
        validate_email(address)
    except ValidationError as exc:
        raise InvalidInput(f"{address!r} is not an e-mail address", code="invalid_email") from exc
    return address


def notifiable_recipients(
    *, tenant: Tenant, to: Iterable[str | User], allow_restricted: bool = False
) -> list[Recipient]:
    """Who of ``to`` may be notified: each address once, people under restriction left out.

    A plain address that belongs to one of the tenant's people counts as that person, so a
    restriction holds however the caller names them.
    """
    addresses: list[str] = []
    ids: set[int] = set()
    for item in to:
        if isinstance(item, User):
            if item.tenant_id != tenant.pk:
                raise NotFound("person not found")  # never mail across tenants
            ids.add(item.pk)
            addresses.append(item.email)
        else:
            addresses.append(_valid_address(item))
    # Read afresh: a restriction set since the caller loaded the account counts.
    people = {
        p.email.lower(): p
        for p in User.unscoped.filter(tenant=tenant).filter(
            Q(pk__in=ids) | Q(email__in={a.lower() for a in addresses})
        )
    }
    allowed = {
        p.pk for p in (people.values() if allow_restricted else without_restricted(people.values()))
    }
    result: list[Recipient] = []
    seen: set[str] = set()
    for address in addresses:
        key = address.lower()
        if key in seen:
            continue
        seen.add(key)
        person = people.get(key)
        if person is not None and person.pk not in allowed:
            logger.info("notice withheld: recipient %s is under restriction", person.pk)
            continue
        result.append(Recipient(address=address, user=person))
    return result


# --- Sending ---------------------------------------------------------------------------------


def _reply_to(reply_to: str | Sequence[str] | None) -> list[str]:
    if reply_to is None:
        return []
    items = [reply_to] if isinstance(reply_to, str) else list(reply_to)
    return [_valid_address(a) for a in items]


def _check_attachments(attachments: Sequence[Attachment]) -> list[Attachment]:
    checked = []
    for name, content, mimetype in attachments:
        if not name or "/" in name or "\n" in name or "/" not in mimetype:
            raise ValueError(f"attachment {name!r} ({mimetype!r}) is malformed")
        checked.append((name, content, mimetype))
    return checked


def _message_id() -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return make_msgid(domain=domain)


def send_mail_message(
    *,
    tenant: Tenant,
    to: Sequence[str | User],
    template: str,
    context: Mapping[str, Any],
    language: str,
    reply_to: str | Sequence[str] | None = None,
    attachments: Sequence[Attachment] = (),
    allow_restricted: bool = False,
) -> list[OutgoingMail]:
    """Queue ``template`` to each recipient in ``to``; returns the rows.

    Call inside the transaction of the change the notice is about. ``to`` holds addresses or
    the tenant's people; people under restriction of processing are left out unless
    ``allow_restricted`` (only for notices the law requires, such as the Art. 18 (3) notice
    before a restriction is lifted). Each recipient gets a message of their own: no one sees
    the others' addresses. A person who chose a language in their profile gets the message in
    it; everyone else in ``language``. The context gets ``tenant_name`` and ``language``.
    """
    if language not in LANGUAGES:
        raise UnknownTemplate(f"language must be one of {LANGUAGES}, not {language!r}")
    recipients = notifiable_recipients(tenant=tenant, to=to, allow_restricted=allow_restricted)
    base: dict[str, Any] = {
        "from": settings.DEFAULT_FROM_EMAIL,
        "reply_to": _reply_to(reply_to),
        "attachments": _check_attachments(attachments),
        "allow_restricted": allow_restricted,
    }
    rendered: dict[str, Rendered] = {}
    mails: list[OutgoingMail] = []
    with transaction.atomic():
        for recipient in recipients:
            chosen = recipient_language(recipient.user, fallback=language)
            if chosen not in rendered:
                rendered[chosen] = render_message(
                    template,
                    {"tenant_name": tenant.name, **context},
                    language=chosen,
                    time_zone=tenant.default_timezone,
                )
            message = rendered[chosen]
            payload = {
                **base,
                "subject": message.subject,
                "text": message.text,
                "html": message.html,
            }
            mail = OutgoingMail.unscoped.create(
                tenant=tenant,
                recipient=recipient.user,
                to=recipient.address,
                template=template,
                language=chosen,
                subject=message.subject,
                message_id=_message_id(),
            )
            mails.append(mail)
            # robust: a queue that is down must not turn a committed change into an error;
            # the row stays "queued" and says so.
            transaction.on_commit(partial(_enqueue, mail.pk, payload), robust=True)
    return mails


def recipient_language(user: User | None, *, fallback: str) -> str:
    """The language of a person's mail: their profile's choice, else ``fallback``."""
    if user is not None and user.language in LANGUAGES:
        return user.language
    return fallback


def _enqueue(mail_id: int, payload: dict[str, Any]) -> None:
    from deskwerk.notify.tasks import deliver_mail

    deliver_mail(mail_id, payload)


# --- Delivery (the worker) -------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    status: str  # "sent", "failed", "retry", "gone" (row erased or purged before sending)
    retry_in: int | None = None


def _permanent(exc: Exception) -> bool:
    """The server refused for good (5xx for the recipient, sender or data): retrying cannot
    help. Anything else (no connection, timeouts, 4xx, authentication) is retried."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return exc.smtp_code >= 500
    return False


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:ERROR_MAX]


def build_message(mail: OutgoingMail, payload: Mapping[str, Any]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["text"],
        from_email=payload["from"],
        to=[mail.to],
        reply_to=payload["reply_to"] or None,
        headers={
            "Message-ID": mail.message_id,
            # RFC 3834: automatic, so out-of-office replies stay away.
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(payload["html"], "text/html")
    for name, content, mimetype in payload["attachments"]:
        message.attach(name, content, mimetype)
    setattr(message, OUTBOX_NAME, f"{mail.tenant_id}/{mail.pk}.eml")
    return message


def mail_deliver(mail_id: int, payload: Mapping[str, Any]) -> Delivery:
    """One delivery attempt of a queued row; the row records its outcome."""
    mail = OutgoingMail.unscoped.select_related("recipient").filter(pk=mail_id).first()
    if mail is None:
        return Delivery("gone")
    if mail.status != OutgoingMail.Status.QUEUED:
        return Delivery(mail.status)  # delivered twice by the queue: send once
    person = mail.recipient
    if person is not None and person.restricted_at is not None and not payload["allow_restricted"]:
        # Restricted after the notice was queued (retries can span hours).
        mail.status = OutgoingMail.Status.FAILED
        mail.last_error = "not sent: the recipient's processing is restricted"
        mail.save(update_fields=["status", "last_error"])
        return Delivery(mail.status)
    mail.attempts += 1
    message = build_message(mail, payload)
    try:
        message.send()
    except Exception as exc:
        mail.last_error = _describe(exc)
        delays = settings.MAIL_RETRY_DELAYS
        if _permanent(exc) or mail.attempts > len(delays):
            mail.status = OutgoingMail.Status.FAILED
            mail.save(update_fields=["status", "attempts", "last_error"])
            logger.warning("mail %s failed after %d attempts: %s", mail.pk, mail.attempts, exc)
            return Delivery(mail.status)
        mail.save(update_fields=["attempts", "last_error"])
        logger.info("mail %s attempt %d failed, retrying: %s", mail.pk, mail.attempts, exc)
        return Delivery("retry", retry_in=delays[mail.attempts - 1])
    mail.status = OutgoingMail.Status.SENT
    mail.sent_at = timezone.now()
    mail.eml.name = getattr(message, OUTBOX_SAVED, "")  # set by the outbox backend only
    mail.save(update_fields=["status", "attempts", "sent_at", "eml"])
    return Delivery(mail.status)


# --- Retention -------------------------------------------------------------------------------


def mail_log_purge(tenant: Tenant, *, now: dt.datetime | None = None) -> int:
    """Delete the tenant's log rows (and outbox files) older than ``MAIL_LOG_RETENTION_DAYS``."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.MAIL_LOG_RETENTION_DAYS)
    deleted = 0
    while True:
        batch = list(
            OutgoingMail.unscoped.filter(tenant=tenant, created_at__lt=cutoff)
            .order_by("created_at")
            .values_list("pk", "eml")[:PURGE_BATCH]
        )
        if not batch:
            return deleted
        with transaction.atomic():
            OutgoingMail.unscoped.filter(pk__in=[pk for pk, _ in batch]).delete()
            names = [name for _, name in batch if name]
            transaction.on_commit(partial(_delete_files, names))
        deleted += len(batch)


def outbox_other_purge(*, now: dt.datetime | None = None) -> int:
    """Delete outbox files of mail sent outside ``send_mail_message`` (``other/``) that are
    older than the retention: they have no log row to be purged with."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.MAIL_LOG_RETENTION_DAYS)
    storage = OutgoingMail._meta.get_field("eml").storage
    if not storage.exists(OTHER):
        return 0
    deleted = 0
    for name in storage.listdir(OTHER)[1]:
        path = f"{OTHER}/{name}"
        if storage.get_modified_time(path) < cutoff:
            storage.delete(path)
            deleted += 1
    return deleted


def _delete_files(names: list[str]) -> None:
    storage = OutgoingMail._meta.get_field("eml").storage
    for name in names:
        storage.delete(name)
