"""Support access on instruction and the instruction register as services (DPA § 7).

Tenant actions are checked against the tenant's roles (``support.grant``) or its authority to
instruct (``may_act_as_authorised``, § 6); operator actions against operator permissions (404 for
everyone else). Every step is audited in the tenant's log (operator steps also in the operator
tenant's) in the same transaction, and notified where the agreement wants the other side to know.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from deskwerk.access.roles import has_permission, require_permission
from deskwerk.accounts.models import User
from deskwerk.audit.services import audit_record
from deskwerk.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from deskwerk.processor.models import AuthorisedPerson
from deskwerk.processor.selectors import authorised_recipients, operator_staff, operator_tenant
from deskwerk.processor.services import (
    may_act_as_authorised,
    notify_operator,
    notify_tenant,
    require_operator,
)
from deskwerk.support.models import Instruction, InstructionEvent, SupportGrant, SupportGrantStaff
from deskwerk.tenancy.models import Tenant
from deskwerk.tenancy.services import assert_same_tenant

logger = logging.getLogger(__name__)

# The longest support access one grant may give (decision 0024).
MAX_GRANT = dt.timedelta(days=7)
MAX_TEXT = 10_000


def _audit_operator(actor: User | None, action: str, **kwargs: Any) -> None:
    """Also record an operator-side step in the operator tenant's own log."""
    tenant = operator_tenant()
    if tenant is not None:
        audit_record(tenant=tenant, actor=actor, action=action, **kwargs)


def _required(value: str, *, code: str, what: str, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"{what} is required", code=code)
    if len(value) > limit:
        raise InvalidInput(f"{what} is longer than {limit} characters", code="text_too_long")
    return value


# --- support grants ----------------------------------------------------------------------------


