"""The record of a tenant's offboarding (DPA § 14) and the documentation kept after it.

Both live in the **operator tenant**: once the customer tenant is deleted, they are the
tombstone that proves what was returned, deleted and kept. They name the customer by its id,
slug and name (a company, not a person) and contain no foreign key to it, so the customer's
rows can all go.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from deskwerk.core.storage import PrivateStorage
from deskwerk.tenancy.models import TenantOwned

# Export archives: owner-readable only, handed out only through the token download view.
_storage = PrivateStorage(lambda: settings.OFFBOARDING_DIR)


def archive_storage() -> PrivateStorage:
    """The storage of ``Offboarding.export_file`` (a callable, so migrations name no path)."""
    return _storage


class Offboarding(TenantOwned):
    """One terminated customer: export, deletion, verification and certificate.

    ``tenant`` is the operator tenant that keeps the record; ``customer_*`` name the
    offboarded tenant, whose row is deleted with everything else.
    """

    class Status(models.TextChoices):
        EXPORTING = "exporting", "exporting"  # the archive is being built
        READY = "export_ready", "export ready"  # the archive can be downloaded
        DELETING = "deleting", "deleting"  # claimed by one deletion run
        DELETED = "deleted", "deleted"  # deleted and verified: the certificate is valid
        FAILED = "failed", "failed"  # export, deletion or verification failed: see ``error``

    customer_id = models.BigIntegerField()
    customer_name = models.CharField(max_length=200)
    customer_slug = models.CharField(max_length=50)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.EXPORTING)
    contract_end = models.DateTimeField()
    started_by_id = models.BigIntegerField(null=True, blank=True)  # operator account
    export_file = models.FileField(storage=archive_storage, blank=True, max_length=200)
    export_sha256 = models.CharField(max_length=64, blank=True)
    export_bytes = models.BigIntegerField(default=0)
    export_ready_at = models.DateTimeField(null=True, blank=True)
    export_until = models.DateTimeField(null=True, blank=True)
    export_deleted_at = models.DateTimeField(null=True, blank=True)
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    receipt_confirmed_at = models.DateTimeField(null=True, blank=True)
    # Who received the notices (authorised persons, else system admins), collected at the start
    # and kept as compliance documentation: the certificate is sent to them after deletion.
    recipients = models.JSONField(default=list, blank=True)
    downloads = models.JSONField(default=list, blank=True)  # [{"at": …}]
    deletion_requested_by_id = models.BigIntegerField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    report = models.JSONField(default=dict, blank=True)  # what was deleted, per table
    scan = models.JSONField(default=dict, blank=True)  # the verification scan's result
    error = models.TextField(blank=True)
    keep_until = models.DateTimeField(null=True, blank=True)  # then the documentation goes
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["customer_id"], name="offboarding_one_per_customer")
        ]

    def __str__(self) -> str:
        return f"{self.customer_slug} ({self.status})"


class KeptDocument(TenantOwned):
    """Compliance documentation of an offboarded customer, kept beyond the contract end
    (§ 14 (3)): one source each (audit log, notices, objections, registered sources)."""

    offboarding = models.ForeignKey(Offboarding, on_delete=models.CASCADE, related_name="documents")
    name = models.CharField(max_length=100)
    content = models.JSONField(default=list, blank=True)
    rows = models.IntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["offboarding", "name"]
        constraints = [
            models.UniqueConstraint(fields=["offboarding", "name"], name="kept_document_unique")
        ]

    def __str__(self) -> str:
        return self.name
