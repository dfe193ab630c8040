"""Which rows are a tenant's, for every model: read from the foreign keys, not listed by hand.

A model is the tenant's data when it has a foreign key to ``Tenant`` or reaches one through
other foreign keys (``mfa.Authenticator`` → ``accounts.User`` → ``Tenant``). Export, deletion
and the verification scan all use this one answer, so a model added later is covered by all
three without an edit here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.db import models

from deskwerk.tenancy.models import Tenant

# The operator's own record of offboardings: never a customer's data.
OWN_APP = "offboarding"
MAX_DEPTH = 4


def tenant_lookup(model: type[models.Model], depth: int = 0) -> str | None:
    """The ORM lookup naming a row's tenant id (``tenant_id``, ``user__tenant_id``…), or None
    when the model holds no tenant's rows. A direct tenant key wins over a path."""
    if model is Tenant:
        return "pk"
    relations = [f for f in model._meta.concrete_fields if f.many_to_one]
    for f in relations:
        if f.related_model is Tenant:
            return f.attname
    if depth >= MAX_DEPTH:
        return None
    for f in relations:
        related = f.related_model
        if related is None or related is model or isinstance(related, str):
            continue
        inner = tenant_lookup(related, depth + 1)
        if inner is not None:
            return f"{f.name}__{inner}"
    return None


def tenant_models() -> list[tuple[type[models.Model], str]]:
    """Every model holding tenants' rows with its lookup, the offboarding app's own left out,
    in deletion order: a model before every model it points to."""
    found = {
        model: lookup
        for model in apps.get_models()
        if model is not Tenant
        and model._meta.app_label != OWN_APP
        and (lookup := tenant_lookup(model)) is not None
    }
    return [(m, found[m]) for m in _deletion_order(list(found))]


def _deletion_order(items: list[type[models.Model]]) -> list[type[models.Model]]:
    """Referencing models first (a booking before its resource); stable by label otherwise."""
    items = sorted(items, key=lambda m: m._meta.label)
    inside = set(items)
    points_to = {
        m: {
            f.related_model
            for f in m._meta.concrete_fields
            if f.many_to_one and f.related_model in inside and f.related_model is not m
        }
        for m in items
    }
    referenced_by: dict[Any, set[Any]] = {m: set() for m in items}
    for m, targets in points_to.items():
        for t in targets:
            referenced_by[t].add(m)
    ordered: list[type[models.Model]] = []
    done: set[Any] = set()
    while len(ordered) < len(items):
        ready = [m for m in items if m not in done and referenced_by[m] <= done]
        if not ready:  # a cycle: the retry loop of the deletion sorts it out
            ready = [m for m in items if m not in done][:1]
        for m in ready:
            ordered.append(m)
            done.add(m)
    return ordered


def tenant_rows(model: type[models.Model], lookup: str, tenant_id: int) -> models.QuerySet[Any]:
    """The tenant's rows of ``model``, past any tenant scoping (explicit: we name the tenant)."""
    return model._base_manager.filter(**{lookup: tenant_id})


def file_fields(model: type[models.Model]) -> Iterator[models.FileField]:
    for f in model._meta.concrete_fields:
        if isinstance(f, models.FileField):
            yield f