def _staff(ids: Iterable[int]) -> list[User]:
    """Operator staff by id: accounts of the operator tenant holding a live operator role."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        raise InvalidInput("name at least one staff member of the operator", code="staff_required")
    tenant = operator_tenant()
    staff = {u.pk: u for u in operator_staff(tenant)} if tenant is not None else {}
    missing = [i for i in wanted if i not in staff]
    if missing:
        raise InvalidInput(
            f"not staff of the operator: {', '.join(map(str, missing))}", code="not_operator_staff"
        )
    return [staff[i] for i in wanted]


def _staff_notice(staff: Iterable[User | None]) -> list[dict[str, Any]]:
    return [{"id": u.pk, "name": u.full_name or u.email} for u in staff if u is not None]


def support_grant_create(
    *,
    actor: User,
    staff_ids: Iterable[int],
    purpose: str,
    ends_at: dt.datetime,
    level: str = SupportGrant.Level.READ,
    now: dt.datetime | None = None,
) -> SupportGrant:
    """Let named operator staff act on the tenant's data from now until ``ends_at`` (at most
    seven days), for ``purpose``. Audited; the operator is notified."""
    tenant = actor.tenant
    assert_same_tenant(tenant)
    require_permission(actor, "support.grant")
    purpose = _required(purpose, code="purpose_required", what="the purpose", limit=2000)
    if level not in SupportGrant.Level.values:
        raise InvalidInput(f"unknown access level {level!r}", code="invalid_level")
    if ends_at.tzinfo is None:
        raise InvalidInput("ends_at needs an offset", code="naive_datetime")
    now = now or timezone.now()
    if ends_at <= now:
        raise InvalidInput("the end must be in the future", code="end_in_past")
    if ends_at - now > MAX_GRANT:
        raise InvalidInput(
            "support access is granted for at most 7 days at a time", code="grant_too_long"
        )
    staff = _staff(staff_ids)
    with transaction.atomic():
        grant = SupportGrant.objects.create(
            tenant=tenant,
            purpose=purpose,
            level=level,
            starts_at=now,
            ends_at=ends_at,
            granted_by=actor,
            created_at=now,
        )
        SupportGrantStaff.objects.bulk_create(
            SupportGrantStaff(tenant=tenant, grant=grant, staff=s) for s in staff
        )
        fields = ["staff", "purpose", "level", "starts_at", "ends_at", "granted_by"]
        audit_record(
            tenant=tenant, actor=actor, action="support.grant", obj=grant, changed_fields=fields
        )
        _audit_operator(None, "support.grant_received", obj=grant, changed_fields=fields)
        notify_operator(
            "support_grant_changed",
            {
                "customer_name": tenant.name,
                "customer_slug": tenant.slug,
                "change": "granted",
                "grant": grant,
                "staff": _staff_notice(staff),
            },
        )
    return grant


def support_grant_get(grant_id: int) -> SupportGrant:
    """A grant of the bound tenant, or 404."""
    grant = SupportGrant.objects.filter(pk=grant_id).first()
    if grant is None:
        raise NotFound("support grant not found")
    return grant


def support_grant_revoke(
    *, actor: User, grant: SupportGrant, now: dt.datetime | None = None
) -> SupportGrant:
    """End a live grant at once (the next request of the staff member is refused)."""
    tenant = actor.tenant
    assert_same_tenant(tenant, grant)
    require_permission(actor, "support.grant")
    now = now or timezone.now()
    with transaction.atomic():
        locked = SupportGrant.objects.select_for_update().get(pk=grant.pk)
        state = locked.state(now)
        if state == "revoked":
            raise Conflict("the support grant is revoked already", code="grant_revoked")
        if state == "expired":
            raise Conflict("the support grant has expired already", code="grant_expired")
        locked.revoked_at = now
        locked.revoked_by = actor
        locked.save(update_fields=["revoked_at", "revoked_by"])
        fields = ["revoked_at", "revoked_by"]
        audit_record(
            tenant=tenant, actor=actor, action="support.revoke", obj=locked, changed_fields=fields
        )
        _audit_operator(None, "support.revoke_received", obj=locked, changed_fields=fields)
        notify_operator(
            "support_grant_changed",
            {
                "customer_name": tenant.name,
                "customer_slug": tenant.slug,
                "change": "revoked",
                "grant": locked,
                "staff": _staff_notice(
                    link.staff
                    for link in SupportGrantStaff.unscoped.filter(grant=locked).select_related(
                        "staff"
                    )
                ),
            },
        )
    return locked


def support_grants_expire(*, now: dt.datetime | None = None) -> int:
    """Record grants past their end as expired (every tenant; the periodic task).

    Requests check the end by time already; this makes the record say so. Audited per grant
    with the system as actor (``support.grant_expired``).
    """
    now = now or timezone.now()
    due = SupportGrant.unscoped.filter(
        revoked_at__isnull=True, expired_at__isnull=True, ends_at__lte=now
    )
    count = 0
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            grant = (
                SupportGrant.unscoped.select_for_update()
                .select_related("tenant")
                .filter(pk=pk, revoked_at__isnull=True, expired_at__isnull=True)
                .first()
            )
            if grant is None:
                continue
            grant.expired_at = now
            grant.save(update_fields=["expired_at"])
            audit_record(
                tenant=grant.tenant,
                actor=None,
                action="support.grant_expired",
                obj=grant,
                changed_fields=["expired_at"],
            )
            count += 1
    return count


def live_grant(
    *, tenant: Tenant, staff: User, now: dt.datetime | None = None
) -> SupportGrant | None:
    """The live grant of ``tenant`` naming ``staff`` (read and write before read), or None."""
    now = now or timezone.now()
    return (
        SupportGrant.unscoped.filter(
            tenant=tenant,
            revoked_at__isnull=True,
            starts_at__lte=now,
            ends_at__gt=now,
            staff_links__staff=staff,
        )
        .order_by("-level", "-ends_at", "-pk")
        .first()
    )


# --- instructions ------------------------------------------------------------------------------


def _channel(value: str, *, operator: bool) -> str:
    if value not in Instruction.Channel.values:
        raise InvalidInput(f"unknown channel {value!r}", code="invalid_channel")
    if operator and value == Instruction.Channel.IN_APP:
        raise InvalidInput(
            "instructions given in the app are recorded by the tenant", code="invalid_channel"
        )
    return value


def _given_on(value: dt.date | None, tenant: Tenant) -> dt.date:
    """The day the instruction was given (default: today where the tenant is); never later."""
    today = dt.datetime.now(zoneinfo.ZoneInfo(tenant.default_timezone)).date()
    if value is None:
        return today
    if value > today:
        raise InvalidInput("an instruction cannot be given in the future", code="date_in_future")
    return value


def _given_by(
    tenant: Tenant, *, person_id: int | None, user_id: int | None, default: User | None
) -> tuple[AuthorisedPerson | None, User | None, str]:
    """Who gave the instruction: a named authorised person of the tenant, or — while none is
    named — one of its system administrators (DPA § 6 (4))."""
    named = AuthorisedPerson.unscoped.filter(tenant=tenant)
    if named.exists():
        person = None
        if person_id is not None:
            person = named.filter(pk=person_id).first()
            if person is None:
                raise NotFound("authorised person not found")
        elif default is not None:
            person = named.filter(user_id=default.pk).first()
        if person is None:
            raise InvalidInput(
                "name the authorised person who gave the instruction",
                code="authorised_person_required",
            )
        return person, person.user, f"{person.first_name} {person.last_name}"
    if person_id is not None:
        raise NotFound("authorised person not found")
    user = default
    if user_id is not None:
        user = User.unscoped.filter(tenant=tenant, pk=user_id).first()
        if user is None:
            raise NotFound("person not found")
    elif user is None:  # recorded by the operator: the tenant's only system admin, if one
        admins = [r.user_id for r in authorised_recipients(tenant)]
        if len(admins) != 1:
            raise InvalidInput(
                "name the system administrator who gave the instruction (given_by_id)",
                code="authorised_person_required",
            )
        user = User.unscoped.filter(tenant=tenant, pk=admins[0]).first()
    if user is None or not user.is_active or not has_permission(user, "processor.manage"):
        raise InvalidInput(
            "with no authorised person named, only a system administrator may instruct",
            code="not_authorised",
        )
    return None, user, user.full_name or user.email


def _require_authorised(actor: User) -> None:
    if not may_act_as_authorised(actor):
        raise Forbidden("only system administrators and authorised persons may instruct")


def _event(
    instruction: Instruction,
    action: str,
    *,
    actor: User | None,
    by_operator: bool,
    at: dt.datetime,
    text: str = "",
    note: str = "",
) -> InstructionEvent:
    return InstructionEvent.unscoped.create(
        tenant_id=instruction.tenant_id,
        instruction=instruction,
        action=action,
        at=at,
        actor=actor,
        by_operator=by_operator,
        version=instruction.version,
        text=text,
        note=note,
        status_after=instruction.status,
    )


def _notify_operator_of(instruction: Instruction, change: str, tenant: Tenant) -> None:
    notify_operator(
        "instruction_changed",
        {
            "customer_name": tenant.name,
            "customer_slug": tenant.slug,
            "change": change,
            "instruction": instruction,
        },
    )


def instruction_record(
    *,
    actor: User,
    text: str,
    channel: str = Instruction.Channel.IN_APP,
    given_on: dt.date | None = None,
    authorised_person_id: int | None = None,
    given_by_id: int | None = None,
) -> Instruction:
    """The tenant records an instruction in the app: text form, in force at once (§ 7 (1))."""
    tenant = actor.tenant
    assert_same_tenant(tenant)
    _require_authorised(actor)
    text = _required(text, code="text_required", what="the instruction's text")
    channel = _channel(channel, operator=False)
    now = timezone.now()
    given = _given_on(given_on, tenant)
    person, user, name = _given_by(
        tenant, person_id=authorised_person_id, user_id=given_by_id, default=actor
    )
    with transaction.atomic():
        instruction = Instruction.objects.create(
            tenant=tenant,
            text=text,
            given_on=given,
            channel=channel,
            given_by_person=person,
            given_by_user=user,
            given_by_name=name[:200],
            status=Instruction.Status.IN_FORCE,
            created_at=now,
            updated_at=now,
        )
        _event(instruction, "recorded", actor=actor, by_operator=False, at=now, text=text)
        audit_record(
            tenant=tenant,
            actor=actor,
            action="instruction.record",
            obj=instruction,
            changed_fields=["text", "given_on", "channel", "given_by", "status"],
        )
        _notify_operator_of(instruction, "recorded", tenant)
    return instruction


def instruction_record_for_tenant(
    *,
    actor: User,
    tenant: Tenant,
    text: str,
    channel: str,
    given_on: dt.date,
    authorised_person_id: int | None = None,
    given_by_id: int | None = None,
) -> Instruction:
    """The operator records an instruction it received (e.g. by phone). Oral and phone ones
    await the tenant's confirmation in text form (§ 7 (5)); the tenant is notified."""
    require_operator(actor, "operator.instructions")
    if tenant.is_operator:
        raise NotFound("tenant not found")
    text = _required(text, code="text_required", what="the instruction's text")
    channel = _channel(channel, operator=True)
    given = _given_on(given_on, tenant)
    person, user, name = _given_by(
        tenant, person_id=authorised_person_id, user_id=given_by_id, default=None
    )
    awaiting = channel in Instruction.SPOKEN
    now = timezone.now()
    with transaction.atomic():
        instruction = Instruction.unscoped.create(
            tenant=tenant,
            text=text,
            given_on=given,
            channel=channel,
            given_by_person=person,
            given_by_user=user,
            given_by_name=name[:200],
            recorded_by_operator=True,
            status=Instruction.Status.AWAITING if awaiting else Instruction.Status.IN_FORCE,
            created_at=now,
            updated_at=now,
        )
        _event(instruction, "recorded", actor=actor, by_operator=True, at=now, text=text)
        fields = ["text", "given_on", "channel", "given_by", "status"]
        audit_record(
            tenant=tenant,
            actor=actor,
            action="instruction.record",
            obj=instruction,
            changed_fields=fields,
        )
        _audit_operator(actor, "instruction.record", obj=instruction, changed_fields=fields)
        notify_tenant(
            tenant, "instruction_recorded", {"instruction": instruction, "awaiting": awaiting}
        )
    return instruction


