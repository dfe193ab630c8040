"""The mail log: one row per message and recipient, from queueing to delivery."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from deskwerk.notify.storage import outbox_storage
from deskwerk.tenancy.models import Tenant, TenantOwned


class OutgoingMail(TenantOwned):
    """A message to one recipient: what was sent (template, subject), to whom, and how it went.

    The body is not stored in the database. With ``EMAIL_TRANSPORT=outbox`` the whole message
    is kept as an ``.eml`` file (``eml``); over SMTP it exists only until delivered.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"

    # Every query names the tenant: the two indexes below start with it.
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+", db_index=False)
    # The account the address belongs to, when it is one of the tenant's people.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
    )
    to = models.EmailField(max_length=254)
    template = models.CharField(max_length=100)
    language = models.CharField(max_length=2)
    subject = models.CharField(max_length=255)
    message_id = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True, default="")
    eml = models.FileField(storage=outbox_storage, max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The outbox list (cursor-paginated by id).
            models.Index(fields=["tenant", "id"], name="mail_tenant_id_idx"),
            # The retention purge.
            models.Index(fields=["tenant", "created_at"], name="mail_tenant_created_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.status} {self.template} to {self.to}"
