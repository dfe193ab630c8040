"""Restriction of processing ("Sperrung", Art. 18 GDPR).

A restricted person's data stays stored but is processed no further: no new bookings (the
booking service refuses them), their future bookings are cancelled, and every feature that
reads people for processing — colleague search, analytics, notifications — must go through
:func:`processing_allowed` or :func:`processable_people`. Only an administrator lifts it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from deskwerk.access.roles import require_permission
from deskwerk.accounts.models import User
from deskwerk.audit.services import audit_record
from deskwerk.bookings.models import Booking
from deskwerk.bookings.services import booking_cancel
from deskwerk.tenancy.services import assert_same_tenant

logger = logging.getLogger(__name__)


def processing_allowed(user: User) -> bool:
    """May the person's data be processed further (searched, analysed, notified)?"""
    return user.is_active and user.restricted_at is None


def processable_people(queryset: QuerySet[User] | None = None) -> QuerySet[User]:
    """The people of the bound tenant whose data may be processed: later features
    (colleague search, analytics, notifications) must start from this, never from
    ``User.objects`` directly."""
    qs = queryset if queryset is not None else User.objects.all()
    return qs.filter(restricted_at__isnull=True, is_active=True)


@dataclass
class RestrictionResult:
    person: User
    changed: bool
    cancelled: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "restricted_at": self.person.restricted_at.isoformat()
            if self.person.restricted_at
            else None,
            "changed": self.changed,
            "cancelled_bookings": self.cancelled,
        }


def cancel_future_bookings(*, actor: User, person: User, why: str) -> list[dict[str, Any]]:
    """Cancel the person's bookings that have not ended, each through the booking service
    (so each is audited), and list them: the result is the notice that they were cancelled."""
    now = timezone.now()
    cancelled = []
    pending = Booking.objects.filter(
        booked_for=person, state__in=Booking.ACTIVE_STATES, ends_at__gt=now
    ).order_by("starts_at", "pk")
    for booking in pending:
        booking_cancel(actor=actor, booking=booking)
        cancelled.append(
            {
                "booking_id": booking.pk,
                "resource_id": booking.resource_id,
                "starts_at": booking.starts_at.isoformat(),
                "ends_at": booking.ends_at.isoformat(),
            }
        )
    if cancelled:
        # No notifications exist yet: the result lists them, the audit log has each cancel.
        logger.info(
            "cancelled %d future bookings of person %s (%s)", len(cancelled), person.pk, why
        )
    return cancelled


def restriction_set(*, actor: User, person: User) -> RestrictionResult:
    """Restrict processing of ``person``'s data; cancel their future bookings with notice.

    Idempotent: restricting a restricted person changes nothing.
    """
    require_permission(actor, "privacy.requests")
    assert_same_tenant(actor.tenant, person)
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        if person.restricted_at is not None:
            return RestrictionResult(person=person, changed=False)
        person.restricted_at = timezone.now()
        person.save(update_fields=["restricted_at"])
        audit_record(
            tenant=actor.tenant,
            actor=actor,
            action="person.restrict",
            obj=person,
            changed_fields=["restricted_at"],
        )
        cancelled = cancel_future_bookings(actor=actor, person=person, why="restriction")
    return RestrictionResult(person=person, changed=True, cancelled=cancelled)


def restriction_lift(*, actor: User, person: User) -> RestrictionResult:
    """Lift the restriction: processing may resume (cancelled bookings stay cancelled)."""
    require_permission(actor, "privacy.requests")
    assert_same_tenant(actor.tenant, person)
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        if person.restricted_at is None:
            return RestrictionResult(person=person, changed=False)
        person.restricted_at = None
        person.save(update_fields=["restricted_at"])
        audit_record(
            tenant=actor.tenant,
            actor=actor,
            action="person.restriction_lift",
            obj=person,
            changed_fields=["restricted_at"],
        )
    return RestrictionResult(person=person, changed=True)