def instruction_get(instruction_id: int) -> Instruction:
    """An instruction of the bound tenant, or 404."""
    instruction = Instruction.objects.filter(pk=instruction_id).first()
    if instruction is None:
        raise NotFound("instruction not found")
    return instruction


def instruction_get_any(instruction_id: int) -> Instruction:
    """Any tenant's instruction, for the operator (who has checked their permission)."""
    instruction = Instruction.unscoped.select_related("tenant").filter(pk=instruction_id).first()
    if instruction is None:
        raise NotFound("instruction not found")
    return instruction


def _lock(instruction: Instruction) -> Instruction:
    return Instruction.unscoped.select_for_update().select_related("tenant").get(pk=instruction.pk)


def _refuse_withdrawn(instruction: Instruction) -> None:
    if instruction.status == Instruction.Status.WITHDRAWN:
        raise Conflict("the instruction is withdrawn", code="instruction_withdrawn")


def instruction_confirm(*, actor: User, instruction: Instruction) -> Instruction:
    """The tenant confirms an oral instruction in text form (§ 7 (5)): in force from now."""
    tenant = actor.tenant
    assert_same_tenant(tenant, instruction)
    _require_authorised(actor)
    with transaction.atomic():
        locked = _lock(instruction)
        if locked.status != Instruction.Status.AWAITING:
            raise Conflict(
                f"the instruction is {locked.status}, not awaiting confirmation",
                code="instruction_not_awaiting",
            )
        now = timezone.now()
        locked.status = Instruction.Status.IN_FORCE
        locked.updated_at = now
        locked.save(update_fields=["status", "updated_at"])
        _event(locked, "confirmed", actor=actor, by_operator=False, at=now)
        audit_record(
            tenant=tenant,
            actor=actor,
            action="instruction.confirm",
            obj=locked,
            changed_fields=["status"],
        )
        _notify_operator_of(locked, "confirmed", tenant)
    return locked


