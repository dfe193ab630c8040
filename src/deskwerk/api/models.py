"""Stored answers to idempotent requests, so a retried POST never acts twice."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from deskwerk.tenancy.models import TenantOwned


class IdempotencyKey(TenantOwned):
    """The first response to a request carrying ``Idempotency-Key``, per tenant and caller."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "tenant", "user", "key", name="idempotency_tenant_user_key_uniq"
            ),
        ]
