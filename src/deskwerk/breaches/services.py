"""Personal data breaches (DPA § 12, Art. 33/34 GDPR) as services.

Operator staff record an incident, notify every affected tenant's authorised persons within
24 hours of becoming aware (§ 12 (2)), and send follow-ups as more becomes known (Art. 33 (4),
§ 12 (4) of the DPA: "Informationen nachliefern"). A record lacking any Art. 33 (3) content is a
draft; it may be notified anyway, the notice then says what is still to follow (decision 0025).
Every step is audited in the operator tenant and in each tenant concerned, in the transaction
of the change. Tenants read their notices and export their own people's contact data for
Art. 34 notices to data subjects; operator staff never see a tenant's people.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from deskwerk.access.roles import require_permission
from deskwerk.accounts.models import User
from deskwerk.audit.services import audit_record
from deskwerk.breaches.models import (
    CONTENT_FIELDS,
    REMINDER_HOURS,
    Breach,
    BreachNotice,
    BreachReminder,
    BreachTenant,
)
from deskwerk.core.errors import Conflict, InvalidInput, NotFound
from deskwerk.processor.selectors import notice_language, operator_tenant
from deskwerk.processor.services import notify_operator, notify_tenant, require_operator
from deskwerk.tenancy.models import Tenant

logger = logging.getLogger(__name__)

PERMISSION = "operator.breaches"
# The tenant's side: reading its breaches and exporting its people for Art. 34 notices.
TENANT_PERMISSION = "privacy.requests"
TEXT_FIELDS = tuple(f for f in CONTENT_FIELDS if not f.endswith("_approx"))
NUMBER_FIELDS = tuple(f for f in CONTENT_FIELDS if f.endswith("_approx"))
MAX_TEXT = 5000
MAX_NUMBER = 2_000_000_000
# Fields a change of the record may touch (besides the affected tenants).
EDITABLE = ("kind", "became_known_at", *CONTENT_FIELDS)


# --- input -------------------------------------------------------------------------------------


def _clean_kind(value: Any) -> str:
    if value not in Breach.Kind.values:
        raise InvalidInput("kind is 'breach' or 'suspected'", code="invalid_breach_kind")
    return str(value)


def _clean_known(value: Any, now: dt.datetime) -> dt.datetime:
    """Aware, not in the future: the 24-hour clock runs from a real moment."""
    if not isinstance(value, dt.datetime):
        raise InvalidInput("became_known_at is a date and time", code="invalid_datetime")
    if timezone.is_naive(value):
        raise InvalidInput("became_known_at needs a UTC offset", code="naive_datetime")
    if value > now:
        raise InvalidInput("became_known_at lies in the future", code="became_known_in_future")
    return value


def _clean_text(name: str, value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{name} is text", code="invalid_breach_field")
    value = value.strip()
    if len(value) > MAX_TEXT or "\x00" in value:
        raise InvalidInput(f"{name} is too long or holds NUL", code="invalid_breach_field")
    return value


def _clean_number(name: str, value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{name} is a whole number", code="invalid_breach_field")
    if not 0 <= value <= MAX_NUMBER:
        raise InvalidInput(f"{name} is out of range", code="invalid_breach_field")
    return value


def _clean_tenants(value: Any) -> list[Tenant]:
    """One or more customer tenants; unknown ids and the operator tenant are refused."""
    if not isinstance(value, list | tuple) or not value:
        raise InvalidInput("name at least one affected tenant", code="tenants_required")
    ids: list[int] = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int):
            raise InvalidInput("tenant ids are whole numbers", code="unknown_tenant")
        if item not in ids:
            ids.append(item)
    tenants = {t.pk: t for t in Tenant.objects.filter(pk__in=ids)}
    unknown = [i for i in ids if i not in tenants]
    if unknown:
        raise InvalidInput(f"unknown tenant ids: {unknown}", code="unknown_tenant")
    if any(t.is_operator for t in tenants.values()):
        raise InvalidInput(
            "the operator tenant cannot be an affected tenant", code="operator_tenant_affected"
        )
    return [tenants[i] for i in ids]


def _clean(data: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "kind" in data:
        cleaned["kind"] = _clean_kind(data["kind"])
    if "became_known_at" in data:
        cleaned["became_known_at"] = _clean_known(data["became_known_at"], now)
    for name in TEXT_FIELDS:
        if name in data:
            cleaned[name] = _clean_text(name, data[name])
    for name in NUMBER_FIELDS:
        if name in data:
            cleaned[name] = _clean_number(name, data[name])
    if "tenant_ids" in data:
        cleaned["tenants"] = _clean_tenants(data["tenant_ids"])
    return cleaned


# --- helpers -----------------------------------------------------------------------------------


def contents_of(breach: Breach) -> dict[str, Any]:
    """The Art. 33 (3) contents as they stand (what a notice carries)."""
    return {name: getattr(breach, name) for name in CONTENT_FIELDS}


def _status(breach: Breach) -> str:
    if breach.closed_at is not None:
        return Breach.Status.CLOSED
    return Breach.Status.DRAFT if breach.missing else Breach.Status.COMPLETE


def _tenants(breach: Breach) -> list[Tenant]:
    return [
        link.tenant
        for link in BreachTenant.unscoped.filter(breach=breach)
        .select_related("tenant")
        .order_by("tenant_id")
    ]


def _audit_all(
    actor: User | None, action: str, breach: Breach, tenants: Iterable[Tenant], fields: list[str]
) -> None:
    """The operator tenant and every tenant concerned keep the step in their log."""
    for tenant in tenants:
        audit_record(tenant=tenant, actor=actor, action=action, obj=breach, changed_fields=fields)
    operator = operator_tenant()
    if operator is not None:
        audit_record(tenant=operator, actor=actor, action=action, obj=breach, changed_fields=fields)


def _locked(breach: Breach) -> Breach:
    return Breach.objects.select_for_update().get(pk=breach.pk)


def _open(breach: Breach) -> None:
    if breach.closed_at is not None:
        raise Conflict("the breach is closed", code="breach_closed")


def breach_get(breach_id: int) -> Breach:
    """Any breach, for operator staff (who have checked their permission)."""
    breach = Breach.objects.filter(pk=breach_id).first()
    if breach is None:
        raise NotFound("breach not found")
    return breach


# --- recording ---------------------------------------------------------------------------------


def breach_create(*, actor: User, data: dict[str, Any], now: dt.datetime | None = None) -> Breach:
    """Record an incident. Missing Art. 33 (3) contents make it a draft; the clock runs anyway."""
    require_operator(actor, PERMISSION)
    now = now or timezone.now()
    for required in ("kind", "became_known_at", "tenant_ids"):
        if data.get(required) is None:
            raise InvalidInput(f"{required} is required", code="breach_field_required")
    cleaned = _clean(data, now)
    tenants = cleaned.pop("tenants")
    with transaction.atomic():
        breach = Breach(recorded_by=actor, created_at=now, updated_at=now, **cleaned)
        breach.status = _status(breach)
        breach.save()
        for tenant in tenants:
            BreachTenant.unscoped.create(tenant=tenant, breach=breach, added_at=now)
        fields = [k for k, v in cleaned.items() if v not in (None, "")] + ["tenants"]
        _audit_all(actor, "breach.record", breach, tenants, fields)
    return breach


def breach_update(
    *, actor: User, breach: Breach, data: dict[str, Any], now: dt.datetime | None = None
) -> Breach:
    """Complete or correct the record (not sent by itself: a follow-up sends what changed).

    ``became_known_at`` is fixed once a tenant has been notified (the deadline it set was
    told); an affected tenant can be added at any time, removed only before its first notice.
    """
    require_operator(actor, PERMISSION)
    now = now or timezone.now()
    cleaned = _clean(data, now)
    with transaction.atomic():
        locked = _locked(breach)
        _open(locked)
        links = {link.tenant_id: link for link in BreachTenant.unscoped.filter(breach=locked)}
        notified = any(link.first_notified_at for link in links.values())
        changed = [k for k in EDITABLE if k in cleaned and getattr(locked, k) != cleaned[k]]
        if "became_known_at" in changed and notified:
            raise Conflict(
                "the time of knowledge is fixed once a tenant was notified",
                code="breach_notified",
            )
        added: list[Tenant] = []
        removed: list[Tenant] = []
        if "tenants" in cleaned:
            wanted = {t.pk: t for t in cleaned["tenants"]}
            added = [t for pk, t in wanted.items() if pk not in links]
            for pk, link in links.items():
                if pk not in wanted:
                    if link.first_notified_at is not None:
                        raise Conflict(
                            "a tenant that was notified stays affected", code="breach_notified"
                        )
                    removed.append(link.tenant)
        if not changed and not added and not removed:
            return locked
        for key in changed:
            setattr(locked, key, cleaned[key])
        locked.status = _status(locked)
        locked.updated_at = now
        locked.save()
        for tenant in added:
            BreachTenant.unscoped.create(tenant=tenant, breach=locked, added_at=now)
        BreachTenant.unscoped.filter(breach=locked, tenant__in=removed).delete()
        fields = changed + (["tenants"] if added or removed else [])
        _audit_all(actor, "breach.update", locked, [*_tenants(locked), *removed], fields)
    return locked


# --- notices -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeResult:
    breach: Breach
    notices: list[BreachNotice]


def _send(
    *,
    actor: User | None,
    breach: Breach,
    tenant: Tenant,
    phase: int,
    changed: list[str],
    note: str,
    now: dt.datetime,
) -> BreachNotice:
    """One notice to one tenant: the row, the mail and in-app notice, in this transaction."""
    notice = BreachNotice.unscoped.create(
        tenant=tenant,
        breach=breach,
        phase=phase,
        sent_at=now,
        contents=contents_of(breach),
        changed=changed,
        missing=breach.missing,
        note=note,
        sent_by=actor,
    )
    notify_tenant(
        tenant,
        "breach_notice",
        {
            "breach": breach,
            "notice": notice,
            "rows": notice_rows(notice),
            "missing": notice.missing,
            "changed": changed,
            "first": phase == 1,
            "deadline": breach.deadline,
            "language_code": notice_language(tenant),
        },
    )
    return notice


def notice_rows(notice: BreachNotice) -> list[dict[str, Any]]:
    """The contents of a notice in display order, with whether each is new in this phase."""
    return [
        {
            "field": name,
            "value": notice.contents.get(name),
            "changed": name in notice.changed,
            "missing": name in notice.missing,
        }
        for name in CONTENT_FIELDS
    ]


def breach_notify(
    *, actor: User, breach: Breach, note: str = "", now: dt.datetime | None = None
) -> NoticeResult:
    """Phase 1 to every affected tenant not yet notified, with what is known now.

    A draft may be notified (Art. 33 (4)): the notice lists the contents still to follow.
    """
    require_operator(actor, PERMISSION)
    note = _clean_text("note", note)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(breach)
        _open(locked)
        pending = list(
            BreachTenant.unscoped.select_for_update()
            .filter(breach=locked, first_notified_at__isnull=True)
            .select_related("tenant")
            .order_by("tenant_id")
        )
        if not pending:
            raise Conflict(
                "every affected tenant was notified; send a follow-up", code="breach_notified"
            )
        notices = []
        for link in pending:
            notices.append(
                _send(
                    actor=actor,
                    breach=locked,
                    tenant=link.tenant,
                    phase=1,
                    changed=[f for f in CONTENT_FIELDS if f not in locked.missing],
                    note=note,
                    now=now,
                )
            )
            link.first_notified_at = now
            link.save(update_fields=["first_notified_at"])
        _audit_all(actor, "breach.notify", locked, [link.tenant for link in pending], ["notices"])
    return NoticeResult(locked, notices)


def breach_follow_up(
    *, actor: User, breach: Breach, note: str = "", now: dt.datetime | None = None
) -> NoticeResult:
    """The next phase to every notified tenant: what changed since its last notice, plus a note.

    Tenants added since are sent their phase 1. Nothing new and no note: 409.
    """
    require_operator(actor, PERMISSION)
    note = _clean_text("note", note)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(breach)
        _open(locked)
        links = list(
            BreachTenant.unscoped.select_for_update()
            .filter(breach=locked)
            .select_related("tenant")
            .order_by("tenant_id")
        )
        if not any(link.first_notified_at for link in links):
            raise Conflict("no tenant was notified yet", code="breach_not_notified")
        last: dict[int, BreachNotice] = {}
        for notice in BreachNotice.unscoped.filter(breach=locked).order_by("phase", "pk"):
            last[notice.tenant_id] = notice
        current = contents_of(locked)
        plan: list[tuple[BreachTenant, int, list[str]]] = []
        for link in links:
            previous = last.get(link.tenant_id)
            if previous is None:
                plan.append((link, 1, [f for f in CONTENT_FIELDS if f not in locked.missing]))
                continue
            changed = [f for f in CONTENT_FIELDS if previous.contents.get(f) != current[f]]
            if changed or note:
                plan.append((link, previous.phase + 1, changed))
        if not plan:
            raise Conflict(
                "nothing changed since the last notice; add information or a note",
                code="breach_nothing_new",
            )
        notices = []
        for link, phase, changed in plan:
            notices.append(
                _send(
                    actor=actor,
                    breach=locked,
                    tenant=link.tenant,
                    phase=phase,
                    changed=changed,
                    note=note,
                    now=now,
                )
            )
            if link.first_notified_at is None:
                link.first_notified_at = now
                link.save(update_fields=["first_notified_at"])
        _audit_all(
            actor, "breach.follow_up", locked, [link.tenant for link, _, _ in plan], ["notices"]
        )
    return NoticeResult(locked, notices)


def breach_close(
    *, actor: User, breach: Breach, note: str, now: dt.datetime | None = None
) -> Breach:
    """Close the incident with a note; reminders stop, the record and notices stay, and every
    tenant that was notified gets a closing notice with the note."""
    require_operator(actor, PERMISSION)
    note = _clean_text("note", note)
    if not note:
        raise InvalidInput("say why the breach is closed", code="closing_note_required")
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(breach)
        _open(locked)
        locked.closed_at = now
        locked.closing_note = note
        locked.status = Breach.Status.CLOSED
        locked.updated_at = now
        locked.save(update_fields=["closed_at", "closing_note", "status", "updated_at"])
        _audit_all(
            actor, "breach.close", locked, _tenants(locked), ["closed_at", "closing_note", "status"]
        )
        # Tenants that were told of the breach are told it is closed, and why.
        told = BreachTenant.unscoped.filter(
            breach=locked, first_notified_at__isnull=False
        ).select_related("tenant")
        for link in told.order_by("tenant_id"):
            notify_tenant(link.tenant, "breach_closed", {"breach": locked, "note": note})
    return locked


# --- reminders to operator staff ---------------------------------------------------------------


def _outstanding(breach: Breach) -> tuple[list[str], int]:
    """What is missing, and how many affected tenants are not yet notified."""
    pending = BreachTenant.unscoped.filter(breach=breach, first_notified_at__isnull=True).count()
    return breach.missing, pending


def breach_reminders_due(*, now: dt.datetime | None = None) -> list[BreachReminder]:
    """Remind operator staff at 12 h and 20 h after knowledge, once each, while a content is
    missing or a tenant is not notified. A mark passed unsent (the worker was down) is
    recorded with the later one; one mail then names the latest mark."""
    now = now or timezone.now()
    sent: list[BreachReminder] = []
    earliest = now - dt.timedelta(hours=min(REMINDER_HOURS))
    candidates = Breach.objects.filter(closed_at__isnull=True, became_known_at__lte=earliest)
    for breach in candidates.order_by("became_known_at", "pk"):
        with transaction.atomic():
            locked = _locked(breach)
            if locked.closed_at is not None:
                continue
            elapsed = now - locked.became_known_at
            done = set(BreachReminder.objects.filter(breach=locked).values_list("hours", flat=True))
            due = [h for h in REMINDER_HOURS if elapsed >= dt.timedelta(hours=h) and h not in done]
            if not due:
                continue
            missing, pending = _outstanding(locked)
            if not missing and not pending:
                continue
            rows = [BreachReminder.objects.create(breach=locked, hours=h, sent_at=now) for h in due]
            notify_operator(
                "breach_reminder",
                {
                    "breach": locked,
                    "hours": max(due),
                    "missing": missing,
                    "pending": pending,
                    "deadline": locked.deadline,
                },
            )
            operator = operator_tenant()
            if operator is not None:
                audit_record(
                    tenant=operator,
                    actor=None,
                    action="breach.reminder",
                    obj=locked,
                    changed_fields=[f"reminder_{h}h" for h in due],
                )
            sent.extend(rows)
    return sent


# --- the tenant's side -------------------------------------------------------------------------


def tenant_breach_get(*, actor: User, breach_id: int) -> tuple[Breach, BreachTenant]:
    """A breach concerning the actor's tenant (404 for any other)."""
    require_permission(actor, TENANT_PERMISSION)
    link = (
        BreachTenant.unscoped.select_related("breach")
        .filter(tenant_id=actor.tenant_id, breach_id=breach_id)
        .first()
    )
    if link is None:
        raise NotFound("breach not found")
    return link.breach, link