def instruction_flag(*, actor: User, instruction: Instruction, reason: str) -> Instruction:
    """The operator holds an instruction to be unlawful (§ 7 (4)): suspended until the tenant
    amends or withdraws it; the tenant's authorised persons are notified."""
    require_operator(actor, "operator.instructions")
    reason = _required(reason, code="reason_required", what="the reason", limit=5000)
    with transaction.atomic():
        locked = _lock(instruction)
        _refuse_withdrawn(locked)
        if locked.status == Instruction.Status.SUSPENDED:
            raise Conflict("the instruction is suspended already", code="instruction_suspended")
        now = timezone.now()
        locked.status = Instruction.Status.SUSPENDED
        locked.flag_reason = reason
        locked.updated_at = now
        locked.save(update_fields=["status", "flag_reason", "updated_at"])
        _event(locked, "flagged", actor=actor, by_operator=True, at=now, note=reason)
        fields = ["status", "flag_reason"]
        audit_record(
            tenant=locked.tenant,
            actor=actor,
            action="instruction.flag",
            obj=locked,
            changed_fields=fields,
        )
        _audit_operator(actor, "instruction.flag", obj=locked, changed_fields=fields)
        notify_tenant(locked.tenant, "instruction_flagged", {"instruction": locked})
    return locked


