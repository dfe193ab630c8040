"""Credentials for the API: personal tokens, stored only as hashes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from deskwerk.tenancy.models import TenantOwned


class ApiToken(TenantOwned):
    """A personal or tenant service token. The secret is shown once; only its SHA-256 is kept.

    Personal tokens act as their ``user``; service tokens have no user and act as a
    ``ServicePrincipal`` with exactly the permissions their scopes imply.
    """

    class Kind(models.TextChoices):
        PERSONAL = "personal", "personal"
        SERVICE = "service", "tenant service token"

    # Null for service tokens (they belong to the tenant).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PERSONAL)
    # Who issued it (for service tokens: the person accountable); kept when they leave.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="personal", user__isnull=False)
                | models.Q(kind="service", user__isnull=True),
                name="apitoken_kind_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


class RoleGrant(TenantOwned):
    """One grant of one role to one person: the source of truth for what a person may do.

    Rows are never deleted by the role services (revoked, rejected and expired grants stay), so
    the role report can tell who held which role when, granted and approved by whom.
    """

    class State(models.TextChoices):
        PENDING = "pending", "waiting for a second person's approval"
        ACTIVE = "active", "active"
        REVOKED = "revoked", "revoked"
        EXPIRED = "expired", "expired"
        REJECTED = "rejected", "rejected"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=30)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    # Null: granted by the system (migration, account creation, single sign-on).
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    activated_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    warning = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "user", "state"], name="rolegrant_user_state")]

    def __str__(self) -> str:
        return f"{self.role} ({self.state})"


class RateLimitCounter(models.Model):
    """Requests of one caller (token or session user) in one fixed window.

    Incremented by one ``INSERT … ON CONFLICT … DO UPDATE … RETURNING`` per API request, so all
    worker processes share the count. Rows of past windows are deleted when a caller's next
    window starts.
    """

    bucket = models.CharField(max_length=40)
    window_start = models.BigIntegerField()
    hits = models.IntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["bucket", "window_start"], name="ratelimit_bucket_window"
            )
        ]

    def __str__(self) -> str:
        return f"{self.bucket}@{self.window_start}: {self.hits}"
