"""The privacy app's models: pseudonym secrets and data-subject requests."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from deskwerk.tenancy.models import TenantOwned


def new_secret() -> bytes:
    return secrets.token_bytes(32)


class PseudonymSecret(TenantOwned):
    """The tenant's HMAC key for pseudonyms. Destroying it makes pseudonyms irreversible."""

    key = models.BinaryField(default=new_secret)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint("tenant", name="pseudonym_secret_tenant_uniq")]


class DataSubjectRequest(TenantOwned):
    """A data subject's request under GDPR Chapter III, in the tenant's inbox (§ 7 (3), § 11).

    The tenant (controller) decides and acts; the operator may only forward what reached it.
    The row outlives an erasure of its subject (link cut, pseudonym kept) as proof that the
    request was answered in time.
    """

    class Kind(models.TextChoices):
        ACCESS = "access", "access / portability (Art. 15, 20)"
        RECTIFICATION = "rectification", "rectification (Art. 16)"
        ERASURE = "erasure", "erasure (Art. 17)"
        RESTRICTION = "restriction", "restriction of processing (Art. 18)"

    class Source(models.TextChoices):
        SUBJECT = "subject", "made by the person in the app"
        ADMIN = "admin", "entered by an administrator"
        OPERATOR = "operator", "received by the operator and forwarded"

    class Status(models.TextChoices):
        RECEIVED = "received", "received"
        IN_PROGRESS = "in_progress", "in progress"
        COMPLETED = "completed", "completed"
        REJECTED = "rejected", "rejected"

    OPEN = (Status.RECEIVED, Status.IN_PROGRESS)

    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    person_pseudonym = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    source = models.CharField(max_length=20, choices=Source.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    received_at = models.DateTimeField()
    due_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    reason = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["tenant", "status", "due_at"], name="dsr_tenant_status_due_idx"),
            models.Index(fields=["tenant", "subject"], name="dsr_tenant_subject_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} request {self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class RequestEvent(TenantOwned):
    """One step in a request's status history. Refers to the actor by id, like the audit log."""

    request = models.ForeignKey(DataSubjectRequest, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)  # None: the system or the operator
    status = models.CharField(max_length=20, choices=DataSubjectRequest.Status.choices)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