def instruction_amend(*, actor: User, instruction: Instruction, text: str) -> Instruction:
    """The tenant replaces the text (a new version, in force at once; a suspension ends, as the
    authorised person has adapted the instruction, § 7 (4)). The old text stays in the history."""
    tenant = actor.tenant
    assert_same_tenant(tenant, instruction)
    _require_authorised(actor)
    text = _required(text, code="text_required", what="the instruction's text")
    with transaction.atomic():
        locked = _lock(instruction)
        _refuse_withdrawn(locked)
        if text == locked.text:
            raise InvalidInput("the text is the same as before", code="text_unchanged")
        now = timezone.now()
        locked.text = text
        locked.version += 1
        locked.status = Instruction.Status.IN_FORCE
        locked.flag_reason = ""
        locked.updated_at = now
        locked.save(update_fields=["text", "version", "status", "flag_reason", "updated_at"])
        _event(locked, "amended", actor=actor, by_operator=False, at=now, text=text)
        audit_record(
            tenant=tenant,
            actor=actor,
            action="instruction.amend",
            obj=locked,
            changed_fields=["text", "version", "status", "flag_reason"],
        )
        _notify_operator_of(locked, "amended", tenant)
    return locked


def instruction_withdraw(*, actor: User, instruction: Instruction, note: str = "") -> Instruction:
    """The tenant withdraws an instruction; it no longer binds the operator."""
    tenant = actor.tenant
    assert_same_tenant(tenant, instruction)
    _require_authorised(actor)
    note = (note or "").strip()[:2000]
    with transaction.atomic():
        locked = _lock(instruction)
        _refuse_withdrawn(locked)
        now = timezone.now()
        locked.status = Instruction.Status.WITHDRAWN
        locked.updated_at = now
        locked.save(update_fields=["status", "updated_at"])
        _event(locked, "withdrawn", actor=actor, by_operator=False, at=now, note=note)
        audit_record(
            tenant=tenant,
            actor=actor,
            action="instruction.withdraw",
            obj=locked,
            changed_fields=["status"],
        )
        _notify_operator_of(locked, "withdrawn", tenant)
    return locked


def require_authorised(actor: User) -> None:
    """403 unless ``actor`` may act for the tenant in instructions (reads included)."""
    _require_authorised(actor)
