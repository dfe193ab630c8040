"""Recording expired support grants (``deskwerk worker`` runs it)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from deskwerk.support.services import support_grants_expire


@db_periodic_task(crontab(minute="*/5"))
def support_grants_expire_periodic() -> None:
    """Every five minutes: grants past their end are marked expired and audited. Access ends
    at the end by time already; this keeps the record true."""
    support_grants_expire()
