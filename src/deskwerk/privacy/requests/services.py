"""The requests inbox: filing, deciding and carrying out data-subject requests.

The tenant is the controller: its administrators decide and act. A person may file a request
about themselves; the operator may forward one it received (§ 7 (3)) but never acts on it.
Every step is audited and recorded in the request's status history.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections.abc import Iterator

from django.db import transaction
from django.utils import timezone

from deskwerk.access.roles import has_permission, require_permission
from deskwerk.accounts.models import User
from deskwerk.audit.services import audit_record
from deskwerk.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from deskwerk.privacy.models import DataSubjectRequest, RequestEvent
from deskwerk.privacy.requests.erasure import person_erase
from deskwerk.privacy.requests.export import export_chunks
from deskwerk.privacy.requests.restriction import restriction_set
from deskwerk.tenancy.context import tenant_context
from deskwerk.tenancy.models import Tenant
from deskwerk.tenancy.services import assert_same_tenant

logger = logging.getLogger(__name__)

Kind = DataSubjectRequest.Kind
Source = DataSubjectRequest.Source
Status = DataSubjectRequest.Status
# Reminders go out this long before the deadline.
REMIND_BEFORE = dt.timedelta(days=7)
# Closed requests are proof of accountability for this long, then purged (see the data map).
REQUEST_RETENTION_DAYS = 3 * 365

TRANSITIONS: dict[str, set[str]] = {
    Status.RECEIVED: {Status.IN_PROGRESS, Status.COMPLETED, Status.REJECTED},
    Status.IN_PROGRESS: {Status.COMPLETED, Status.REJECTED},
    Status.COMPLETED: set(),
    Status.REJECTED: set(),
}
# These are completed by carrying them out, never by just saying so.
EXECUTABLE = {Kind.ACCESS, Kind.ERASURE, Kind.RESTRICTION}


def add_one_month(moment: dt.datetime) -> dt.datetime:
    """The same day of the next calendar month, or its last day (31 Jan -> 28/29 Feb), as
    Art. 12 (3) GDPR counts "one month" (computed in UTC)."""
    utc = moment.astimezone(dt.UTC)
    year, month = (utc.year + 1, 1) if utc.month == 12 else (utc.year, utc.month + 1)
    day = min(utc.day, calendar.monthrange(year, month)[1])
    return utc.replace(year=year, month=month, day=day)


def _event(
    request: DataSubjectRequest, *, actor: User | None, status: str, reason: str = ""
) -> None:
    RequestEvent.unscoped.create(
        tenant_id=request.tenant_id,
        request=request,
        at=timezone.now(),
        actor_id=actor.pk if actor is not None else None,
        status=status,
        reason=reason,
    )


def request_create(
    *,
    actor: User | None,
    tenant: Tenant,
    subject: User,
    kind: str,
    source: str | None = None,
    note: str = "",
) -> DataSubjectRequest:
    """File a request about ``subject``.

    A person filing about themselves makes a ``subject`` request; administrators enter
    requests (``admin``) or record one the operator forwarded (``operator``). With no actor,
    it is the operator forwarding: it lands in the inbox and waits for the tenant.
    """
    if kind not in Kind.values:
        raise InvalidInput(f"unknown kind {kind!r}", code="invalid_kind")
    if source is not None and source not in Source.values:
        raise InvalidInput(f"unknown source {source!r}", code="invalid_source")
    if subject.tenant_id != tenant.pk:
        raise NotFound("person not found")
    if actor is None:
        if source not in (None, Source.OPERATOR):
            raise InvalidInput("without an actor, only the operator forwards requests")
        source = Source.OPERATOR
    else:
        assert_same_tenant(tenant, actor, subject)
        mine = actor.pk == subject.pk and source in (None, Source.SUBJECT)
        if not mine and not has_permission(actor, "privacy.requests"):
            raise Forbidden("members file requests about themselves only")
        source = source or (Source.SUBJECT if actor.pk == subject.pk else Source.ADMIN)
    if source == Source.SUBJECT and (actor is None or actor.pk != subject.pk):
        raise InvalidInput(
            "only the person themselves makes a request with source 'subject'",
            code="invalid_source",
        )
    now = timezone.now()
    with transaction.atomic():
        request = DataSubjectRequest.unscoped.create(
            tenant=tenant,
            subject=subject,
            kind=kind,
            source=source,
            received_at=now,
            due_at=add_one_month(now),
            note=note.strip(),
            created_by=actor,
        )
        _event(request, actor=actor, status=Status.RECEIVED)
        audit_record(
            tenant=tenant,
            actor=actor,
            action="privacy.request.create",
            obj=request,
            changed_fields=["kind", "source", "subject", "note"],
        )
    return request


def _locked(request: DataSubjectRequest) -> DataSubjectRequest:
    return DataSubjectRequest.unscoped.select_for_update().get(
        pk=request.pk, tenant_id=request.tenant_id
    )


def _close(
    request: DataSubjectRequest, *, actor: User | None, status: str, reason: str = ""
) -> None:
    """Record a final status, its history entry and its audit event."""
    request.status = status
    request.completed_at = timezone.now()
    request.reason = reason or request.reason
    request.save(update_fields=["status", "completed_at", "reason", "result"])
    _event(request, actor=actor, status=status, reason=reason)
    audit_record(
        tenant=request.tenant,
        actor=actor,
        action=f"privacy.request.{status}",
        obj=request,
        changed_fields=["status", "completed_at", *(["reason"] if reason else []), "result"],
    )


def _refuse_closed(request: DataSubjectRequest) -> None:
    if request.is_open:
        return
    if request.kind == Kind.ERASURE and request.status == Status.COMPLETED:
        raise Conflict(
            f"this person was already erased on {request.completed_at:%Y-%m-%d}; "
            "nothing further was done",
            code="already_erased",
            pseudonym=request.person_pseudonym,
        )
    raise Conflict(f"the request is {request.status} and cannot change", code="request_closed")


def request_transition(
    *, actor: User, request: DataSubjectRequest, status: str, reason: str = ""
) -> DataSubjectRequest:
    """Move a request along: received -> in progress -> completed or rejected (with reason).

    Access, erasure and restriction are completed only by carrying them out (``execute``);
    rectification is completed by hand after the data was corrected via the edit paths.
    """
    require_permission(actor, "privacy.requests")
    assert_same_tenant(actor.tenant, request)
    reason = reason.strip()
    with transaction.atomic():
        request = _locked(request)
        _refuse_closed(request)
        if status not in TRANSITIONS.get(request.status, set()):
            raise Conflict(
                f"a {request.status} request cannot become {status}", code="invalid_transition"
            )
        if status == Status.REJECTED:
            if not reason:
                raise InvalidInput("say why the request is rejected", code="reason_required")
            _close(request, actor=actor, status=status, reason=reason)
        elif status == Status.COMPLETED:
            if request.kind in EXECUTABLE:
                raise Conflict(
                    f"an {request.kind} request is completed by carrying it out (execute)",
                    code="execute_required",
                )
            _close(request, actor=actor, status=status, reason=reason)
        else:
            request.status = status
            request.save(update_fields=["status"])
            _event(request, actor=actor, status=status, reason=reason)
            audit_record(
                tenant=request.tenant,
                actor=actor,
                action="privacy.request.transition",
                obj=request,
                changed_fields=["status"],
            )
    return request


def _subject(request: DataSubjectRequest) -> User:
    if request.subject_id is None:
        raise Conflict(
            "the person of this request has been erased",
            code="already_erased",
            pseudonym=request.person_pseudonym,
        )
    return User.unscoped.get(pk=request.subject_id)


def request_execute(
    *, actor: User, request: DataSubjectRequest, confirm: bool = False
) -> DataSubjectRequest:
    """Carry out an access, erasure or restriction request and complete it, in one
    transaction. Erasure needs ``confirm``: it cannot be undone."""
    require_permission(actor, "privacy.requests")
    assert_same_tenant(actor.tenant, request)
    if request.kind == Kind.ERASURE and not confirm:
        raise InvalidInput(
            "erasure cannot be undone: send confirm=true", code="confirmation_required"
        )
    with transaction.atomic():
        # The person first, then the request: the order every erasure takes, so two requests
        # of one person executed at once queue up instead of deadlocking.
        if request.subject_id is not None:
            User.unscoped.select_for_update().filter(pk=request.subject_id).values_list(
                "pk"
            ).first()
        request = _locked(request)
        _refuse_closed(request)
        if request.kind not in EXECUTABLE:
            raise Conflict(
                "rectify through the normal edit paths (PATCH /api/v1/people/{id}), then mark "
                "the request completed",
                code="not_executable",
            )
        subject = _subject(request)
        if request.status == Status.RECEIVED:
            request.status = Status.IN_PROGRESS
            request.save(update_fields=["status"])
            _event(request, actor=actor, status=Status.IN_PROGRESS)
        if request.kind == Kind.ACCESS:
            request.result = {"export": f"/api/v1/privacy/requests/{request.pk}/export"}
        elif request.kind == Kind.RESTRICTION:
            request.result = restriction_set(actor=actor, person=subject).as_dict()
        else:
            result = person_erase(actor=actor, person=subject)
            request.refresh_from_db()  # the erasure cut its link and cleared its note
            request.result = result.as_dict()
            _close_others(request, actor=actor)
        _close(request, actor=actor, status=Status.COMPLETED)
    return request


def _close_others(erased: DataSubjectRequest, *, actor: User) -> None:
    """Other open requests of the erased person cannot be answered any more: close them."""
    others = DataSubjectRequest.unscoped.filter(
        tenant_id=erased.tenant_id,
        person_pseudonym=erased.person_pseudonym,
        subject__isnull=True,
        status__in=DataSubjectRequest.OPEN,
    ).exclude(pk=erased.pk)
    for other in others.select_for_update():
        if other.kind == Kind.ERASURE:
            other.result = {"erased_by_request": erased.pk}
            _close(other, actor=actor, status=Status.COMPLETED)
        else:
            _close(
                other,
                actor=actor,
                status=Status.REJECTED,
                reason=f"the person was erased (request {erased.pk})",
            )


def request_export(*, actor: User, request: DataSubjectRequest) -> Iterator[bytes]:
    """The access export of the request's person, as ZIP chunks. Audited as a privileged read
    before the first byte leaves."""
    require_permission(actor, "privacy.requests")
    assert_same_tenant(actor.tenant, request)
    if request.kind != Kind.ACCESS:
        raise Conflict("only access requests have an export", code="not_an_access_request")
    if request.status == Status.REJECTED:
        raise Conflict("the request was rejected", code="request_closed")
    subject = _subject(request)
    audit_record(
        tenant=actor.tenant,
        actor=actor,
        action="privacy.export",
        obj=request,
        changed_fields=[],
    )
    return export_chunks(subject)


def remind_due_requests(now: dt.datetime | None = None) -> int:
    """Mark open requests whose deadline is near (or passed) as reminded, once each.

    There is no e-mail yet: the reminder is an audit event, the ``reminded_at`` stamp the
    inbox shows, and a log line. Returns how many requests were reminded.
    """
    now = now or timezone.now()
    due = (
        DataSubjectRequest.unscoped.filter(
            status__in=DataSubjectRequest.OPEN,
            reminded_at__isnull=True,
            due_at__lte=now + REMIND_BEFORE,
        )
        .select_related("tenant")
        .order_by("tenant_id", "pk")
    )
    count = 0
    for request in due.iterator(chunk_size=500):
        with tenant_context(request.tenant), transaction.atomic():
            updated = DataSubjectRequest.unscoped.filter(
                pk=request.pk, reminded_at__isnull=True, status__in=DataSubjectRequest.OPEN
            ).update(reminded_at=now)
            if not updated:
                continue
            audit_record(
                tenant=request.tenant,
                actor=None,
                action="privacy.request.remind",
                obj=request,
                changed_fields=["reminded_at"],
            )
        logger.warning(
            "data-subject request %s of tenant %s (%s) is due %s",
            request.pk,
            request.tenant.slug,
            request.kind,
            request.due_at.isoformat(),
        )
        count += 1
    return count


def purge_closed_requests(now: dt.datetime | None = None) -> int:
    """Delete requests closed longer than the retention ago, with their history."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=REQUEST_RETENTION_DAYS)
    old = DataSubjectRequest.unscoped.filter(
        status__in=(Status.COMPLETED, Status.REJECTED), completed_at__lt=cutoff
    )
    purged = 0
    for tenant_id in old.values_list("tenant_id", flat=True).distinct().order_by():
        tenant = Tenant.objects.get(pk=tenant_id)
        with tenant_context(tenant), transaction.atomic():
            rows = old.filter(tenant_id=tenant_id)
            count = rows.count()
            RequestEvent.unscoped.filter(request__in=rows).delete()
            rows.delete()
            audit_record(
                tenant=tenant,
                actor=None,
                action="privacy.request.purge",
                object_type="privacy.datasubjectrequest",
                object_id=count,
            )
            purged += count
    return purged
