"""Keyed pseudonyms: the same person always maps to the same token within a tenant."""

from __future__ import annotations

import hashlib
import hmac

from django.db import IntegrityError, transaction

from deskwerk.privacy.models import PseudonymSecret
from deskwerk.tenancy.models import Tenant

PREFIX = "psn_"


def tenant_secret(tenant: Tenant) -> bytes:
    """The tenant's pseudonym key, created on first use."""
    row = PseudonymSecret.unscoped.filter(tenant=tenant).first()
    if row is None:
        try:
            with transaction.atomic():
                row = PseudonymSecret.unscoped.create(tenant=tenant)
        except IntegrityError:
            row = PseudonymSecret.unscoped.get(tenant=tenant)
    return bytes(row.key)


def person_pseudonym(tenant: Tenant, user_id: int, *, secret: bytes | None = None) -> str:
    """HMAC-SHA256 of the person's id under the tenant's key, shortened to 96 bits."""
    key = secret if secret is not None else tenant_secret(tenant)
    digest = hmac.new(key, f"person:{user_id}".encode(), hashlib.sha256).hexdigest()
    return PREFIX + digest[:24]
