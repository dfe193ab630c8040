"""Periodic privacy jobs, declared in code: `deskwerk worker` runs them.

Daily: pseudonymise what passed the tenant's deadline, delete usage data past its retention.
Cheap when nothing is due (one probe of a small partial index per tenant and table), so the
schedule could be tighter without cost; daily matches deadlines counted in days.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from deskwerk.privacy.pseudonymise import pseudonymise_tenant
from deskwerk.tenancy.models import Tenant
from deskwerk.usage.services import usage_purge

logger = logging.getLogger(__name__)


@dataclass
class JobsReport:
    tenants: int = 0
    pseudonymised: int = 0
    usage_purged: int = 0
    failed: list[str] = field(default_factory=list)


def run_privacy_jobs(*, now: dt.datetime | None = None) -> JobsReport:
    """Every tenant on its own: a failure is logged and does not stop the others.

    Suspended and terminated tenants too: deadlines are about the age of the data, not the
    state of the contract (until offboarding deletes it, the data is better pseudonymised).
    """
    report = JobsReport()
    for tenant in Tenant.objects.order_by("pk"):
        report.tenants += 1
        try:
            report.pseudonymised += pseudonymise_tenant(tenant, now=now).total
            report.usage_purged += usage_purge(tenant, now=now)
        except Exception:
            logger.exception("privacy jobs failed for tenant %s", tenant.slug)
            report.failed.append(tenant.slug)
    logger.info(
        "privacy jobs: %d tenants, %d rows pseudonymised, %d usage rows purged, %d failed",
        report.tenants,
        report.pseudonymised,
        report.usage_purged,
        len(report.failed),
    )
    return report


def _run_locked() -> dict[str, object]:
    # Two workers (or a worker and a queued run) never work through the same rows at once.
    with lock_task("privacy-jobs"):
        report = run_privacy_jobs()
    return {
        "tenants": report.tenants,
        "pseudonymised": report.pseudonymised,
        "usage_purged": report.usage_purged,
        "failed": report.failed,
    }


@db_periodic_task(crontab(minute="17", hour="2"), name="privacy.daily")
def privacy_daily() -> dict[str, object]:
    """02:17 UTC every day (off the hour, away from other operators' cron peaks)."""
    return _run_locked()


@db_task(name="privacy.now")
def privacy_now() -> dict[str, object]:
    """The same jobs, queued once: the demo does so at start, so its worker shows them."""
    return _run_locked()
