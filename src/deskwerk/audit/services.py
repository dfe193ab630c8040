"""Writing audit events (call inside the service's transaction), sealing and purging them."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from deskwerk.audit.chain import HASHED, row_hash
from deskwerk.audit.guard import purge_bypass, tenant_erasure_bypass
from deskwerk.audit.models import AuditChain, AuditEvent
from deskwerk.core.request_context import current_request
from deskwerk.tenancy.models import Tenant

logger = logging.getLogger(__name__)


def audit_record(
    *,
    tenant: Tenant,
    actor: models.Model | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: object = "",
    changed_fields: Iterable[str] = (),
) -> AuditEvent:
    """Record one event; the request id and truncated IP come from the request context.

    ``actor`` is a person of ``tenant``, a service token's principal, or a person of another
    tenant (operator staff): the latter two are named in ``actor_label``.
    """
    info = current_request()
    actor_id, label = _actor(tenant, actor)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk
    return AuditEvent.unscoped.create(
        tenant=tenant,
        actor_id=actor_id,
        actor_label=label,
        action=action,
        object_type=object_type or "",
        object_id="" if object_id is None else str(object_id),  # 0 is an id too
        changed_fields=sorted(changed_fields),
        request_id=info.request_id if info else "",
        ip=info.ip if info else "",
    )


def _actor(tenant: Tenant, actor: Any) -> tuple[int | None, str]:
    """(actor_id, actor_label) of whoever acts; see ``AuditEvent.actor_label``."""
    if actor is None:
        return None, ""
    token = getattr(actor, "token", None)
    if actor.pk is None and token is not None:  # a tenant service token's principal
        return None, f"service token {token.prefix}"
    actor_tenant = getattr(actor, "tenant_id", tenant.pk)
    if actor_tenant != tenant.pk:
        return actor.pk, f"operator account {actor.pk}"
    return actor.pk, ""


# --- The chain: sealing and purging ----------------------------------------------------------

SEAL_BATCH = 5000
PURGE_BATCH = 20000


def _locked_chain(tenant: Tenant) -> AuditChain:
    """The tenant's chain row, locked until the end of the transaction (created on first use)."""
    chain = AuditChain.unscoped.select_for_update().filter(tenant=tenant).first()
    if chain is None:
        AuditChain.unscoped.bulk_create([AuditChain(tenant=tenant)], ignore_conflicts=True)
        chain = AuditChain.unscoped.select_for_update().get(tenant=tenant)
    return chain


def _write_seals(updates: list[tuple[int, int, str, str]]) -> None:
    """Set (seq, prev_hash, hash) of each (id, …): one statement per batch on PostgreSQL."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            ids, seqs, prevs, hashes = (list(column) for column in zip(*updates, strict=True))
            cursor.execute(
                f"UPDATE {table} AS e SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[]) "
                "AS v(id, seq, prev_hash, hash) WHERE e.id = v.id AND e.hash IS NULL",
                [ids, seqs, prevs, hashes],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET seq = %s, prev_hash = %s, hash = %s "  # noqa: S608
                "WHERE id = %s AND hash IS NULL",
                [(seq, prev, digest, pk) for pk, seq, prev, digest in updates],
            )
        if cursor.rowcount != len(updates):
            raise RuntimeError("audit rows changed while being sealed")


def _seal_batch(tenant: Tenant, limit: int) -> int:
    with transaction.atomic():
        chain = _locked_chain(tenant)
        rows = list(
            AuditEvent.unscoped.filter(tenant=tenant, hash__isnull=True)
            .order_by("id")
            .values(*HASHED[1:], "actor_label")[:limit]
        )
        if not rows:
            return 0
        seq, prev = chain.head_seq, chain.head_hash
        updates = []
        for row in rows:
            seq += 1
            row["seq"] = seq
            digest = row_hash(row, prev)
            updates.append((row["id"], seq, prev, digest))
            prev = digest
        _write_seals(updates)
        chain.head_seq, chain.head_hash, chain.sealed_at = seq, prev, timezone.now()
        chain.save(update_fields=["head_seq", "head_hash", "sealed_at"])
    logger.info("audit chain of %s sealed to %d: %s", tenant.slug, seq, prev)
    return len(rows)


def audit_seal(tenant: Tenant, *, batch: int = SEAL_BATCH) -> int:
    """Give every unsealed row of ``tenant`` its place in the chain; returns how many.

    Serialised per tenant on the chain row, which writers of events never touch: sealing
    costs the writers nothing. Rows are sealed in id order, so a row whose transaction
    committed late lands after rows sealed meanwhile — the chain's order is ``seq``, not ``id``.
    Runs in batches of ``batch`` rows, each its own transaction; the logged heads are a copy
    of the chain outside the database.
    """
    total = 0
    while True:
        sealed = _seal_batch(tenant, batch)
        total += sealed
        if sealed < batch:
            return total


def audit_purge(tenant: Tenant, *, now: dt.datetime | None = None) -> int:
    """Delete the tenant's events older than its audit retention; returns how many.

    Removes the longest start of the chain whose rows are all past retention (set-based, in
    batches), and records the hash of the last removed row as the chain's new anchor, so
    verification stays green. Rows younger than 30 days are kept whatever ``now`` says: the
    database guard refuses to delete them.
    """
    from deskwerk.privacy.settings import privacy_settings

    now = now or timezone.now()
    current = Tenant.objects.get(pk=tenant.pk)  # the retention as stored now, not as passed in
    cutoff = now - dt.timedelta(days=privacy_settings(current).audit_retention_days)
    audit_seal(tenant)
    total = 0
    while True:
        with transaction.atomic():
            chain = _locked_chain(tenant)
            live = AuditEvent.unscoped.filter(tenant=tenant, seq__gt=chain.anchor_seq)
            first_kept = (
                live.filter(at__gte=cutoff).order_by("seq").values_list("seq", flat=True).first()
            )
            end = chain.head_seq if first_kept is None else first_kept - 1
            end = min(end, chain.anchor_seq + PURGE_BATCH)
            last = (
                live.filter(seq__lte=end).order_by("-seq").values_list("seq", "hash").first()
                if end > chain.anchor_seq
                else None
            )
            if last is None:
                return total
            with purge_bypass():
                deleted, _ = live.filter(seq__lte=last[0]).delete()
            chain.anchor_seq, chain.anchor_hash, chain.purged_at = last[0], last[1], now
            chain.save(update_fields=["anchor_seq", "anchor_hash", "purged_at"])
        total += deleted
        logger.info("audit chain of %s purged to %d: %s", tenant.slug, last[0], last[1])


def audit_erase_tenant(tenant: Tenant) -> int:
    """Delete every audit row and the chain of a tenant that is itself being deleted (the demo's
    reset, offboarding after the contract ends); returns how many rows.

    Call inside the transaction that deletes the tenant, so that either both go or neither.
    Logged as a warning, since no audit log of the tenant remains to hold the event.
    """
    with transaction.atomic():
        with tenant_erasure_bypass(tenant.pk):
            deleted, _ = AuditEvent.unscoped.filter(tenant=tenant).delete()
        AuditChain.unscoped.filter(tenant=tenant).delete()
    logger.warning("audit log of tenant %s erased: %d events", tenant.slug, deleted)
    return deleted
