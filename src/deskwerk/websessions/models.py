"""Server-side sessions: only a hash of the cookie, and the data encrypted (Annex 1 I.7)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from deskwerk.tenancy.models import Tenant


def new_public_id() -> int:
    """Random, not the row's sequence: ids say nothing about how many sessions exist. Below
    2**53, so JSON clients read it exactly."""
    return secrets.randbelow(2**53 - 1) + 1


class WebSession(models.Model):
    """One signed-in (or about to sign in) browser.

    ``key_hash`` is the SHA-256 of the cookie value: a copy of the table yields no live
    cookie. ``public_id`` names the session in the API (never the key). ``data`` is
    AES-256-GCM ciphertext under the data key ``key_id``, bound to ``key_hash``.
    Not tenant-owned: a session exists before anyone signs in; ``tenant`` and ``user`` are
    set at sign-in.
    """

    public_id = models.BigIntegerField(unique=True, default=new_public_id)
    key_hash = models.CharField(max_length=64, unique=True)
    tenant = models.ForeignKey(
        Tenant, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField()
    last_activity = models.DateTimeField()
    expires_at = models.DateTimeField()
    device = models.CharField(max_length=60, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    key_id = models.CharField(max_length=16)
    data = models.BinaryField()

    class Meta:
        indexes = [
            models.Index(fields=["expires_at"], name="websession_expires_idx"),
            models.Index(fields=["last_activity"], name="websession_activity_idx"),
        ]

    def __str__(self) -> str:
        return str(self.public_id)
