"""Periodic jobs of the audit log: seal every minute, purge past retention once a day."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from deskwerk.audit.models import AuditEvent
from deskwerk.audit.services import audit_purge, audit_seal
from deskwerk.tenancy.models import Tenant

logger = logging.getLogger(__name__)


def seal_all() -> int:
    """Seal every tenant that has unsealed rows (found through the small partial index)."""
    waiting = AuditEvent.unscoped.filter(hash__isnull=True).values("tenant_id").distinct()
    return sum(audit_seal(tenant) for tenant in Tenant.objects.filter(pk__in=waiting))


def purge_all() -> int:
    """Purge every tenant's log. Suspended and terminated tenants too: retention is about the
    age of the data, not the state of the contract."""
    total = 0
    for tenant in Tenant.objects.filter(pk__in=AuditEvent.unscoped.values("tenant_id")):
        try:
            total += audit_purge(tenant)
        except Exception:  # one tenant's trouble must not stop the others' retention
            logger.exception("audit purge of %s failed", tenant.slug)
    return total


@db_periodic_task(crontab(minute="*"))
def audit_seal_periodic() -> None:
    seal_all()


@db_periodic_task(crontab(hour="3", minute="17"))
def audit_purge_periodic() -> None:
    purge_all()
