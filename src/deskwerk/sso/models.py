"""A tenant's identity providers: where its people may sign in instead of a password.

One row per provider. ``protocol`` is ``oidc`` today; SAML 2.0 would add a protocol value and
its own settings (metadata URL, certificate) next to the OpenID Connect ones, reusing the
rules (domains, just-in-time accounts, group-to-role mapping) unchanged (decision 0021).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from deskwerk.tenancy.models import TenantOwned
from deskwerk.websessions import crypto


class IdentityProvider(TenantOwned):
    class Protocol(models.TextChoices):
        OIDC = "oidc", "OpenID Connect"

    # Part of the callback URL (/t/<tenant>/accounts/oidc/<provider_id>/login/callback/).
    slug = models.SlugField(max_length=40)
    protocol = models.CharField(max_length=10, choices=Protocol.choices, default=Protocol.OIDC)
    name = models.CharField(max_length=100)  # the label of the sign-in button
    issuer = models.URLField(max_length=500)
    client_id = models.CharField(max_length=255)
    # The client secret, AES-GCM under DATA_KEYS (websessions.crypto); never returned.
    secret_key_id = models.CharField(max_length=16, blank=True)
    secret_blob = models.BinaryField(blank=True, default=b"")
    allowed_domains = models.JSONField(default=list)
    jit_create = models.BooleanField(default=False)
    default_role = models.CharField(max_length=30, default="employee")
    group_claim = models.CharField(max_length=100, default="groups")
    # {"<group value from the IdP>": ["<role>", ...]}
    role_map = models.JSONField(default=dict)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint("tenant", "slug", name="identityprovider_tenant_slug_uniq"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def provider_id(self) -> str:
        """allauth's provider id: unique across tenants, so that allauth's global
        ``SocialAccount (provider, uid)`` uniqueness never joins two tenants' people."""
        return f"t{self.tenant_id}-{self.slug}"

    def _associated(self) -> bytes:
        # Bound to the tenant: a blob copied into another tenant's row does not decrypt.
        return f"deskwerk.sso.client_secret\x00{self.tenant_id}".encode()

    def set_secret(self, secret: str) -> None:
        self.secret_key_id, self.secret_blob = crypto.encrypt(secret.encode(), self._associated())

    def get_secret(self) -> str:
        """The client secret, or "" when none is set or it no longer decrypts."""
        if not self.secret_key_id:
            return ""
        plain = crypto.decrypt(self.secret_key_id, bytes(self.secret_blob), self._associated())
        return plain.decode() if plain is not None else ""

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_key_id)

    def mapped_roles(self, groups: Any) -> list[str]:
        """The roles the IdP's group claim maps to, plus the default role."""
        roles = [self.default_role] if self.default_role else []
        if isinstance(groups, str):
            groups = [groups]
        if isinstance(groups, list):
            for group in groups:
                if isinstance(group, str):
                    roles.extend(self.role_map.get(group, []))
        return sorted(set(roles))
