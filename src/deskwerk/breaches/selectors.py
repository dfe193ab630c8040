"""Reads of breaches: per tenant (its own view, the compliance report) and for operator staff."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from deskwerk.breaches.models import Breach, BreachNotice, BreachTenant
from deskwerk.tenancy.models import Tenant


@dataclass(frozen=True)
class BreachSummary:
    """One breach as a tenant (or its compliance report) sees it."""

    id: int
    kind: str  # "breach" | "suspected"
    became_known_at: dt.datetime
    deadline: dt.datetime  # became_known_at + 24 h (DPA § 12 (1))
    status: str  # "draft" | "complete" | "closed"
    notified_at: dt.datetime | None  # first notice to this tenant
    phases: int  # notices sent to this tenant
    missing: list[str] = field(default_factory=list)  # Art. 33 (3) contents still to follow


def breaches_for_tenant(tenant: Tenant) -> list[BreachSummary]:
    """The breaches concerning ``tenant``, newest first (unscoped: callers name the tenant)."""
    links = (
        BreachTenant.unscoped.filter(tenant=tenant)
        .select_related("breach")
        .order_by("-breach__became_known_at", "-breach_id")
    )
    phases: dict[int, int] = {}
    for breach_id in BreachNotice.unscoped.filter(tenant=tenant).values_list(
        "breach_id", flat=True
    ):
        phases[breach_id] = phases.get(breach_id, 0) + 1
    return [
        BreachSummary(
            id=link.breach.pk,
            kind=link.breach.kind,
            became_known_at=link.breach.became_known_at,
            deadline=link.breach.deadline,
            status=link.breach.status,
            notified_at=link.first_notified_at,
            phases=phases.get(link.breach.pk, 0),
            missing=link.breach.missing,
        )
        for link in links
    ]


def breaches_all() -> list[Breach]:
    """Every breach, newest first, for operator staff."""
    return list(Breach.objects.order_by("-became_known_at", "-pk"))
