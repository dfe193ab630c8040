"""The processor's obligations as services: the operator tenant and tenants' lifecycle (§ 6),
authorised persons (§ 6 (3)–(6)), subprocessors with the objection window (§ 10, Annex 2).

Operator actions are audited in the operator tenant and in every tenant they concern; tenant
actions in the tenant and, where the operator must know, notified to the operator by e-mail.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from deskwerk.access.models import RoleGrant
from deskwerk.access.roles import OPERATOR_ADMIN, has_permission, require_permission
from deskwerk.accounts.models import Membership, User
from deskwerk.accounts.services import user_create
from deskwerk.audit.services import audit_record
from deskwerk.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from deskwerk.processor.models import (
    AuthorisedPerson,
    Notice,
    Objection,
    Subprocessor,
    SubprocessorChange,
)
from deskwerk.processor.selectors import (
    authorised_recipients,
    notice_language,
    operator_staff,
    operator_tenant,
)
from deskwerk.tenancy.context import tenant_context
from deskwerk.tenancy.models import Tenant
from deskwerk.tenancy.services import assert_same_tenant, tenant_create, tenant_set_status

logger = logging.getLogger(__name__)

# DPA § 10 (2) c: the tenant may object within two weeks of the notice.
OBJECTION_WINDOW = dt.timedelta(days=14)
# EU member states and the other EEA states (Iceland, Liechtenstein, Norway): DPA § 5.
EU_EEA = frozenset(
    {
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "IE", "IT", "LV",
        "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
    }
)  # fmt: skip
PHONE = re.compile(r"\+?[0-9][0-9 ()/.\-]{2,48}")
# Tenant statuses that still receive notices: suspended tenants remain controllers.
NOTIFIED_STATUSES = (Tenant.Status.TRIAL, Tenant.Status.ACTIVE, Tenant.Status.SUSPENDED)
# Which lifecycle steps the operator may take; terminated is final.
TRANSITIONS: dict[str, frozenset[str]] = {
    Tenant.Status.TRIAL: frozenset({"active", "suspended", "terminated"}),
    Tenant.Status.ACTIVE: frozenset({"suspended", "terminated"}),
    Tenant.Status.SUSPENDED: frozenset({"active", "trial", "terminated"}),
    Tenant.Status.TERMINATED: frozenset(),
}


# --- the operator ------------------------------------------------------------------------------


def require_operator(user: Any, permission: str) -> None:
    """Operator staff with ``permission``, or 404: to anyone else the console does not exist."""
    if not has_permission(user, permission):
        raise NotFound("not found")


def _audit_operator(actor: User | None, action: str, **kwargs: Any) -> None:
    """Record an operator action in the operator tenant's own log (when there is one)."""
    tenant = operator_tenant()
    if tenant is not None:
        audit_record(tenant=tenant, actor=actor, action=action, **kwargs)


def operator_tenant_create(*, slug: str, name: str, timezone_name: str = "Europe/Berlin") -> Tenant:
    """Create the single operator tenant (its accounts are the operator's staff)."""
    with transaction.atomic():
        if Tenant.objects.filter(kind=Tenant.Kind.OPERATOR).exists():
            raise Conflict("the operator tenant exists already", code="operator_exists")
        tenant = tenant_create(slug=slug, name=name, timezone=timezone_name)
        tenant.kind = Tenant.Kind.OPERATOR
        tenant.save(update_fields=["kind"])
        audit_record(
            tenant=tenant, actor=None, action="operator.tenant_create", obj=tenant,
            changed_fields=["kind"],
        )  # fmt: skip
    return tenant


def operator_staff_create(
    *, tenant: Tenant, email: str, full_name: str = "", password: str | None = None
) -> User:
    """An account of the operator tenant holding ``operator_admin`` (granted by the system:
    the first staff member has nobody to approve it; later ones go through four-eyes)."""
    if not tenant.is_operator:
        raise InvalidInput("operator staff belong to the operator tenant", code="not_operator")
    with transaction.atomic(), tenant_context(tenant):
        user = user_create(
            tenant=tenant,
            email=email,
            full_name=full_name,
            role=Membership.Role.ADMIN,
            password=password,
        )
        now = timezone.now()
        grant = RoleGrant.unscoped.create(
            tenant=tenant,
            user=user,
            role=OPERATOR_ADMIN,
            state=RoleGrant.State.ACTIVE,
            activated_at=now,
        )
        audit_record(
            tenant=tenant, actor=None, action="role.grant", obj=grant,
            changed_fields=["user", "role", "state", "activated_at"],
        )  # fmt: skip
    return user


