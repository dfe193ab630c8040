"""Fail-closed tenant scoping for querysets."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

from deskwerk.tenancy.context import current_tenant

M = TypeVar("M", bound=models.Model)


class TenantScopedManager(models.Manager[M]):
    """Default manager of tenant-owned models: every queryset is filtered by the bound tenant.

    Querying without a bound tenant raises ``TenantNotBound`` instead of returning every
    tenant's rows. Code that legitimately works across tenants (migrations of data, operator
    jobs) uses the model's ``unscoped`` manager and names the tenant itself.
    """

    def get_queryset(self) -> models.QuerySet[M]:
        return super().get_queryset().filter(tenant=current_tenant())

    def create(self, **kwargs: Any) -> M:
        kwargs.setdefault("tenant", current_tenant())
        return super().create(**kwargs)
