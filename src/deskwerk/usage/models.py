"""One row per authenticated request: the least that tells how the product is used."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from deskwerk.tenancy.models import Tenant, TenantOwned


class UsageEvent(TenantOwned):
    """An authenticated request: when, which page or API operation, how it ended, from what.

    Never the full path (it holds ids) or the query string, never a full IP address, never the
    raw user agent. After the tenant's pseudonymisation deadline ``user`` is cut and
    ``person_pseudonym`` stays; after the usage retention the row is deleted.
    """

    # No index of its own: every query names the tenant and a time, served by the two below.
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+", db_index=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
    )
    person_pseudonym = models.CharField(max_length=40, blank=True, default="")
    pseudonymised_at = models.DateTimeField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)
    # The URL pattern's name ("web:home") or the API operation id ("booking_list").
    route = models.CharField(max_length=100)
    method = models.CharField(max_length=8)
    status = models.PositiveSmallIntegerField()
    # A short family such as "Firefox 132 / Linux", never the raw header.
    user_agent = models.CharField(max_length=60, blank=True, default="")
    # Truncated: IPv4 /24, IPv6 /48.
    ip = models.CharField(max_length=45, blank=True, default="")

    class Meta:
        indexes = [
            # Retention purge and reports.
            models.Index(fields=["tenant", "at"], name="usage_tenant_at_idx"),
            # Pseudonymisation: only rows still linked to a person.
            models.Index(
                fields=["tenant", "at"],
                condition=models.Q(pseudonymised_at__isnull=True),
                name="usage_linked_at_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.method} {self.route} {self.status}"
