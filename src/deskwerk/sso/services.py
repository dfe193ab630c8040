"""Configuring a tenant's identity providers (owners only, audited).

The client secret is write-only: it is encrypted on the way in and never handed out again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from deskwerk.access.roles import ADMIN_ROLES, ROLES, require_permission
from deskwerk.accounts.models import User
from deskwerk.audit.services import audit_record
from deskwerk.core.errors import Conflict, InvalidInput, NotFound
from deskwerk.sso.models import IdentityProvider
from deskwerk.tenancy.services import assert_same_tenant

PERMISSION = "tenant.settings"
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
CLAIM_RE = re.compile(r"^[A-Za-z0-9_:/.\-]{1,100}$")
MAX_DOMAINS = 50
MAX_GROUPS = 200
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class ProviderInput:
    """Fields of a create or update; ``None`` leaves a field alone on update."""

    slug: str | None = None
    name: str | None = None
    issuer: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    allowed_domains: list[str] | None = None
    jit_create: bool | None = None
    default_role: str | None = None
    group_claim: str | None = None
    role_map: dict[str, list[str]] | None = None
    enabled: bool | None = None


def _issuer(value: str) -> str:
    """An https URL without query or fragment; plain http only for loopback outside production
    (the test provider), because the discovery document and keys must not be spoofable."""
    value = value.strip().rstrip("/")
    try:
        URLValidator(schemes=["https", "http"])(value)
    except ValidationError as exc:
        raise InvalidInput(
            "the issuer must be an https URL without query or fragment", code="invalid_issuer"
        ) from exc
    parts = urlsplit(value)
    loopback = parts.hostname in LOOPBACK_HOSTS and not settings.PRODUCTION
    if (
        parts.scheme not in ("https", "http")
        or (parts.scheme == "http" and not loopback)
        or not parts.hostname
        or parts.query
        or parts.fragment
        or parts.username
        or len(value) > 500
    ):
        raise InvalidInput(
            "the issuer must be an https URL without query or fragment", code="invalid_issuer"
        )
    return value


def _domains(values: list[str]) -> list[str]:
    if len(values) > MAX_DOMAINS:
        raise InvalidInput(f"at most {MAX_DOMAINS} domains", code="invalid_domain")
    out = []
    for value in values:
        domain = value.strip().lower().lstrip("@")
        if not DOMAIN_RE.match(domain):
            raise InvalidInput(f"{value!r} is not a domain name", code="invalid_domain")
        out.append(domain)
    return sorted(set(out))


def _role(value: str, *, default: bool) -> str:
    if value not in ROLES:
        raise InvalidInput(f"unknown role {value!r}", code="invalid_role")
    if default and value in ADMIN_ROLES:
        raise InvalidInput(
            "the default role of single sign-on cannot be an administrative role",
            code="invalid_role",
        )
    return value


def _role_map(value: dict[str, list[str]]) -> dict[str, list[str]]:
    if len(value) > MAX_GROUPS:
        raise InvalidInput(f"at most {MAX_GROUPS} groups", code="invalid_role_map")
    out = {}
    for group, roles in value.items():
        if not group.strip() or len(group) > 200 or not isinstance(roles, list) or not roles:
            raise InvalidInput(
                "each group maps to a non-empty list of roles", code="invalid_role_map"
            )
        out[group] = sorted({_role(r, default=False) for r in roles})
    return out


def _text(value: str, field: str, max_length: int) -> str:
    value = value.strip()
    if not value or len(value) > max_length:
        raise InvalidInput(f"{field} must have 1 to {max_length} characters")
    return value


def _apply(provider: IdentityProvider, data: ProviderInput) -> list[str]:
    """Validate and set the given fields; the names of the fields that changed."""
    changed: list[str] = []

    def put(field: str, value: Any) -> None:
        if getattr(provider, field) != value:
            setattr(provider, field, value)
            changed.append(field)

    if data.slug is not None:
        if not SLUG_RE.match(data.slug):
            raise InvalidInput(
                "slug: lower-case letters, digits and hyphens, at most 40", code="invalid_slug"
            )
        put("slug", data.slug)
    if data.name is not None:
        put("name", _text(data.name, "name", 100))
    if data.issuer is not None:
        put("issuer", _issuer(data.issuer))
    if data.client_id is not None:
        put("client_id", _text(data.client_id, "client_id", 255))
    if data.client_secret is not None:
        provider.set_secret(_text(data.client_secret, "client_secret", 1000))
        changed.append("client_secret")
    if data.allowed_domains is not None:
        put("allowed_domains", _domains(data.allowed_domains))
    if data.jit_create is not None:
        put("jit_create", data.jit_create)
    if data.default_role is not None:
        put("default_role", _role(data.default_role, default=True))
    if data.group_claim is not None:
        if not CLAIM_RE.match(data.group_claim):
            raise InvalidInput("group_claim is not a claim name", code="invalid_claim")
        put("group_claim", data.group_claim)
    if data.role_map is not None:
        put("role_map", _role_map(data.role_map))
    if data.enabled is not None:
        put("enabled", data.enabled)
    return changed


def _save(provider: IdentityProvider) -> None:
    try:
        with transaction.atomic():
            provider.save()
    except IntegrityError as exc:
        raise Conflict(
            "the tenant has an identity provider with that slug", code="sso_provider_exists"
        ) from exc


def provider_create(*, actor: User, data: ProviderInput) -> IdentityProvider:
    """A new identity provider of the actor's tenant (owners)."""
    require_permission(actor, PERMISSION)
    for field in ("slug", "name", "issuer", "client_id", "client_secret"):
        if getattr(data, field) is None:
            raise InvalidInput(f"{field} is required")
    provider = IdentityProvider(tenant=actor.tenant)
    changed = _apply(provider, data)
    if not provider.allowed_domains:
        raise InvalidInput("name at least one allowed e-mail domain", code="invalid_domain")
    with transaction.atomic():
        _save(provider)
        audit_record(
            tenant=actor.tenant,
            actor=actor,
            action="sso.provider_create",
            obj=provider,
            changed_fields=changed,
        )
    return provider


