"""People: one account per person per tenant, as Zulip keeps one per realm."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from deskwerk.tenancy.context import current_tenant
from deskwerk.tenancy.models import Tenant, TenantOwned


class TenantUserManager(BaseUserManager["User"]):
    """Scoped like every tenant-owned manager: no tenant bound, no query."""

    def get_queryset(self) -> models.QuerySet[User]:
        return super().get_queryset().filter(tenant=current_tenant())


class User(AbstractBaseUser):
    """An account inside exactly one tenant. The same e-mail in two tenants is two accounts."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    email = models.EmailField(max_length=254)
    full_name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    # Restriction of processing (GDPR Art. 18, "Sperrung"): kept, but not processed further.
    restricted_at = models.DateTimeField(null=True, blank=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # When the password was last set; a tenant's maximum password age counts from here.
    password_changed_at = models.DateTimeField(null=True, blank=True)
    # Language of pages and e-mails ("de", "en"); empty: follow the browser.
    language = models.CharField(max_length=8, blank=True, default="")

    objects: ClassVar[TenantUserManager] = TenantUserManager()
    unscoped: ClassVar[models.Manager[Any]] = models.Manager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["full_name"]

    class Meta:
        constraints = [
            models.UniqueConstraint("tenant", Lower("email"), name="user_tenant_email_uniq"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)


class ContactDetails(TenantOwned):
    """Contact data, kept apart from the account and other personal data (Annex 1 I.6)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="contact")
    phone = models.CharField(max_length=40, blank=True)
    mobile = models.CharField(max_length=40, blank=True)
    org_unit = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("tenant", "user", name="contact_tenant_user_uniq"),
        ]


class Membership(TenantOwned):
    """A person's standing in their tenant: the role that decides what they may do.

    Kept apart from the account so that roles can grow (issue: identity and access) without
    touching authentication.
    """

    class Role(models.TextChoices):
        ADMIN = "admin", "administrator"
        MEMBER = "member", "member"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("tenant", "user", name="membership_tenant_user_uniq"),
        ]

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


class LoginCounter(TenantOwned):
    """Failed sign-ins of one account (by e-mail, known or not) or one IP address, in a window.

    In the database so every web worker sees the same count. ``key`` is a keyed hash (HMAC
    with ``SECRET_KEY``) of the e-mail address or of the full IP address: neither is stored in
    clear, and rows are purged once their window and lockout are over.
    """

    class Kind(models.TextChoices):
        ACCOUNT = "account", "account"
        IP = "ip", "IP address"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=64)
    # The account the e-mail belongs to, when there is one (for the notice and for erasure).
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "tenant", "kind", "key", name="logincounter_tenant_kind_key_uniq"
            ),
        ]


def _invitation_expiry() -> Any:
    import datetime as dt

    return timezone.now() + dt.timedelta(days=7)


class Invitation(TenantOwned):
    """An administrator's invitation to join the tenant (there is no open sign-up).

    Only a SHA-256 hash of the link's secret is stored: the link itself exists in the e-mail
    alone. Usable once, until ``expires_at``, unless revoked.
    """

    email = models.EmailField(max_length=254)
    full_name = models.CharField(max_length=200, blank=True)
    role = models.CharField(
        max_length=20, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    language = models.CharField(max_length=5, default="en")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    # The account the invitation became; kept for the record until the person is erased.
    account = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "email"], name="invitation_tenant_email")]

    def __str__(self) -> str:
        return f"invitation for {self.email}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def state(self) -> str:
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"
