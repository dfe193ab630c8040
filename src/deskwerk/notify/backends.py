"""E-mail backends: SMTP with an optional private CA, and the local outbox folder.

``EMAIL_TRANSPORT`` picks one (see ``deskwerk.notify.config``). Both serve any Django code that
sends mail, not only ``send_mail_message``: a message sent elsewhere lands in ``other/``.
"""

from __future__ import annotations

import secrets
import ssl
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend
from django.utils import timezone
from django.utils.functional import cached_property

from deskwerk.notify.storage import outbox_storage

# ``send_mail_message`` names each message's outbox file through this attribute; the outbox
# backend records the name it actually wrote in the second.
OUTBOX_NAME = "outbox_name"
OUTBOX_SAVED = "outbox_saved"
OTHER = "other"


class SmtpBackend(EmailBackend):
    """Django's SMTP backend; the server certificate is always verified, against
    ``SMTP_CA_FILE`` when set (an internal relay with a private CA), else the system's CAs."""

    @cached_property
    def ssl_context(self) -> ssl.SSLContext:
        cafile = getattr(settings, "SMTP_CA_FILE", None)
        context = ssl.create_default_context(cafile=cafile)
        if self.ssl_certfile:  # a client certificate (EMAIL_SSL_CERTFILE), rarely used
            context.load_cert_chain(self.ssl_certfile, self.ssl_keyfile)
        return context


class OutboxBackend(BaseEmailBackend):
    """Writes each message as an ``.eml`` file under ``OUTBOX_DIR``: nothing leaves the machine.

    Files are readable by the owner only; ``deskwerk outbox list|show`` prints them.
    """

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            try:
                self._write(message)
            except Exception:
                if not self.fail_silently:
                    raise
                continue
            sent += 1
        return sent

    def _write(self, message: Any) -> None:
        name = getattr(message, OUTBOX_NAME, None)
        if not name:
            stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
            name = f"{OTHER}/{stamp}-{secrets.token_hex(4)}.eml"
        data = message.message().as_bytes(linesep="\n")
        setattr(message, OUTBOX_SAVED, outbox_storage().save(name, ContentFile(data)))
