"""The role concept (Annex 1 I.3, "Berechtigungskonzept"): roles, the permission matrix, grants.

Every "may this person do X?" question in services, API handlers and views goes through
``has_permission`` / ``require_permission``. Token scopes are a separate, additional limit on
what a token may do (``deskwerk.api.auth.require_scope``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from deskwerk.access.models import RoleGrant
from deskwerk.access.principals import ServicePrincipal
from deskwerk.accounts.models import Membership, User
from deskwerk.audit.services import audit_record
from deskwerk.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from deskwerk.tenancy.models import Tenant
from deskwerk.tenancy.services import assert_same_tenant

OWNER = "owner"
PEOPLE_ADMIN = "people_admin"
SPACE_ADMIN = "space_admin"
PRIVACY_OFFICER = "privacy_officer"
AUDITOR = "auditor"
LOCATION_MANAGER = "location_manager"
RECEPTIONIST = "receptionist"
EMPLOYEE = "employee"
# Held only in the operator tenant (deskwerk.processor): the processor's own staff.
OPERATOR_ADMIN = "operator_admin"

ROLES: dict[str, str] = {
    OWNER: "system administrator of the tenant",
    PEOPLE_ADMIN: "manages people and their accounts",
    SPACE_ADMIN: "manages locations, buildings, floors, zones, resources",
    PRIVACY_OFFICER: "handles data-subject requests and privacy settings",
    AUDITOR: "reads the audit log and the records of processing (read-only)",
    LOCATION_MANAGER: "books for and manages bookings of colleagues",
    RECEPTIONIST: "books for and manages bookings of colleagues and visitors",
    EMPLOYEE: "books for themselves",
    OPERATOR_ADMIN: "operator staff: tenants' lifecycle, subprocessors, breaches (operator tenant)",
}
OPERATOR_ROLES = frozenset({OPERATOR_ADMIN})
# Roles that need a second person's approval (four-eyes) and count towards the admin limit.
ADMIN_ROLES = frozenset(
    {OWNER, PEOPLE_ADMIN, SPACE_ADMIN, PRIVACY_OFFICER, AUDITOR, OPERATOR_ADMIN}
)

PERMISSIONS: dict[str, frozenset[str]] = {
    "spaces.manage": frozenset({OWNER, SPACE_ADMIN}),
    "people.manage": frozenset({OWNER, PEOPLE_ADMIN}),
    "sessions.manage": frozenset({OWNER, PEOPLE_ADMIN}),
    "privacy.requests": frozenset({OWNER, PRIVACY_OFFICER}),
    "privacy.settings": frozenset({OWNER, PRIVACY_OFFICER}),
    "privacy.records": frozenset({OWNER, PRIVACY_OFFICER, AUDITOR}),
    "audit.read": frozenset({OWNER, AUDITOR, PRIVACY_OFFICER}),
    "notify.read": frozenset({OWNER}),
    "tenant.settings": frozenset({OWNER}),
    "bookings.book": frozenset(ROLES),
    "bookings.book_for_others": frozenset({OWNER, PEOPLE_ADMIN, LOCATION_MANAGER, RECEPTIONIST}),
    "bookings.manage_others": frozenset({OWNER, PEOPLE_ADMIN, LOCATION_MANAGER, RECEPTIONIST}),
    "roles.grant": frozenset({OWNER}),
    "tokens.manage": frozenset({OWNER}),
    # The tenant's side of the processing agreement: authorised persons, objections.
    "processor.manage": frozenset({OWNER}),
    # The compliance report (DPA § 15): TOM status with evidence, for those who check it.
    "compliance.report": frozenset({OWNER, AUDITOR, PRIVACY_OFFICER}),
    # Operator staff (only ever true for accounts of the operator tenant, see has_permission).
    "operator.tenants": frozenset(OPERATOR_ROLES),
    "operator.subprocessors": frozenset(OPERATOR_ROLES),
    "operator.breaches": frozenset(OPERATOR_ROLES),
    # Support access and instructions (DPA § 7, deskwerk.support): the tenant's owners grant
    # time-boxed support access; operator staff use it and record or flag instructions.
    "support.grant": frozenset({OWNER}),
    "operator.support": frozenset(OPERATOR_ROLES),
    "operator.instructions": frozenset(OPERATOR_ROLES),
}

DEFAULT_MAX_ADMINS = 3
_CACHE = "_deskwerk_roles"


# --- the check ---------------------------------------------------------------------------------


def _live() -> Q:
    return Q(state=RoleGrant.State.ACTIVE) & (
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
    )


def active_roles(user: Any) -> frozenset[str]:
    """The person's live roles: one query per user object (cached on it), none for anonymous.

    A grant past its ``expires_at`` counts as gone at once, before the periodic task marks it.
    """
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return frozenset()
    cached: frozenset[str] | None = getattr(user, _CACHE, None)
    if cached is None:
        if not user.is_active:
            cached = frozenset()
        else:
            cached = frozenset(
                RoleGrant.unscoped.filter(_live(), tenant_id=user.tenant_id, user_id=user.pk)
                .values_list("role", flat=True)
                .distinct()
            )
        setattr(user, _CACHE, cached)
    return cached


def forget_roles(*users: Any) -> None:
    """Drop the cached roles after a change, so the next check reads them again."""
    for user in users:
        if user is not None and hasattr(user, _CACHE):
            delattr(user, _CACHE)


def has_permission(user: Any, permission: str) -> bool:
    """May ``user`` do ``permission``? Unknown permissions are a programming error."""
    allowed = PERMISSIONS[permission]
    if isinstance(user, ServicePrincipal):  # a service token: its scopes, no roles
        return permission in user.permissions
    if permission.startswith("operator.") and not _in_operator_tenant(user):
        return False  # an operator role somehow held in a customer tenant counts for nothing
    return not allowed.isdisjoint(active_roles(user))


def _in_operator_tenant(user: Any) -> bool:
    tenant = getattr(user, "tenant", None)
    return tenant is not None and tenant.kind == Tenant.Kind.OPERATOR


def require_permission(user: Any, permission: str) -> None:
    """The one check services call: 403 ``permission_denied`` unless a role allows it."""
    if not has_permission(user, permission):
        raise Forbidden("your roles do not allow this")


# --- granting ----------------------------------------------------------------------------------


def max_admins(tenant: Tenant) -> int:
    value = (tenant.settings or {}).get("roles", {}).get("max_admins", DEFAULT_MAX_ADMINS)
    return int(value) if isinstance(value, int) and value > 0 else DEFAULT_MAX_ADMINS


def _admin_count(tenant_id: int) -> int:
    return (
        RoleGrant.unscoped.filter(
            _live(), tenant_id=tenant_id, role__in=ADMIN_ROLES, user__is_active=True
        )
        .values("user_id")
        .distinct()
        .count()
    )


def admin_limit_warning(tenant: Tenant) -> str:
    """Empty, or the warning that the tenant has more administrators than its limit."""
    count, limit = _admin_count(tenant.pk), max_admins(tenant)
    if count > limit:
        return (
            f"{count} people hold administrative roles, more than the limit of {limit}: "
            "keep as few administrators as possible"
        )
    return ""


def _owner_count(tenant_id: int, *, exclude_grant: int | None = None) -> int:
    """Active people with a live owner grant (the people who could approve)."""
    qs = RoleGrant.unscoped.filter(_live(), tenant_id=tenant_id, role=OWNER, user__is_active=True)
    if exclude_grant is not None:
        qs = qs.exclude(pk=exclude_grant)
    return qs.values("user_id").distinct().count()


def _sync_membership(grant: RoleGrant) -> None:
    """Keep the compatibility field ``Membership.role`` in step with the owner grants."""
    if grant.role != OWNER:
        return
    holds = RoleGrant.unscoped.filter(
        _live(), tenant_id=grant.tenant_id, user_id=grant.user_id, role=OWNER
    ).exists()
    role = Membership.Role.ADMIN if holds else Membership.Role.MEMBER
    Membership.unscoped.filter(tenant_id=grant.tenant_id, user_id=grant.user_id).update(role=role)


def _activate(grant: RoleGrant, *, approved_by: User | None, warnings: list[str]) -> None:
    grant.state = RoleGrant.State.ACTIVE
    grant.activated_at = timezone.now()
    grant.approved_by = approved_by
    grant.save(update_fields=["state", "activated_at", "approved_by"])
    _sync_membership(grant)
    if grant.role in ADMIN_ROLES:
        limit = admin_limit_warning(grant.user.tenant)
        if limit:
            warnings.append(limit)
    if warnings:
        grant.warning = "; ".join(warnings)[:500]
        grant.save(update_fields=["warning"])


def role_grant(
    *, actor: User, person: User, role: str, expires_at: dt.datetime | None = None
) -> RoleGrant:
    """Grant ``role`` to ``person``. Administrative roles wait for a second person's approval,
    unless the granter is the tenant's only owner (then active at once, with a warning)."""
    assert_same_tenant(actor.tenant, person)
    require_permission(actor, "roles.grant")
    if role not in ROLES or (role in OPERATOR_ROLES and not _in_operator_tenant(person)):
        raise InvalidInput(f"unknown role {role!r}", code="invalid_role")
    if expires_at is not None and (expires_at.tzinfo is None or expires_at <= timezone.now()):
        raise InvalidInput("expires_at must be in the future, with an offset")
    with transaction.atomic():
        person = User.unscoped.select_for_update().get(pk=person.pk)
        if not person.is_active:
            raise InvalidInput("that person is deactivated", code="person_inactive")
        held = RoleGrant.unscoped.filter(
            Q(state=RoleGrant.State.PENDING) | _live(),
            tenant_id=person.tenant_id,
            user_id=person.pk,
            role=role,
        )
        if held.exists():
            raise Conflict("the person holds or awaits that role already", code="role_held")
        grant = RoleGrant.unscoped.create(
            tenant_id=person.tenant_id,
            user=person,
            role=role,
            granted_by=actor,
            expires_at=expires_at,
        )
        fields = ["user", "role", "state", "granted_by", "expires_at"]
        if role not in ADMIN_ROLES:
            _activate(grant, approved_by=None, warnings=[])
            fields += ["activated_at"]
        elif _owner_count(person.tenant_id) <= 1:
            _activate(
                grant,
                approved_by=None,
                warnings=["granted without a second approval: the tenant has only one owner"],
            )
            fields += ["activated_at", "warning"]
        audit_record(
            tenant=person.tenant, actor=actor, action="role.grant", obj=grant, changed_fields=fields
        )
    forget_roles(person)
    return grant


