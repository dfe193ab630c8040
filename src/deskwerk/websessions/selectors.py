"""Reading sessions: a person's live ones, newest activity first."""

from __future__ import annotations

from django.db.models import QuerySet

from deskwerk.accounts.models import User
from deskwerk.websessions.models import WebSession


def sessions_of_person(person: User) -> QuerySet[WebSession]:
    """The person's sessions. Expired ones still listed are removed by their next use or the
    daily purge; they no longer let anyone in."""
    return WebSession.objects.filter(user_id=person.pk, tenant_id=person.tenant_id).order_by(
        "-last_activity", "-pk"
    )
