"""The audit log: who did what to which record, written in the same transaction as the change.

Rows are written unsealed (no hash) so that writers never wait for each other; a sealing step
(``audit_seal``) later gives each row its place in the tenant's hash chain. See
docs/decisions/ (the audit chain record) for why.
"""

from __future__ import annotations

from django.db import models

from deskwerk.tenancy.models import Tenant, TenantOwned

GENESIS = "0" * 64  # the "previous hash" of a tenant's very first row


class AuditEvent(TenantOwned):
    """One audited action. Refers to people by id only, so rows survive their deletion.

    Holds field *names*, never the values of personal fields. ``seq``, ``prev_hash`` and
    ``hash`` are empty until the row is sealed, and never change afterwards.
    """

    # No single-column indexes on tenant or time: every query names the tenant and the indexes
    # below start with it. Fewer indexes, cheaper writes on the hot path.
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+", db_index=False)
    at = models.DateTimeField(auto_now_add=True)
    actor_id = models.BigIntegerField(null=True, blank=True)  # None: the system
    # Who acted when it was not a person of this tenant: "service token dw_ab12cd",
    # "operator account 17". Empty for the tenant's own people and for the system.
    actor_label = models.CharField(max_length=120, blank=True, default="", db_default="")
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    changed_fields = models.JSONField(default=list, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    # Tamper evidence, set once by the sealing step: position in the tenant's chain, the hash
    # of the row before it, and SHA-256 over this row's content and ``prev_hash``. NULL (not
    # "") means "not sealed yet": the partial index and the database guard rely on it.
    seq = models.BigIntegerField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    hash = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["tenant", "at"], name="audit_tenant_at_idx"),
            models.Index(fields=["tenant", "actor_id"], name="audit_tenant_actor_idx"),
            models.Index(
                fields=["tenant", "object_type", "object_id"], name="audit_tenant_object_idx"
            ),
            # Tiny: only rows waiting to be sealed (at most about a minute's worth).
            models.Index(
                fields=["tenant", "id"],
                condition=models.Q(hash__isnull=True),
                name="audit_unsealed_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "seq"], name="audit_tenant_seq_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type}:{self.object_id}"


class AuditChain(TenantOwned):
    """The tenant's chain: where it starts (after purges) and where it ends (last sealed row).

    Its row is also the lock that serialises sealing and purging of one tenant — and only
    those; writers of audit events never touch it.
    """

    head_seq = models.BigIntegerField(default=0)
    head_hash = models.CharField(max_length=64, default=GENESIS)
    # The last purged row: verification starts after it, from its hash.
    anchor_seq = models.BigIntegerField(default=0)
    anchor_hash = models.CharField(max_length=64, default=GENESIS)
    sealed_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint("tenant", name="audit_chain_tenant_uniq")]

    def __str__(self) -> str:
        return f"chain {self.tenant_id}: {self.anchor_seq}..{self.head_seq}"
