"""Ending sessions (by their person, an administrator, deactivation, suspension), purging the
expired ones and re-encrypting under the newest data key."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from deskwerk.accounts.models import User
from deskwerk.audit.services import audit_record
from deskwerk.core.errors import NotFound
from deskwerk.tenancy.models import Tenant
from deskwerk.tenancy.services import assert_same_tenant
from deskwerk.websessions import crypto
from deskwerk.websessions.models import WebSession
from deskwerk.websessions.timeouts import LONGEST_IDLE

logger = logging.getLogger("deskwerk.websessions")

BATCH = 500


def _may_manage(actor: User, person: User) -> None:
    """Oneself, or anyone of the tenant for an administrator; others: 404 (no oracle)."""
    from deskwerk.access.roles import has_permission

    assert_same_tenant(actor.tenant, person)
    if actor.pk != person.pk and not has_permission(actor, "sessions.manage"):
        raise NotFound("session not found")


def session_end(*, actor: User, session: WebSession) -> None:
    """End one session: the person's own, or anyone's of the tenant for an administrator."""
    if session.tenant_id != actor.tenant_id or session.user_id is None:
        raise NotFound("session not found")
    person = User.unscoped.get(pk=session.user_id)
    _may_manage(actor, person)
    with transaction.atomic():
        WebSession.objects.filter(pk=session.pk).delete()
        audit_record(
            tenant=actor.tenant,
            actor=actor,
            action="session.end",
            object_type="websessions.websession",
            object_id=session.public_id,
        )


def person_sessions_end(*, actor: User | None, person: User, keep: int | None = None) -> int:
    """End every session of ``person`` at once (``actor`` None: the system), except the one
    whose public id is ``keep`` (a password change keeps its own). Audited when there were
    any, under the person's account."""
    if actor is not None:
        _may_manage(actor, person)
    with transaction.atomic():
        sessions = WebSession.objects.filter(user_id=person.pk)
        if keep is not None:
            sessions = sessions.exclude(public_id=keep)
        count, _ = sessions.delete()
        if count:
            audit_record(
                tenant=person.tenant,
                actor=actor,
                action="session.end_all",
                object_type="accounts.user",
                object_id=person.pk,
            )
    return count


def tenant_sessions_end(*, tenant: Tenant) -> int:
    """End every session of a tenant (suspension, termination). Call inside the caller's
    transaction; audited when there were any."""
    count, _ = WebSession.objects.filter(tenant=tenant).delete()
    if count:
        audit_record(tenant=tenant, actor=None, action="session.end_tenant", obj=tenant)
        logger.info("ended %d sessions of tenant %s", count, tenant.slug)
    return count


def sessions_purge(*, now: dt.datetime | None = None) -> int:
    """Delete sessions past their absolute expiry or idle longer than any tenant allows.

    (A tenant's shorter idle timeout is enforced when the session is next used; this only
    keeps the table from growing with sessions nobody comes back to.)
    """
    now = now or timezone.now()
    stale = Q(expires_at__lte=now) | Q(last_activity__lte=now - LONGEST_IDLE)
    total = 0
    while True:
        ids = list(WebSession.objects.filter(stale).values_list("pk", flat=True)[:BATCH])
        if not ids:
            break
        deleted, _ = WebSession.objects.filter(pk__in=ids).delete()
        total += deleted
    if total:
        logger.info("purged %d expired sessions", total)
    return total


def sessions_reencrypt(*, batch: int = BATCH) -> tuple[int, int]:
    """Re-encrypt every row not under the newest key; (re-encrypted, dropped).

    Rows that no configured key decrypts are deleted (their people sign in again). Batched,
    each batch its own transaction with the rows locked, so sessions in use are not lost.
    """
    from deskwerk.websessions.store import seal, unseal

    newest = crypto.newest_key_id()
    moved = dropped = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            rows = list(
                WebSession.objects.select_for_update()
                .filter(pk__gt=last_pk)
                .exclude(key_id=newest)
                .order_by("pk")[:batch]
            )
            if not rows:
                break
            last_pk = rows[-1].pk
            for row in rows:
                data = unseal(row)
                if data is None:
                    WebSession.objects.filter(pk=row.pk).delete()
                    dropped += 1
                    continue
                key_id, blob = seal(data, row.key_hash)
                WebSession.objects.filter(pk=row.pk).update(key_id=key_id, data=blob)
                moved += 1
    logger.info("re-encrypted %d sessions under key %s; dropped %d", moved, newest, dropped)
    return moved, dropped
