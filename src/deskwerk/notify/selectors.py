"""Reading the mail log."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from deskwerk.notify.models import OutgoingMail
from deskwerk.tenancy.models import Tenant


def outbox(
    *, tenant: Tenant, status: str | None = None, since: dt.datetime | None = None
) -> QuerySet[OutgoingMail]:
    """The tenant's messages (oldest first by id when paginated), optionally filtered."""
    qs = OutgoingMail.unscoped.filter(tenant=tenant)
    if status is not None:
        qs = qs.filter(status=status)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return qs
