"""Bookings of resources. Two active bookings of one resource never overlap."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from deskwerk.spaces.models import Floor, Resource
from deskwerk.tenancy.models import TenantOwned


class Booking(TenantOwned):
    """A resource held for a person over a half-open UTC interval [starts_at, ends_at)."""

    class State(models.TextChoices):
        CONFIRMED = "confirmed", "confirmed"
        CHECKED_IN = "checked_in", "checked in"
        COMPLETED = "completed", "completed"
        CANCELLED = "cancelled", "cancelled"
        RELEASED = "released", "released"

    # States that hold the resource. Kept in step with the PostgreSQL exclusion constraint.
    ACTIVE_STATES = (State.CONFIRMED, State.CHECKED_IN)

    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="bookings")
    # Copied from the resource so availability range-scans one index per floor.
    floor = models.ForeignKey(Floor, on_delete=models.PROTECT, related_name="+")
    # Both links are cut (NULL) when the booking is pseudonymised; person_pseudonym remains.
    booked_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="bookings",
        null=True,
        blank=True,
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    person_pseudonym = models.CharField(max_length=40, blank=True, default="", db_default="")
    pseudonymised_at = models.DateTimeField(null=True, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    state = models.CharField(max_length=20, choices=State.choices, default=State.CONFIRMED)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="booking_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "floor", "starts_at"], name="booking_floor_start_idx"),
            models.Index(fields=["tenant", "resource", "starts_at"], name="booking_res_start_idx"),
            models.Index(
                fields=["tenant", "booked_for", "starts_at"], name="booking_for_start_idx"
            ),
            # Pseudonymisation finds due bookings here; small, it holds only linked ones.
            models.Index(
                fields=["tenant", "ends_at"],
                condition=models.Q(pseudonymised_at__isnull=True),
                name="booking_linked_end_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource_id} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES
