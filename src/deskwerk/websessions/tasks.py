"""Daily purge of expired sessions (``deskwerk worker`` runs it)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from deskwerk.websessions.services import sessions_purge


@db_periodic_task(crontab(hour="3", minute="41"))
def sessions_purge_periodic() -> None:
    sessions_purge()
