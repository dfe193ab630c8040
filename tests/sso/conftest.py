"""The loopback OpenID Connect provider and a helper that walks the whole sign-in flow."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client

from deskwerk.accounts.models import User
from deskwerk.sso.models import IdentityProvider
from deskwerk.sso.services import ProviderInput, provider_create
from deskwerk.tenancy.context import tenant_context
from deskwerk.tenancy.models import Tenant
from tests.sso.provider import OIDCProvider


@pytest.fixture
def idp() -> Iterator[OIDCProvider]:
    provider = OIDCProvider().start()
    yield provider
    provider.stop()


def configure(
    idp: OIDCProvider,
    owner: User,
    *,
    slug: str = "corp",
    client: tuple[str, str] | None = None,
    **fields: Any,
) -> IdentityProvider:
    """A provider of the owner's tenant pointing at the loopback IdP."""
    client_id, secret = client or idp.add_client()
    data = {
        "slug": slug,
        "name": "Corp Login",
        "issuer": idp.issuer,
        "client_id": client_id,
        "client_secret": secret,
        "allowed_domains": ["example.com"],
        "jit_create": True,
        "role_map": {"desk-people": ["receptionist"]},
        **fields,
    }
    with tenant_context(owner.tenant):
        return provider_create(actor=owner, data=ProviderInput(**data))


@dataclass
class Outcome:
    response: Any  # the callback's answer
    client: Client


def login_start_url(tenant: Tenant, provider: IdentityProvider) -> str:
    return f"/t/{tenant.slug}/accounts/oidc/{provider.provider_id}/login/"


def sso_login(tenant: Tenant, provider: IdentityProvider, client: Client | None = None) -> Outcome:
    """Browser steps with the Django test client, the IdP over real HTTP with ``requests``."""
    client = client or Client()
    start = client.post(login_start_url(tenant, provider))
    assert start.status_code == 302, (start.status_code, start.content[:300])
    authorize = start["Location"]
    assert authorize.startswith(provider.issuer + "/authorize?"), authorize
    at_idp = requests.get(authorize, allow_redirects=False, timeout=10)
    assert at_idp.status_code == 302, at_idp.text
    back = urlsplit(at_idp.headers["Location"])
    assert back.netloc == "testserver", back
    response = client.get(f"{back.path}?{back.query}")
    return Outcome(response, client)


def signed_in_as(client: Client) -> dict[str, Any] | None:
    """Who the browser is signed in as, according to the API (None: nobody)."""
    response = client.get("/api/v1/me")
    if response.status_code != 200:
        return None
    data: dict[str, Any] = response.json()
    return data
