"""Hourly purge of login counters whose window and lockout are over (``deskwerk worker``)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from deskwerk.accounts.lockout import counters_purge


@db_periodic_task(crontab(minute="17"))
def login_counters_purge_periodic() -> None:
    counters_purge()