# --- tenants' lifecycle (§ 6 item 1 of the issue) ----------------------------------------------


def tenant_lifecycle_set(*, actor: User, tenant: Tenant, status: str) -> Tenant:
    """Move a tenant to trial, active, suspended or terminated (operator staff only).

    Suspension and termination end the tenant's sessions at once and stop its tokens; the
    operator tenant itself is never suspended or terminated. Audited in both tenants.
    """
    require_operator(actor, "operator.tenants")
    if status not in Tenant.Status.values:
        raise InvalidInput(f"unknown status {status!r}", code="invalid_status")
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        if locked.status == status:
            return locked
        if locked.is_operator and status not in Tenant.LIVE_STATUSES:
            raise Conflict(
                "the operator tenant cannot be suspended or terminated",
                code="operator_tenant_protected",
            )
        if status not in TRANSITIONS[locked.status]:
            raise Conflict(
                f"a {locked.status} tenant cannot become {status}", code="invalid_transition"
            )
        tenant_set_status(tenant=locked, status=status, actor=actor)
        _audit_operator(actor, "operator.tenant_status", obj=locked, changed_fields=["status"])
        if status == Tenant.Status.TERMINATED:
            # DPA § 14: return the data, then delete every copy (deskwerk.offboarding).
            from deskwerk.offboarding.services import offboarding_start

            offboarding_start(tenant=locked, actor=actor)
    return locked


# --- authorised persons (§ 6 (3)–(6)) ----------------------------------------------------------


