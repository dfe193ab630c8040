"""Support access on instruction and the instruction register (DPA § 7).

A ``SupportGrant`` is the tenant's documented instruction that named operator staff may act on
its data for a stated purpose, for a bounded time (decision 0024). An ``Instruction`` is any
other documented instruction of the tenant; its ``InstructionEvent`` rows are its history and
are never changed once written.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from deskwerk.accounts.models import User
from deskwerk.processor.models import AuthorisedPerson
from deskwerk.tenancy.models import TenantOwned


class SupportGrant(TenantOwned):
    """Time-boxed access of named operator staff to the tenant's data (DPA § 7 (1)).

    Live while ``starts_at <= now < ends_at`` and not revoked: checked by time at every request,
    so an expired grant stops working at once; ``expired_at`` is set later by the worker only to
    record the fact.
    """

    class Level(models.TextChoices):
        READ = "read", "read"
        READ_WRITE = "read_write", "read and write"

    purpose = models.TextField()
    level = models.CharField(max_length=20, choices=Level.choices, default=Level.READ)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    granted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expired_at = models.DateTimeField(null=True, blank=True)  # recorded by the worker

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["tenant", "ends_at"], name="support_grant_tenant_end")]

    def __str__(self) -> str:
        return f"support grant {self.pk} ({self.level})"

    def state(self, now: object = None) -> str:
        """``active``, ``revoked`` or ``expired`` as of ``now`` (default: this moment)."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return "revoked"
        if now >= self.ends_at:  # type: ignore[operator]
            return "expired"
        return "active"


class SupportGrantStaff(TenantOwned):
    """One staff member of the operator (an account of the operator tenant) named in a grant.

    ``tenant`` is the tenant that granted access, not the staff member's own tenant.
    """

    grant = models.ForeignKey(SupportGrant, on_delete=models.CASCADE, related_name="staff_links")
    staff = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "grant", "staff"], name="support_staff_uniq")
        ]
        indexes = [models.Index(fields=["staff", "grant"], name="support_staff_lookup")]

    def __str__(self) -> str:
        return f"grant {self.grant_id}: operator account {self.staff_id}"


class Instruction(TenantOwned):
    """A documented instruction of the tenant to the operator (DPA § 7 (1), (4), (5))."""

    class Status(models.TextChoices):
        IN_FORCE = "in_force", "in force"
        AWAITING = "awaiting_confirmation", "awaiting text confirmation"
        SUSPENDED = "suspended", "suspended"
        WITHDRAWN = "withdrawn", "withdrawn"

    class Channel(models.TextChoices):
        IN_APP = "in_app", "in the app"
        WRITTEN = "written", "in writing"
        EMAIL = "email", "by e-mail"
        ORAL = "oral", "orally"
        PHONE = "phone", "by phone"

    # Channels that are not text form: the tenant must confirm them in text form (§ 7 (5)).
    SPOKEN = frozenset({Channel.ORAL, Channel.PHONE})

    text = models.TextField()  # the current version
    version = models.PositiveIntegerField(default=1)
    given_on = models.DateField()
    channel = models.CharField(max_length=20, choices=Channel.choices)
    # Who gave it: a named authorised person, or (none named) a system admin (§ 6 (4)).
    given_by_person = models.ForeignKey(
        AuthorisedPerson, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    given_by_user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    given_by_name = models.CharField(max_length=200)  # as it was when recorded
    recorded_by_operator = models.BooleanField(default=False)
    status = models.CharField(max_length=30, choices=Status.choices)
    flag_reason = models.TextField(blank=True)  # the operator's concern while suspended
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"instruction {self.pk} v{self.version} ({self.status})"


class InstructionEvent(TenantOwned):
    """One step in an instruction's life; written once, never updated."""

    class Action(models.TextChoices):
        RECORDED = "recorded", "recorded"
        CONFIRMED = "confirmed", "confirmed in text form"
        FLAGGED = "flagged", "flagged as possibly unlawful"
        AMENDED = "amended", "amended"
        WITHDRAWN = "withdrawn", "withdrawn"

    instruction = models.ForeignKey(Instruction, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by_operator = models.BooleanField(default=False)
    version = models.PositiveIntegerField()
    text = models.TextField(blank=True)  # the version's text (recorded, amended)
    note = models.TextField(blank=True)  # the flag's reason, a withdrawal's note
    status_after = models.CharField(max_length=30, choices=Instruction.Status.choices)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.action} instruction {self.instruction_id}"
