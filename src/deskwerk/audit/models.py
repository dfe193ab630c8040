"""The audit log: who did what to which record, written in the same transaction as the change."""

from __future__ import annotations

from django.db import models

from deskwerk.tenancy.models import TenantOwned


class AuditEvent(TenantOwned):
    """One audited action. Refers to people by id only, so rows survive their deletion.

    Holds field *names*, never the values of personal fields.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True)  # None: the system
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    changed_fields = models.JSONField(default=list, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.CharField(max_length=45, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["tenant", "at"], name="audit_tenant_at_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type}:{self.object_id}"
