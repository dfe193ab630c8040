"""URLs of tenant pages, from inside or outside a request."""

from __future__ import annotations

import re
from typing import Any

from django.urls import get_script_prefix, reverse, set_script_prefix

from deskwerk.tenancy.models import Tenant

TENANT_URLCONF = "deskwerk.web.tenant_urls"
# "/t/<slug>/": the part of a path that names the tenant (slugs as ``Tenant.slug`` allows).
TENANT_PATH = re.compile(r"^/t/(?P<slug>[-a-zA-Z0-9_]+)(?P<rest>/.*)$")
_TENANT_SUFFIX = re.compile(r"t/[-a-zA-Z0-9_]+/$")


def base_prefix() -> str:
    """The installation's own script prefix, without the tenant part a request may have added."""
    return _TENANT_SUFFIX.sub("", get_script_prefix())


def tenant_prefix(tenant: Tenant) -> str:
    """The path every page of ``tenant`` lives under, with a trailing slash."""
    return f"/t/{tenant.slug}/"


def tenant_reverse(tenant: Tenant, viewname: str, **kwargs: Any) -> str:
    """``reverse()`` for a page of ``tenant``, also from a worker or another tenant's request."""
    previous = get_script_prefix()
    set_script_prefix(base_prefix().rstrip("/") + tenant_prefix(tenant))
    try:
        return reverse(viewname, urlconf=TENANT_URLCONF, kwargs=kwargs or None)
    finally:
        set_script_prefix(previous)
