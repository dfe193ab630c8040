"""Reminders to operator staff before the 24-hour deadline (``deskwerk worker`` runs it)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from deskwerk.breaches.services import breach_reminders_due


@db_periodic_task(crontab(minute="*/5"))
def breach_reminders_periodic() -> None:
    """Every five minutes: the 12 h and 20 h reminders that are due, each sent once."""
    breach_reminders_due()
