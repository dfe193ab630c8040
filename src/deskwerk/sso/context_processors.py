"""``sso_buttons`` for the tenant's sign-in page: one per enabled identity provider.

Lazy, so pages that do not show the buttons cost no query. A page that does show them lets
its forms be redirected to those providers: the button posts to us, we answer with a redirect
to the IdP, and browsers apply the page's CSP ``form-action`` to that redirect too. The
providers' origins go to ``request.csp_form_action`` for ``ContentSecurityPolicyMiddleware``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from deskwerk.sso.models import IdentityProvider
from deskwerk.tenancy.urls import tenant_reverse

ORIGIN_RE = re.compile(r"^https?://[A-Za-z0-9.\-]+(?::[0-9]{1,5})?$")


def origin(url: str) -> str | None:
    """scheme://host[:port] of an issuer, or None if it is anything a CSP could trip over."""
    parts = urlsplit(url)
    value = f"{parts.scheme}://{parts.netloc}"
    return value if ORIGIN_RE.match(value) else None


def _buttons(request: HttpRequest, tenant: Any) -> list[dict[str, str]]:
    rows = list(
        IdentityProvider.unscoped.filter(tenant=tenant, enabled=True).order_by("name", "slug")
    )
    origins = {origin(row.issuer) for row in rows} - {None}
    request.csp_form_action = sorted(origins)  # type: ignore[attr-defined]
    return [
        {
            "name": row.name,
            "url": tenant_reverse(tenant, "openid_connect_login", provider_id=row.provider_id),
        }
        for row in rows
    ]


def sso(request: HttpRequest) -> dict[str, Any]:
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return {}
    return {"sso_buttons": SimpleLazyObject(lambda: _buttons(request, tenant))}