def _pending(grant: RoleGrant) -> RoleGrant:
    locked = RoleGrant.unscoped.select_for_update().select_related("user__tenant").get(pk=grant.pk)
    if locked.state != RoleGrant.State.PENDING:
        raise Conflict(f"the grant is {locked.state}, not pending", code="grant_not_pending")
    return locked


def role_approve(*, actor: User, grant: RoleGrant) -> RoleGrant:
    """Four-eyes: a second person with ``roles.grant`` activates a pending grant."""
    assert_same_tenant(actor.tenant, grant)
    require_permission(actor, "roles.grant")
    with transaction.atomic():
        grant = _pending(grant)
        if actor.pk in (grant.granted_by_id, grant.user_id):
            raise Forbidden(
                "a grant needs a second person: neither the granter nor the grantee may approve",
                code="four_eyes",
            )
        if grant.expires_at is not None and grant.expires_at <= timezone.now():
            raise Conflict("the grant would be expired already", code="grant_not_pending")
        _activate(grant, approved_by=actor, warnings=[])
        audit_record(
            tenant=grant.user.tenant,
            actor=actor,
            action="role.approve",
            obj=grant,
            changed_fields=["state", "approved_by", "activated_at"],
        )
    forget_roles(grant.user)
    return grant


def role_reject(*, actor: User, grant: RoleGrant) -> RoleGrant:
    """Refuse a pending grant (the granter may withdraw their own)."""
    assert_same_tenant(actor.tenant, grant)
    require_permission(actor, "roles.grant")
    with transaction.atomic():
        grant = _pending(grant)
        grant.state = RoleGrant.State.REJECTED
        grant.revoked_at = timezone.now()
        grant.revoked_by = actor
        grant.save(update_fields=["state", "revoked_at", "revoked_by"])
        audit_record(
            tenant=grant.user.tenant,
            actor=actor,
            action="role.reject",
            obj=grant,
            changed_fields=["state", "revoked_at", "revoked_by"],
        )
    return grant


