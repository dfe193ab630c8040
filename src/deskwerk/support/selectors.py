"""Reads of the support app: grants and instructions for the tenant, the staff member and
the operator, and the instruction history."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from deskwerk.accounts.models import User
from deskwerk.processor.selectors import operator_staff, operator_tenant
from deskwerk.support.models import Instruction, InstructionEvent, SupportGrant, SupportGrantStaff


def _with_staff(qs: QuerySet[SupportGrant]) -> QuerySet[SupportGrant]:
    return qs.prefetch_related(
        Prefetch("staff_links", queryset=SupportGrantStaff.unscoped.select_related("staff"))
    )


def tenant_grants() -> list[SupportGrant]:
    """The bound tenant's grants, newest first, with the staff they name."""
    return list(_with_staff(SupportGrant.objects.order_by("-created_at", "-pk")))


def staff_grants(staff: User) -> list[SupportGrant]:
    """Every grant of every tenant that names ``staff``, newest first (for the staff member)."""
    return list(
        SupportGrant.unscoped.filter(staff_links__staff=staff)
        .select_related("tenant")
        .order_by("-starts_at", "-pk")
        .distinct()
    )


def support_staff() -> list[User]:
    """Whom a tenant may name in a grant: the operator's staff."""
    tenant = operator_tenant()
    return operator_staff(tenant) if tenant is not None else []


def _with_events(qs: QuerySet[Instruction]) -> QuerySet[Instruction]:
    return qs.prefetch_related(
        Prefetch("events", queryset=InstructionEvent.unscoped.order_by("at", "pk"))
    )


def tenant_instructions() -> list[Instruction]:
    """The bound tenant's instructions, newest first, each with its history."""
    return list(_with_events(Instruction.objects.order_by("-created_at", "-pk")))


def all_instructions() -> list[Instruction]:
    """Every tenant's instructions for the operator, those needing attention first."""
    order = {"awaiting_confirmation": 0, "suspended": 1, "in_force": 2, "withdrawn": 3}
    rows = list(_with_events(Instruction.unscoped.select_related("tenant")))
    rows.sort(key=lambda i: (order.get(i.status, 9), -i.created_at.timestamp(), -i.pk))
    return rows


def _prefetched(obj: object, name: str) -> list[Any] | None:
    cache = getattr(obj, "_prefetched_objects_cache", {})
    return list(cache[name]) if name in cache else None


def instruction_history(instruction: Instruction) -> list[InstructionEvent]:
    """Oldest first; from the prefetch of the lists, else one query (whatever tenant is bound)."""
    events = _prefetched(instruction, "events")
    if events is not None:
        return events
    return list(InstructionEvent.unscoped.filter(instruction=instruction).order_by("at", "pk"))


def grant_staff(grant: SupportGrant) -> list[User]:
    """The staff a grant names (accounts deleted since are left out)."""
    links = _prefetched(grant, "staff_links")
    if links is None:
        links = list(SupportGrantStaff.unscoped.filter(grant=grant).select_related("staff"))
    return [link.staff for link in links if link.staff is not None]
