"""``deskwerk outbox list|show|test`` — the mail log and the local outbox, on the server."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from deskwerk.core.errors import DomainError
from deskwerk.notify.models import OutgoingMail
from deskwerk.notify.rendering import LANGUAGES
from deskwerk.notify.services import send_mail_message
from deskwerk.tenancy.models import Tenant

HEADERS = ("From", "To", "Reply-To", "Subject", "Date", "Message-ID")


class Command(BaseCommand):
    help = "List and read outgoing e-mail; send a test message."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="the newest messages, newest first")
        listing.add_argument("--tenant", help="only this tenant (slug)")
        listing.add_argument("--status", choices=[s.value for s in OutgoingMail.Status])
        listing.add_argument("--limit", type=int, default=20)
        show = sub.add_parser("show", help="one message: headers and plain text")
        show.add_argument("id", type=int)
        show.add_argument("--html", action="store_true", help="print the HTML part")
        show.add_argument("--raw", action="store_true", help="print the whole .eml file")
        test = sub.add_parser("test", help="queue a test message through the normal path")
        test.add_argument("--tenant", required=True, help="tenant slug")
        test.add_argument("--to", required=True, help="recipient address")
        test.add_argument("--language", choices=LANGUAGES, default="de")
        test.add_argument("--note", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.detail}") from exc

    def _tenant(self, slug: str) -> Tenant:
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            raise CommandError(f"no tenant {slug!r}")
        return tenant

    def _list(self, options: dict[str, Any]) -> None:
        if not 1 <= options["limit"] <= 1000:
            raise CommandError("--limit must be between 1 and 1000")
        qs = OutgoingMail.unscoped.select_related("tenant").order_by("-id")
        if options["tenant"]:
            qs = qs.filter(tenant=self._tenant(options["tenant"]))
        if options["status"]:
            qs = qs.filter(status=options["status"])
        rows = list(qs[: options["limit"]])
        if not rows:
            self.stdout.write("no messages")
        for mail in rows:
            when = timezone.localtime(mail.created_at).strftime("%Y-%m-%d %H:%M")
            kept = "eml" if mail.eml else "-"
            self.stdout.write(
                f"{mail.pk}\t{when}\t{mail.tenant.slug}\t{mail.status}\t{kept}\t"
                f"{mail.to}\t{mail.subject}"
            )

    def _show(self, options: dict[str, Any]) -> None:
        mail = OutgoingMail.unscoped.select_related("tenant").filter(pk=options["id"]).first()
        if mail is None:
            raise CommandError(f"no message {options['id']}")
        if not mail.eml:
            self.stdout.write(
                f"#{mail.pk} {mail.status} to {mail.to}: {mail.subject}\n"
                f"attempts {mail.attempts}; last error: {mail.last_error or '-'}\n"
                "The body is not kept (sent over SMTP, or not sent yet)."
            )
            return
        with mail.eml.open("rb") as f:
            data = f.read()
        if options["raw"]:
            self.stdout.write(data.decode("utf-8", errors="replace"), ending="")
            return
        message = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        for name in HEADERS:
            if message[name] is not None:
                self.stdout.write(f"{name}: {message[name]}")
        attachments = [a.get_filename() or "?" for a in message.iter_attachments()]
        if attachments:
            self.stdout.write(f"Attachments: {', '.join(attachments)}")
        part = message.get_body(preferencelist=("html",) if options["html"] else ("plain",))
        self.stdout.write("")
        self.stdout.write(part.get_content() if part is not None else "(no such part)")

    def _test(self, options: dict[str, Any]) -> None:
        tenant = self._tenant(options["tenant"])
        with transaction.atomic():
            mails = send_mail_message(
                tenant=tenant,
                to=[options["to"]],
                template="test_message",
                context={"sent_at": timezone.now(), "note": options["note"]},
                language=options["language"],
            )
        if not mails:
            raise CommandError("not queued: the recipient's processing is restricted")
        mail = OutgoingMail.unscoped.get(pk=mails[0].pk)
        self.stdout.write(f"message {mail.pk} to {mail.to}: {mail.status}")
        if mail.status == OutgoingMail.Status.QUEUED:
            self.stdout.write("queued: `deskwerk worker` sends it; see `deskwerk outbox list`")
        elif mail.last_error:
            self.stdout.write(f"last error: {mail.last_error}")