def _refuse_last_owner(grant: RoleGrant) -> None:
    """At least one active person must keep an owner grant without an end date.

    Owner grants with an ``expires_at`` never count, so their expiry can never leave the
    tenant without an owner; revoking the last permanent one is refused.
    """
    if grant.role != OWNER or grant.state != RoleGrant.State.ACTIVE:
        return
    others = (
        RoleGrant.unscoped.filter(
            tenant_id=grant.tenant_id,
            role=OWNER,
            state=RoleGrant.State.ACTIVE,
            expires_at__isnull=True,
            user__is_active=True,
        )
        .exclude(pk=grant.pk)
        .exists()
    )
    if not others:
        raise Conflict(
            "this is the tenant's last owner; appoint another one first", code="last_admin"
        )


def role_revoke(*, actor: User, grant: RoleGrant) -> RoleGrant:
    """End an active grant (or withdraw a pending one) at once."""
    assert_same_tenant(actor.tenant, grant)
    require_permission(actor, "roles.grant")
    with transaction.atomic():
        # Lock the tenant's owner grants so two revocations cannot remove both last owners.
        list(
            RoleGrant.unscoped.select_for_update()
            .filter(tenant_id=grant.tenant_id, role=OWNER)
            .values_list("pk", flat=True)
        )
        grant = (
            RoleGrant.unscoped.select_for_update().select_related("user__tenant").get(pk=grant.pk)
        )
        if grant.state not in (RoleGrant.State.ACTIVE, RoleGrant.State.PENDING):
            raise Conflict(f"the grant is {grant.state} already", code="grant_not_active")
        _refuse_last_owner(grant)
        grant.state = RoleGrant.State.REVOKED
        grant.revoked_at = timezone.now()
        grant.revoked_by = actor
        grant.save(update_fields=["state", "revoked_at", "revoked_by"])
        _sync_membership(grant)
        audit_record(
            tenant=grant.user.tenant,
            actor=actor,
            action="role.revoke",
            obj=grant,
            changed_fields=["state", "revoked_at", "revoked_by"],
        )
    forget_roles(grant.user, actor)
    return grant


