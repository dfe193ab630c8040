"""Mail jobs: deliver one queued message (with retries), and purge the mail log daily."""

from __future__ import annotations

import logging
from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task
from huey.exceptions import RetryTask

from deskwerk.notify.services import mail_deliver, mail_log_purge, outbox_other_purge
from deskwerk.tenancy.models import Tenant

logger = logging.getLogger(__name__)


@db_task(name="notify.deliver")
def deliver_mail(mail_id: int, payload: dict[str, Any]) -> str:
    """One attempt; the row counts attempts, so retries are ours, not Huey's counter.

    The payload (rendered subject and bodies) lives only in the queue until delivered.
    """
    outcome = mail_deliver(mail_id, payload)
    if outcome.status == "retry":
        # No delay re-queues at once (and runs inline in Huey's immediate mode).
        raise RetryTask(delay=outcome.retry_in or None)
    return outcome.status


@db_periodic_task(crontab(minute="47", hour="2"), name="notify.purge")
def mail_log_purge_daily() -> int:
    """02:47 UTC: delete mail log rows and outbox files past their retention."""
    deleted = 0
    with lock_task("notify-purge"):
        for tenant in Tenant.objects.order_by("pk"):
            try:
                deleted += mail_log_purge(tenant)
            except Exception:
                logger.exception("mail log purge failed for tenant %s", tenant.slug)
        deleted += outbox_other_purge()
    logger.info("mail log purge: %d rows and files deleted", deleted)
    return deleted
