"""Reads of the processor app: who receives notices, the operator's view of tenants (metadata
only), the subprocessor list and its history."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from deskwerk.access.models import RoleGrant
from deskwerk.access.roles import OPERATOR_ADMIN, OWNER
from deskwerk.accounts.lockout import GERMAN_ZONES
from deskwerk.accounts.models import User
from deskwerk.processor.models import AuthorisedPerson, Objection, Subprocessor, SubprocessorChange
from deskwerk.spaces.models import Resource
from deskwerk.tenancy.models import Tenant


def notice_language(tenant: Tenant) -> str:
    """The language of notices to a tenant: German for German-speaking time zones."""
    return "de" if tenant.default_timezone in GERMAN_ZONES else "en"


def operator_tenant() -> Tenant | None:
    return Tenant.objects.filter(kind=Tenant.Kind.OPERATOR).first()


def _live_grants(role: str) -> Q:
    now = timezone.now()
    return (
        Q(role=role, state=RoleGrant.State.ACTIVE)
        & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        & Q(user__is_active=True)
    )


def operator_staff(tenant: Tenant) -> list[User]:
    """Active accounts of the operator tenant holding a live operator role."""
    ids = RoleGrant.unscoped.filter(_live_grants(OPERATOR_ADMIN), tenant=tenant).values("user_id")
    return list(User.unscoped.filter(tenant=tenant, pk__in=ids).order_by("pk"))


@dataclass(frozen=True)
class NoticeRecipient:
    """Someone who receives the operator's notices for a tenant."""

    name: str
    email: str
    user_id: int | None
    named: bool  # a named authorised person; False: a system admin by default (§ 6 (4))


def authorised_recipients(tenant: Tenant) -> list[NoticeRecipient]:
    """Who receives every notice to the tenant: its named authorised persons, or — when none
    are named — its system administrators (DPA § 6 (4))."""
    named = list(AuthorisedPerson.unscoped.filter(tenant=tenant).order_by("last_name", "pk"))
    if named:
        return [
            NoticeRecipient(
                name=f"{p.first_name} {p.last_name}", email=p.email, user_id=p.user_id, named=True
            )
            for p in named
        ]
    ids = RoleGrant.unscoped.filter(_live_grants(OWNER), tenant=tenant).values("user_id")
    admins = User.unscoped.filter(tenant=tenant, pk__in=ids).order_by("pk")
    return [
        NoticeRecipient(name=u.full_name or u.email, email=u.email, user_id=u.pk, named=False)
        for u in admins
    ]


@dataclass(frozen=True)
class TenantOverview:
    """What operator staff see of a tenant: metadata and counts, never personal data."""

    id: int
    name: str
    slug: str
    kind: str
    status: str
    created_at: object
    people: int
    resources: int
    authorised_persons: int
    open_objections: int


def _counts(model: type, tenant_ids: list[int], **filters: object) -> dict[int, int]:
    rows = (
        model.unscoped.filter(tenant_id__in=tenant_ids, **filters)  # type: ignore[attr-defined]
        .values("tenant_id")
        .annotate(n=Count("pk"))
    )
    return {row["tenant_id"]: row["n"] for row in rows}


def tenants_overview(tenants: list[Tenant]) -> list[TenantOverview]:
    ids = [t.pk for t in tenants]
    people = _counts(User, ids, is_active=True)
    resources = _counts(Resource, ids)
    persons = _counts(AuthorisedPerson, ids)
    objections = _counts(Objection, ids, resolved_at__isnull=True)
    return [
        TenantOverview(
            id=t.pk,
            name=t.name,
            slug=t.slug,
            kind=t.kind,
            status=t.status,
            created_at=t.created_at,
            people=people.get(t.pk, 0),
            resources=resources.get(t.pk, 0),
            authorised_persons=persons.get(t.pk, 0),
            open_objections=objections.get(t.pk, 0),
        )
        for t in tenants
    ]


def subprocessors_current() -> list[Subprocessor]:
    """The subprocessors engaged or planned now (withdrawn ones are in the history)."""
    return list(
        Subprocessor.objects.exclude(status=Subprocessor.Status.WITHDRAWN).order_by(
            "status", "name", "pk"
        )
    )


def subprocessor_history() -> list[SubprocessorChange]:
    return list(SubprocessorChange.objects.select_related("subprocessor").order_by("at", "pk"))
