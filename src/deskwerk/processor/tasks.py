"""Activating subprocessors whose objection window is over (``deskwerk worker`` runs it)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from deskwerk.processor.services import subprocessors_activate_due


@db_periodic_task(crontab(minute="7"))
def subprocessors_activate_periodic() -> None:
    """Hourly: planned subprocessors past their window with no open objection become active."""
    subprocessors_activate_due()
