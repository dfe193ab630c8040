"""Personal data breaches, their affected tenants, notices (phases) and operator reminders.

A ``Breach`` is operator-wide (one incident may concern several tenants, DPA § 12); which
tenants it concerns and what each was told live in tenant-owned rows (``BreachTenant``,
``BreachNotice``), so a tenant reads only its own through the scoped manager.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone

from deskwerk.accounts.models import User
from deskwerk.tenancy.models import TenantOwned

# The contents a notice must carry (Art. 33 (3) GDPR, DPA § 12 (1)), in the order they are shown.
CONTENT_FIELDS: tuple[str, ...] = (
    "nature",
    "data_subject_categories",
    "data_subjects_approx",
    "record_categories",
    "records_approx",
    "contact_point",
    "likely_consequences",
    "measures",
)

NOTIFY_WITHIN_HOURS = 24  # DPA § 12 (1): at the latest within 24 hours of becoming aware
REMINDER_HOURS: tuple[int, ...] = (12, 20)


class Breach(models.Model):
    """An incident recorded by the operator: a breach or a well-founded suspicion of one."""

    class Kind(models.TextChoices):
        BREACH = "breach", "breach"
        SUSPECTED = "suspected", "suspected"  # § 12 (2): "begründete Verdachtsfälle"

    class Status(models.TextChoices):
        DRAFT = "draft", "draft"  # an Art. 33 (3) content is still missing
        COMPLETE = "complete", "complete"
        CLOSED = "closed", "closed"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    became_known_at = models.DateTimeField()
    nature = models.TextField(blank=True)
    data_subject_categories = models.TextField(blank=True)
    data_subjects_approx = models.PositiveIntegerField(null=True, blank=True)
    record_categories = models.TextField(blank=True)
    records_approx = models.PositiveIntegerField(null=True, blank=True)
    contact_point = models.TextField(blank=True)
    likely_consequences = models.TextField(blank=True)
    measures = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closing_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-became_known_at", "-pk"]

    def __str__(self) -> str:
        return f"breach {self.pk}"

    @property
    def deadline(self) -> dt.datetime:
        return self.became_known_at + dt.timedelta(hours=NOTIFY_WITHIN_HOURS)

    @property
    def missing(self) -> list[str]:
        """The Art. 33 (3) contents not yet known (empty text or no approximate number)."""
        out = []
        for name in CONTENT_FIELDS:
            value = getattr(self, name)
            if value is None or (isinstance(value, str) and not value.strip()):
                out.append(name)
        return out


class BreachTenant(TenantOwned):
    """A tenant a breach concerns, and when it was first notified (the 24-hour clock)."""

    breach = models.ForeignKey(Breach, on_delete=models.PROTECT, related_name="affected")
    added_at = models.DateTimeField(default=timezone.now)
    first_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["breach_id", "tenant_id"]
        constraints = [
            models.UniqueConstraint(fields=["breach", "tenant"], name="breach_tenant_uniq"),
        ]


class BreachNotice(TenantOwned):
    """One notice to one tenant: phase 1 is the first, later phases add what changed."""

    breach = models.ForeignKey(Breach, on_delete=models.PROTECT, related_name="notices")
    phase = models.PositiveIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)
    contents = models.JSONField(default=dict)  # the Art. 33 (3) contents as sent
    changed = models.JSONField(default=list)  # fields new or changed since the previous phase
    missing = models.JSONField(default=list)  # contents still to follow (Art. 33 (4))
    note = models.TextField(blank=True)
    sent_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["breach_id", "phase", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["breach", "tenant", "phase"], name="breach_notice_phase_uniq"
            ),
        ]


class BreachReminder(models.Model):
    """A reminder to operator staff, sent once per breach and mark (12 h, 20 h)."""

    breach = models.ForeignKey(Breach, on_delete=models.PROTECT, related_name="reminders")
    hours = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["breach_id", "hours"]
        constraints = [
            models.UniqueConstraint(fields=["breach", "hours"], name="breach_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"breach {self.breach_id} reminder {self.hours} h"
