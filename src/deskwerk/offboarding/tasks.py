"""Offboarding jobs: build the export archive (queued at termination), and once a day delete
the tenants whose download period is over and purge documentation past its retention."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from deskwerk.offboarding.services import (
    documentation_purge,
    exports_retry,
    offboarding_export,
    offboardings_due,
)

logger = logging.getLogger(__name__)


@db_task(name="offboarding.export")
def offboarding_export_job(offboarding_id: int) -> str:
    """Build one tenant's archive and send the link (names the record, not the tenant)."""
    return offboarding_export(offboarding_id).status


@db_periodic_task(crontab(hour="4", minute="11"), name="offboarding.daily")
def offboarding_daily() -> dict[str, int]:
    """04:11 UTC: retry lost or failed exports, delete tenants past their download period,
    purge documentation past its retention."""
    with lock_task("offboarding-daily"):
        exports_retry()
        deleted = offboardings_due()
        purged = documentation_purge()
    logger.info("offboarding: %d tenants deleted, %d records purged", len(deleted), purged)
    return {"deleted": len(deleted), "purged": purged}
