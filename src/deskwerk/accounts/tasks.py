"""Purges (``deskwerk worker``): login counters whose window and lockout are over (hourly),
invitations that can no longer be used (daily)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from deskwerk.accounts.invitations import invitations_purge
from deskwerk.accounts.lockout import counters_purge


@db_periodic_task(crontab(minute="17"))
def login_counters_purge_periodic() -> None:
    counters_purge()


@db_periodic_task(crontab(hour="3", minute="23"))
def invitations_purge_periodic() -> None:
    invitations_purge()
