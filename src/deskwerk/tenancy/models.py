"""Tenants (customer companies) and the base class of everything they own."""

from __future__ import annotations

import zoneinfo
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from deskwerk.tenancy.managers import TenantScopedManager

SLUG_VALIDATOR = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$",
    "A slug is 1-50 lower-case letters, digits and inner hyphens.",
)
RESERVED_SLUGS = {"api", "static", "media", "admin", "operator", "www", "health"}


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone")


class Tenant(models.Model):
    """A customer company: the controller of its people's data."""

    class Status(models.TextChoices):
        TRIAL = "trial", "trial"
        ACTIVE = "active", "active"
        SUSPENDED = "suspended", "suspended"
        TERMINATED = "terminated", "terminated"

    class Kind(models.TextChoices):
        CUSTOMER = "customer", "customer"
        # The one tenant whose accounts are the operator's (processor's) staff.
        OPERATOR = "operator", "operator"

    # Statuses in which people may sign in and the API answers.
    LIVE_STATUSES = ("trial", "active")

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=50, unique=True, validators=[SLUG_VALIDATOR])
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    kind = models.CharField(
        max_length=20, choices=Kind.choices, default=Kind.CUSTOMER, db_default=Kind.CUSTOMER
    )
    default_timezone = models.CharField(
        max_length=64, default="Europe/Berlin", validators=[validate_timezone]
    )
    settings = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(kind="operator"),
                name="tenant_single_operator",
            ),
        ]

    def __str__(self) -> str:
        return self.slug

    @property
    def is_active(self) -> bool:
        """Live: on trial or active (suspended and terminated tenants are unreachable)."""
        return self.status in self.LIVE_STATUSES

    @property
    def is_operator(self) -> bool:
        return self.kind == self.Kind.OPERATOR


class TenantOwned(models.Model):
    """Base for every row that belongs to one tenant.

    ``objects`` is scoped to the bound tenant and raises without one; ``unscoped`` is the
    explicit escape hatch for code that names its tenant itself.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")

    objects: ClassVar[TenantScopedManager[Any]] = TenantScopedManager()
    unscoped: ClassVar[models.Manager[Any]] = models.Manager()

    class Meta:
        abstract = True
