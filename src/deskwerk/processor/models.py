"""Authorised persons (§ 6), the subprocessor registry and objections (§ 10, Annex 2).

``Subprocessor`` and ``SubprocessorChange`` are operator-wide reference tables (the same list
for every tenant); authorised persons and objections belong to one tenant each.
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from deskwerk.accounts.models import User
from deskwerk.tenancy.models import TenantOwned


class Subprocessor(models.Model):
    """A company the operator engages (or plans to) for the service: name, address, region."""

    class Status(models.TextChoices):
        PLANNED = "planned", "planned"  # announced; the objection window runs
        ACTIVE = "active", "active"
        WITHDRAWN = "withdrawn", "withdrawn"

    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300)
    country = models.CharField(max_length=2)  # ISO 3166-1 alpha-2, upper case
    eu_eea = models.BooleanField(default=True)  # processing inside the EU/EEA (DPA § 5)
    service = models.CharField(max_length=500)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    announced_at = models.DateTimeField(null=True, blank=True)  # None: listed in Annex 2
    objection_deadline = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class SubprocessorChange(models.Model):
    """The registry's history: every listing, announcement, activation and withdrawal."""

    class Action(models.TextChoices):
        LISTED = "listed", "listed"  # approved with the agreement (Annex 2)
        ANNOUNCED = "announced", "announced"
        ACTIVATED = "activated", "activated"
        WITHDRAWN = "withdrawn", "withdrawn"

    subprocessor = models.ForeignKey(Subprocessor, on_delete=models.PROTECT, related_name="changes")
    action = models.CharField(max_length=20, choices=Action.choices)
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.action} {self.subprocessor_id}"


class AuthorisedPerson(TenantOwned):
    """A person of the tenant entitled to give instructions (DPA § 6 (3)).

    Contact data in a table of its own (Annex 1 I.6); optionally linked to the person's account,
    which then may act as authorised (object to a subprocessor).
    """

    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    org_unit = models.CharField(max_length=200, blank=True)
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                "tenant", Lower("email"), name="authorised_person_tenant_email_uniq"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Objection(TenantOwned):
    """A tenant's objection to a planned subprocessor (DPA § 10 (2) c), until resolved."""

    subprocessor = models.ForeignKey(Subprocessor, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    objected_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            # One open objection per tenant and subprocessor.
            models.UniqueConstraint(
                fields=["tenant", "subprocessor"],
                condition=models.Q(resolved_at__isnull=True),
                name="objection_one_open_per_tenant",
            ),
        ]


class Notice(TenantOwned):
    """A notice of the operator to a tenant or of a tenant to the operator, as shown in the app.

    Every notice that goes out by e-mail under DPA §§ 6, 7, 10, 12, 14 is also kept here, in the
    tenant it was sent to (the operator tenant for notices to the operator), so it "appears in
    the app" even when a mail is lost.
    """

    template = models.CharField(max_length=100)
    subject = models.CharField(max_length=255)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.subject
