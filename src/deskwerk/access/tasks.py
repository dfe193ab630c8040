"""Marking role grants past their end as expired (``deskwerk worker`` runs it).

The permission check ignores such grants at once; the task makes state, report and
``Membership.role`` say so.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from deskwerk.access.roles import roles_expire


@db_periodic_task(crontab(minute="*/15"))
def roles_expire_periodic() -> None:
    roles_expire()