def roles_expire(*, now: dt.datetime | None = None) -> int:
    """Mark active grants past their end as expired (every tenant; the periodic task).

    The checks ignore such grants already; this makes the state and the report say so and
    keeps ``Membership.role`` in step. Audited per grant with the system as actor.
    """
    now = now or timezone.now()
    count = 0
    due = RoleGrant.unscoped.filter(state=RoleGrant.State.ACTIVE, expires_at__lte=now)
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            grant = (
                RoleGrant.unscoped.select_for_update()
                .select_related("user__tenant")
                .filter(pk=pk, state=RoleGrant.State.ACTIVE)
                .first()
            )
            if grant is None:
                continue
            grant.state = RoleGrant.State.EXPIRED
            grant.save(update_fields=["state"])
            _sync_membership(grant)
            audit_record(
                tenant=grant.user.tenant,
                actor=None,
                action="role.expire",
                obj=grant,
                changed_fields=["state"],
            )
            count += 1
    return count


def grant_initial_roles(*, tenant: Tenant, user: User, admin: bool) -> None:
    """A new account's grants, by the system: ``employee``, and ``owner`` for an administrator
    (the first owner has nobody to approve it; later owners are granted by an owner)."""
    now = timezone.now()
    roles = [EMPLOYEE, OWNER] if admin else [EMPLOYEE]
    RoleGrant.unscoped.bulk_create(
        RoleGrant(
            tenant=tenant,
            user=user,
            role=role,
            state=RoleGrant.State.ACTIVE,
            created_at=now,
            activated_at=now,
        )
        for role in roles
    )
    forget_roles(user)


def owner_grant_for_invitee(*, inviter: User | None, person: User) -> RoleGrant:
    """The owner role an invitation as administrator promised, granted in the inviter's name.

    The same rule as :func:`role_grant`: it waits for a second person's approval (four-eyes;
    the inviter cannot approve it) unless the tenant has only one owner. Without this an
    invitation would be a way round the four-eyes rule.
    """
    grant = RoleGrant.unscoped.create(
        tenant_id=person.tenant_id, user=person, role=OWNER, granted_by=inviter
    )
    fields = ["user", "role", "state", "granted_by"]
    if _owner_count(person.tenant_id) <= 1:
        _activate(
            grant,
            approved_by=None,
            warnings=["granted without a second approval: the tenant has only one owner"],
        )
        fields += ["activated_at", "warning"]
    audit_record(
        tenant=person.tenant, actor=inviter, action="role.grant", obj=grant, changed_fields=fields
    )
    forget_roles(person)
    return grant


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleReport:
    grants: list[RoleGrant]
    admins: int
    max_admins: int
    warnings: list[str]


def person_grants(*, actor: User, person: User) -> list[RoleGrant]:
    """A person's grants, newest first: their own, or anyone's for role and audit readers."""
    assert_same_tenant(actor.tenant, person)
    if actor.pk != person.pk and not (
        has_permission(actor, "roles.grant") or has_permission(actor, "audit.read")
    ):
        raise NotFound("person not found")
    return list(
        RoleGrant.unscoped.filter(tenant_id=person.tenant_id, user_id=person.pk).order_by(
            "-created_at", "-pk"
        )
    )


def role_report(*, actor: User) -> RoleReport:
    """Who held which role, since when, until when, granted and approved by whom."""
    if not (has_permission(actor, "audit.read") or has_permission(actor, "roles.grant")):
        raise Forbidden("your roles do not allow this")
    tenant = actor.tenant
    grants = list(
        RoleGrant.unscoped.filter(tenant_id=tenant.pk)
        .select_related("user", "granted_by", "approved_by", "revoked_by")
        .order_by("user_id", "role", "created_at", "pk")
    )
    warning = admin_limit_warning(tenant)
    return RoleReport(
        grants=grants,
        admins=_admin_count(tenant.pk),
        max_admins=max_admins(tenant),
        warnings=[warning] if warning else [],
    )


def grant_get(grant_id: int) -> RoleGrant:
    """A grant of the bound tenant, or 404."""
    grant = RoleGrant.objects.select_related("user__tenant").filter(pk=grant_id).first()
    if grant is None:
        raise NotFound("role grant not found")
    return grant