AUDIENCES = ("active", "period")


def affected_people(
    *,
    actor: User,
    breach: Breach,
    audience: str,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[dict[str, str]]:
    """Contact data of the tenant's people for Art. 34 notices: every active person, or those
    with a booking (for themselves) overlapping [since, until). Audited; tenant-scoped.

    The caller checks re-authentication (a browser session) before calling.
    """
    from deskwerk.bookings.models import Booking

    require_permission(actor, TENANT_PERMISSION)
    tenant = actor.tenant
    if not BreachTenant.unscoped.filter(tenant=tenant, breach=breach).exists():
        raise NotFound("breach not found")
    if audience not in AUDIENCES:
        raise InvalidInput("audience is 'active' or 'period'", code="invalid_audience")
    people = User.objects.filter(tenant=tenant, is_active=True)
    if audience == "period":
        if since is None or until is None:
            raise InvalidInput("a period needs since and until", code="period_required")
        for value in (since, until):
            if timezone.is_naive(value):
                raise InvalidInput("times need a UTC offset", code="naive_datetime")
        if until <= since:
            raise InvalidInput("until must lie after since", code="invalid_period")
        booked = Booking.unscoped.filter(
            Q(starts_at__lt=until) & Q(ends_at__gt=since), tenant=tenant
        ).values("booked_for_id")
        people = people.filter(pk__in=booked)
    default_language = notice_language(tenant)
    rows = [
        {
            "name": u.full_name,
            "email": u.email,
            "language": u.language or default_language,
        }
        for u in people.order_by("full_name", "email", "pk")
    ]
    audit_record(
        tenant=tenant,
        actor=actor,
        action="breach.art34_export",
        obj=breach,
        changed_fields=[f"audience_{audience}"],
    )
    return rows


# --- compliance documentation (§ 14 (3)) -------------------------------------------------------


def documentation_rows(tenant: Tenant) -> list[dict[str, Any]]:
    """Every breach concerning ``tenant`` and every notice sent to it (JSON-serialisable)."""
    rows: list[dict[str, Any]] = []
    links = (
        BreachTenant.unscoped.filter(tenant=tenant)
        .select_related("breach")
        .order_by("breach__became_known_at", "breach_id")
    )
    notices: dict[int, list[BreachNotice]] = {}
    for notice in BreachNotice.unscoped.filter(tenant=tenant).order_by("breach_id", "phase"):
        notices.setdefault(notice.breach_id, []).append(notice)
    for link in links:
        breach = link.breach
        rows.append(
            {
                "breach_id": breach.pk,
                "kind": breach.kind,
                "became_known_at": breach.became_known_at.isoformat(),
                "deadline": breach.deadline.isoformat(),
                "first_notified_at": link.first_notified_at.isoformat()
                if link.first_notified_at
                else None,
                "deadline_met": deadline_met(breach, link.first_notified_at),
                "status": breach.status,
                "closed_at": breach.closed_at.isoformat() if breach.closed_at else None,
                "notices": [
                    {
                        "phase": n.phase,
                        "sent_at": n.sent_at.isoformat(),
                        "contents": n.contents,
                        "changed": n.changed,
                        "missing": n.missing,
                        "note": n.note,
                    }
                    for n in notices.get(breach.pk, [])
                ],
            }
        )
    return rows


def deadline_met(
    breach: Breach, notified_at: dt.datetime | None, now: dt.datetime | None = None
) -> bool | None:
    """True/False once notified; while not notified, False after the deadline, else None."""
    if notified_at is None:
        return False if (now or timezone.now()) > breach.deadline else None
    return notified_at <= breach.deadline
