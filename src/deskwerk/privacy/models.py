"""Per-tenant secrets for keyed pseudonyms."""

from __future__ import annotations

import secrets

from django.db import models

from deskwerk.tenancy.models import TenantOwned


def new_secret() -> bytes:
    return secrets.token_bytes(32)


class PseudonymSecret(TenantOwned):
    """The tenant's HMAC key for pseudonyms. Destroying it makes pseudonyms irreversible."""

    key = models.BinaryField(default=new_secret)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint("tenant", name="pseudonym_secret_tenant_uniq")]