def provider_update(
    *, actor: User, provider: IdentityProvider, data: ProviderInput
) -> IdentityProvider:
    """Change the given fields (owners); audited with the field names, never the values."""
    assert_same_tenant(actor.tenant, provider)
    require_permission(actor, PERMISSION)
    with transaction.atomic():
        provider = IdentityProvider.unscoped.select_for_update().get(pk=provider.pk)
        changed = _apply(provider, data)
        if not provider.allowed_domains:
            raise InvalidInput("name at least one allowed e-mail domain", code="invalid_domain")
        if changed:
            provider.updated_at = timezone.now()
            _save(provider)
            if "issuer" in changed:
                # Subjects are unique per issuer only: another issuer's "sub" may name someone
                # else. The links end; people link again by verified e-mail (or just in time).
                _unlink(provider)
            audit_record(
                tenant=actor.tenant,
                actor=actor,
                action="sso.provider_update",
                obj=provider,
                changed_fields=changed,
            )
    return provider


def _unlink(provider: IdentityProvider) -> int:
    from allauth.socialaccount.models import SocialAccount

    deleted, _ = SocialAccount.objects.filter(
        provider=provider.provider_id, user__tenant_id=provider.tenant_id
    ).delete()
    return deleted


def provider_delete(*, actor: User, provider: IdentityProvider) -> None:
    """Remove a provider (owners). Its people keep their accounts; their links to it end."""
    assert_same_tenant(actor.tenant, provider)
    require_permission(actor, PERMISSION)
    with transaction.atomic():
        _unlink(provider)
        audit_record(tenant=actor.tenant, actor=actor, action="sso.provider_delete", obj=provider)
        provider.delete()


def providers_of_tenant(*, actor: User) -> list[IdentityProvider]:
    require_permission(actor, PERMISSION)
    return list(IdentityProvider.unscoped.filter(tenant_id=actor.tenant_id).order_by("slug"))


def provider_get(provider_id: int) -> IdentityProvider:
    """A provider of the bound tenant, or 404."""
    provider = IdentityProvider.objects.filter(pk=provider_id).first()
    if provider is None:
        raise NotFound("identity provider not found")
    return provider


def secrets_reencrypt() -> tuple[int, int]:
    """Key rotation: re-encrypt every client secret under the newest data key (all tenants).

    Returns (re-encrypted, unreadable). An unreadable secret (its key was dropped) is left as
    it is and must be entered again; sign-in with that provider fails until then.
    """
    from deskwerk.websessions.crypto import newest_key_id

    newest = newest_key_id()
    moved = unreadable = 0
    for pk in IdentityProvider.unscoped.exclude(secret_key_id=newest).values_list("pk", flat=True):
        with transaction.atomic():
            row = IdentityProvider.unscoped.select_for_update().get(pk=pk)
            if not row.secret_key_id or row.secret_key_id == newest:
                continue
            secret = row.get_secret()
            if not secret:
                unreadable += 1
                continue
            row.set_secret(secret)
            row.save(update_fields=["secret_key_id", "secret_blob"])
            moved += 1
    return moved, unreadable
