"""Periodic jobs of the requests inbox (imported by the privacy app, so the worker has them)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from deskwerk.privacy.requests.services import purge_closed_requests, remind_due_requests


@db_periodic_task(crontab(minute="7"))
def remind_requests() -> int:
    """Hourly: remind administrators of requests due within a week (once per request)."""
    return remind_due_requests()


@db_periodic_task(crontab(hour="3", minute="17"))
def purge_requests() -> int:
    """Nightly: purge requests closed longer ago than their retention."""
    return purge_closed_requests()