def _clean_text(value: str, *, field: str, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(f"{field} is required", code="name_required")
    return value


def _clean_email(value: str) -> str:
    value = (value or "").strip().lower()
    try:
        validate_email(value)
    except ValidationError as exc:
        raise InvalidInput("that is not an e-mail address", code="invalid_email") from exc
    return value


def _clean_phone(value: str) -> str:
    value = (value or "").strip()
    if value and not PHONE.fullmatch(value):
        raise InvalidInput(
            "a phone number has digits, spaces and + ( ) / . - only", code="invalid_phone"
        )
    return value


def _linked_user(user_id: int | None) -> User | None:
    """An account of the bound tenant (404 otherwise, also for another tenant's id)."""
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound("person not found")
    if not user.is_active:
        raise InvalidInput("that person is deactivated", code="person_inactive")
    return user


def _person_fields(changes: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for name in ("first_name", "last_name"):
        if name in changes:
            cleaned[name] = _clean_text(changes[name], field=name, required=True)
    if "org_unit" in changes:
        cleaned["org_unit"] = _clean_text(changes["org_unit"], field="org_unit", required=False)
    if "email" in changes:
        cleaned["email"] = _clean_email(changes["email"])
    if "phone" in changes:
        cleaned["phone"] = _clean_phone(changes["phone"])
    if "user_id" in changes:
        cleaned["user"] = _linked_user(changes["user_id"])
    return cleaned


def _save_person(person: AuthorisedPerson, fields: Iterable[str] | None = None) -> None:
    try:
        with transaction.atomic():
            person.save(update_fields=list(fields) if fields is not None else None)
    except IntegrityError as exc:
        raise Conflict(
            "an authorised person with that e-mail address exists", code="authorised_person_exists"
        ) from exc


def authorised_person_create(
    *,
    actor: User,
    first_name: str,
    last_name: str,
    email: str,
    org_unit: str = "",
    phone: str = "",
    user_id: int | None = None,
) -> AuthorisedPerson:
    """Name a person entitled to give instructions; the operator is told at once (§ 6 (6))."""
    tenant = actor.tenant
    assert_same_tenant(tenant)
    require_permission(actor, "processor.manage")
    data = _person_fields(
        {
            "first_name": first_name,
            "last_name": last_name,
            "email": email,
            "org_unit": org_unit,
            "phone": phone,
            "user_id": user_id,
        }
    )
    with transaction.atomic():
        person = AuthorisedPerson(tenant=tenant, **data)
        _save_person(person)
        audit_record(
            tenant=tenant,
            actor=actor,
            action="authorised_person.create",
            obj=person,
            changed_fields=[k for k, v in data.items() if v],
        )
        _notify_operator_of_persons(tenant, change="added")
    return person


def authorised_person_update(
    *, actor: User, person: AuthorisedPerson, changes: dict[str, Any]
) -> AuthorisedPerson:
    """Change some fields of an authorised person (the operator is told)."""
    tenant = actor.tenant
    assert_same_tenant(tenant, person)
    require_permission(actor, "processor.manage")
    data = _person_fields(changes)
    changed = [k for k, v in data.items() if getattr(person, k) != v]
    if not changed:
        return person
    with transaction.atomic():
        for key in changed:
            setattr(person, key, data[key])
        person.updated_at = timezone.now()
        _save_person(person, [*changed, "updated_at"])
        audit_record(
            tenant=tenant,
            actor=actor,
            action="authorised_person.update",
            obj=person,
            changed_fields=changed,
        )
        _notify_operator_of_persons(tenant, change="changed")
    return person


def authorised_person_delete(*, actor: User, person: AuthorisedPerson) -> None:
    """Remove an authorised person; with none left, the system admins count (§ 6 (4))."""
    tenant = actor.tenant
    assert_same_tenant(tenant, person)
    require_permission(actor, "processor.manage")
    with transaction.atomic():
        person_id = person.pk
        person.delete()
        audit_record(
            tenant=tenant,
            actor=actor,
            action="authorised_person.delete",
            object_type="processor.authorisedperson",
            object_id=person_id,
        )
        _notify_operator_of_persons(tenant, change="removed")


def may_act_as_authorised(user: User) -> bool:
    """A system admin (``processor.manage``) or a named authorised person's own account."""
    if has_permission(user, "processor.manage"):
        return True
    return AuthorisedPerson.unscoped.filter(tenant_id=user.tenant_id, user_id=user.pk).exists()


# --- notices to the operator -------------------------------------------------------------------


def _operator_addresses() -> tuple[Tenant, list[str | User]] | None:
    """The operator tenant and where its notices go: ``OPERATOR_EMAIL`` or its staff."""
    tenant = operator_tenant()
    if tenant is None:
        logger.warning("no operator tenant: a notice to the operator was not sent")
        return None
    if settings.OPERATOR_EMAIL:
        return tenant, [settings.OPERATOR_EMAIL]
    return tenant, list(operator_staff(tenant))


def notify_operator(template: str, context: dict[str, Any]) -> None:
    """A notice to the operator: e-mail to ``OPERATOR_EMAIL`` or its staff, and shown in the
    operator tenant's notices. Call inside the transaction of the change it is about."""
    target = _operator_addresses()
    if target is None:
        return
    tenant, to = target
    _deliver(tenant, to, template, context)


def _notify_operator_of_persons(tenant: Tenant, *, change: str) -> None:
    persons = list(AuthorisedPerson.unscoped.filter(tenant=tenant))
    notify_operator(
        "authorised_persons_changed",
        {
            "customer_name": tenant.name,
            "customer_slug": tenant.slug,
            "change": change,
            "persons": persons,
            "defaulted": not persons,
        },
    )


def notify_tenant(tenant: Tenant, template: str, context: dict[str, Any]) -> int:
    """A notice to the tenant's authorised recipients (named, else its system admins), by
    e-mail and in the tenant's notices; returns the number of mails queued."""
    recipients = authorised_recipients(tenant)
    return _deliver(tenant, [r.email for r in recipients], template, context)


def _deliver(
    tenant: Tenant, to: Sequence[str | User], template: str, context: dict[str, Any]
) -> int:
    """Queue the mails and keep the notice, rendered once in the tenant's notice language."""
    from deskwerk.notify.rendering import render_message
    from deskwerk.notify.services import send_mail_message

    language = notice_language(tenant)
    rendered = render_message(
        template,
        {"tenant_name": tenant.name, "language": language, **context},
        language=language,
        time_zone=tenant.default_timezone,
    )
    Notice.unscoped.create(
        tenant=tenant, template=template, subject=rendered.subject[:255], body=rendered.text
    )
    if not to:
        return 0
    mails = send_mail_message(
        tenant=tenant, to=to, template=template, context=context, language=language
    )
    return len(mails)


# --- subprocessors (§ 10, Annex 2) -------------------------------------------------------------


def _notified_tenants() -> list[Tenant]:
    return list(
        Tenant.objects.filter(kind=Tenant.Kind.CUSTOMER, status__in=NOTIFIED_STATUSES).order_by(
            "pk"
        )
    )


def _history(sub: Subprocessor, action: str, at: dt.datetime, note: str = "") -> None:
    SubprocessorChange.objects.create(subprocessor=sub, action=action, at=at, note=note[:500])


def _audit_everywhere(
    actor: User | None, action: str, sub: Subprocessor, fields: list[str]
) -> list[Tenant]:
    """Audit a registry change in the operator tenant and every tenant it concerns."""
    tenants = _notified_tenants()
    for tenant in tenants:
        audit_record(tenant=tenant, actor=actor, action=action, obj=sub, changed_fields=fields)
    _audit_operator(actor, action, obj=sub, changed_fields=fields)
    return tenants


def subprocessor_announce(
    *,
    actor: User,
    name: str,
    address: str,
    country: str,
    service: str,
    now: dt.datetime | None = None,
) -> Subprocessor:
    """Announce a planned subprocessor to every tenant: name and address in text form
    (§ 10 (2) a); the 14-day objection window starts now."""
    require_operator(actor, "operator.subprocessors")
    name = _clean_text(name, field="name", required=True)
    address = _clean_text(address, field="address", required=True)
    service = _clean_text(service, field="service", required=True)
    country = (country or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise InvalidInput("country is a two-letter ISO 3166 code", code="invalid_country")
    if country not in EU_EEA:
        raise InvalidInput(
            "processing takes place in the EU/EEA only (DPA § 5)", code="outside_eea"
        )
    now = now or timezone.now()
    with transaction.atomic():
        sub = Subprocessor.objects.create(
            name=name,
            address=address,
            country=country,
            eu_eea=True,
            service=service,
            status=Subprocessor.Status.PLANNED,
            announced_at=now,
            objection_deadline=now + OBJECTION_WINDOW,
            created_at=now,
        )
        _history(sub, SubprocessorChange.Action.ANNOUNCED, now)
        fields = ["name", "address", "country", "service", "status", "objection_deadline"]
        for tenant in _audit_everywhere(actor, "subprocessor.announce", sub, fields):
            notify_tenant(tenant, "subprocessor_announced", {"sub": sub})
    return sub


def _window_open(sub: Subprocessor, now: dt.datetime) -> bool:
    """The window is [announced_at, objection_deadline): at the deadline it has closed."""
    return sub.objection_deadline is not None and now < sub.objection_deadline


def _deadline_text(sub: Subprocessor) -> str:
    assert sub.objection_deadline is not None
    return sub.objection_deadline.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def subprocessor_get(subprocessor_id: int) -> Subprocessor:
    sub = Subprocessor.objects.filter(pk=subprocessor_id).first()
    if sub is None:
        raise NotFound("subprocessor not found")
    return sub


def objection_create(
    *, actor: User, subprocessor: Subprocessor, reason: str, now: dt.datetime | None = None
) -> Objection:
    """The tenant objects to a planned subprocessor within the window (§ 10 (2) c).

    A system admin or a named authorised person's account may object; the operator is told.
    """
    tenant = actor.tenant
    assert_same_tenant(tenant)
    if not may_act_as_authorised(actor):
        raise Forbidden("only system administrators and authorised persons may object")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("an objection needs a reason", code="reason_required")
    now = now or timezone.now()
    with transaction.atomic():
        sub = Subprocessor.objects.select_for_update().get(pk=subprocessor.pk)
        if sub.status != Subprocessor.Status.PLANNED:
            raise Conflict(f"the subprocessor is {sub.status}, not planned", code="not_planned")
        if not _window_open(sub, now):
            raise Conflict(
                f"the objection window closed on {_deadline_text(sub)}",
                code="objection_window_closed",
                deadline=sub.objection_deadline.isoformat() if sub.objection_deadline else None,
            )
        if Objection.objects.filter(subprocessor=sub, resolved_at__isnull=True).exists():
            raise Conflict("the tenant has an open objection already", code="objection_exists")
        objection = Objection.objects.create(
            tenant=tenant, subprocessor=sub, reason=reason, objected_by=actor, created_at=now
        )
        audit_record(
            tenant=tenant,
            actor=actor,
            action="subprocessor.object",
            obj=objection,
            changed_fields=["subprocessor", "reason"],
        )
        _audit_operator(None, "subprocessor.objection_received", obj=objection)
        notify_operator(
            "subprocessor_objection",
            {
                "customer_name": tenant.name,
                "customer_slug": tenant.slug,
                "sub": sub,
                "objection": objection,
            },
        )
    return objection


def objection_get(objection_id: int) -> Objection:
    """Any tenant's objection, for the operator (who has checked their permission)."""
    objection = (
        Objection.unscoped.select_related("subprocessor", "tenant").filter(pk=objection_id).first()
    )
    if objection is None:
        raise NotFound("objection not found")
    return objection


def objection_resolve(*, actor: User, objection: Objection, resolution: str) -> Objection:
    """The operator answers an objection; the tenant's authorised recipients are told."""
    require_operator(actor, "operator.subprocessors")
    resolution = (resolution or "").strip()
    if not resolution:
        raise InvalidInput("say how the objection was resolved", code="resolution_required")
    with transaction.atomic():
        locked = (
            Objection.unscoped.select_for_update()
            .select_related("tenant", "subprocessor")
            .get(pk=objection.pk)
        )
        if locked.resolved_at is not None:
            raise Conflict("the objection is resolved already", code="objection_resolved")
        locked.resolved_at = timezone.now()
        locked.resolution = resolution
        locked.save(update_fields=["resolved_at", "resolution"])
        fields = ["resolved_at", "resolution"]
        audit_record(
            tenant=locked.tenant,
            actor=actor,
            action="subprocessor.objection_resolve",
            obj=locked,
            changed_fields=fields,
        )
        _audit_operator(actor, "subprocessor.objection_resolve", obj=locked, changed_fields=fields)
        notify_tenant(
            locked.tenant,
            "subprocessor_objection_resolved",
            {"sub": locked.subprocessor, "objection": locked},
        )
    return locked


def subprocessor_activate(
    *, actor: User | None, subprocessor: Subprocessor, now: dt.datetime | None = None
) -> Subprocessor:
    """Engage a planned subprocessor: only once the window is over and no objection is open
    (§ 10 (2) c, (5)). ``actor`` None is the worker's periodic run."""
    if actor is not None:
        require_operator(actor, "operator.subprocessors")
    now = now or timezone.now()
    with transaction.atomic():
        sub = Subprocessor.objects.select_for_update().get(pk=subprocessor.pk)
        if sub.status != Subprocessor.Status.PLANNED:
            raise Conflict(f"the subprocessor is {sub.status}, not planned", code="not_planned")
        if _window_open(sub, now):
            raise Conflict(
                f"the objection window is open until {_deadline_text(sub)}",
                code="objection_window_open",
                deadline=sub.objection_deadline.isoformat() if sub.objection_deadline else None,
            )
        open_count = Objection.unscoped.filter(subprocessor=sub, resolved_at__isnull=True).count()
        if open_count:
            raise Conflict(
                f"{open_count} objection(s) are not resolved", code="objections_unresolved"
            )
        sub.status = Subprocessor.Status.ACTIVE
        sub.activated_at = now
        sub.save(update_fields=["status", "activated_at"])
        _history(sub, SubprocessorChange.Action.ACTIVATED, now)
        _audit_everywhere(actor, "subprocessor.activate", sub, ["status", "activated_at"])
    return sub


def subprocessors_activate_due(*, now: dt.datetime | None = None) -> list[Subprocessor]:
    """Activate every planned subprocessor whose window is over and that no one objects to
    (the worker, hourly). Those with open objections wait for the operator."""
    now = now or timezone.now()
    due = Subprocessor.objects.filter(
        status=Subprocessor.Status.PLANNED, objection_deadline__lte=now
    ).order_by("pk")
    activated = []
    for sub in due:
        try:
            activated.append(subprocessor_activate(actor=None, subprocessor=sub, now=now))
        except Conflict as exc:
            logger.info("subprocessor %s not activated: %s", sub.pk, exc.detail)
    return activated


def subprocessor_withdraw(
    *, actor: User, subprocessor: Subprocessor, note: str = ""
) -> Subprocessor:
    """Give up a planned subprocessor or end an active one; open objections are settled."""
    require_operator(actor, "operator.subprocessors")
    now = timezone.now()
    with transaction.atomic():
        sub = Subprocessor.objects.select_for_update().get(pk=subprocessor.pk)
        if sub.status == Subprocessor.Status.WITHDRAWN:
            raise Conflict("the subprocessor is withdrawn already", code="not_planned")
        sub.status = Subprocessor.Status.WITHDRAWN
        sub.withdrawn_at = now
        sub.save(update_fields=["status", "withdrawn_at"])
        _history(sub, SubprocessorChange.Action.WITHDRAWN, now, note.strip())
        settled: list[Objection] = list(
            Objection.unscoped.filter(subprocessor=sub, resolved_at__isnull=True)
        )
        Objection.unscoped.filter(pk__in=[o.pk for o in settled]).update(
            resolved_at=now, resolution="the subprocessor was withdrawn"
        )
        _audit_everywhere(actor, "subprocessor.withdraw", sub, ["status", "withdrawn_at"])
    return sub
