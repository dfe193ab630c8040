"""Erasure (Art. 17 GDPR), driven by the data map.

For every declared model, the rows whose *first* link is the person get each personal field's
``on_erasure`` action; rows that merely *refer* to the person through a further link (a booking
someone made for a colleague) lose that link and nothing else. Sessions end first, by their
account link, files of cleared or deleted file fields are deleted with their rows, and the account row
goes last. Legal holds are kept and listed. Everything runs in one transaction, under a lock
on the person, and is audited under the person's pseudonym.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.utils import timezone

from deskwerk.access.roles import require_permission
from deskwerk.accounts.models import Membership, User
from deskwerk.audit.services import audit_record
from deskwerk.core.errors import Conflict
from deskwerk.privacy.datamap import REGISTRY, Action, ModelMap
from deskwerk.privacy.pseudonyms import person_pseudonym
from deskwerk.privacy.requests.restriction import cancel_future_bookings
from deskwerk.tenancy.services import assert_same_tenant
from deskwerk.websessions.models import WebSession

logger = logging.getLogger(__name__)

# Conventions a model follows to take part in pseudonymisation (bookings.Booking does):
PSEUDONYM_FIELD = "person_pseudonym"  # receives the person's keyed pseudonym
PSEUDONYMISED_AT_FIELD = "pseudonymised_at"  # stamped when the link is cut
ACCOUNT_LABEL = "accounts.User"
SESSION_LABEL = "websessions.WebSession"  # ended by _delete_sessions, before the plans run
BATCH = 500


@dataclass
class KeptUnderHold:
    model: str
    fields: list[str]
    rows: int
    reason: str
    period: str


@dataclass
class ErasureResult:
    """What the erasure did, per model: the answer to the person and the tenant."""

    pseudonym: str
    erased_at: str
    deleted: dict[str, int] = field(default_factory=dict)
    pseudonymised: dict[str, int] = field(default_factory=dict)
    references_cut: dict[str, int] = field(default_factory=dict)
    files_deleted: int = 0
    legal_holds: list[KeptUnderHold] = field(default_factory=list)
    cancelled_bookings: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Plan:
    """What erasure does to one model's rows of the person, checked once from the data map."""

    model_map: ModelMap
    delete_rows: bool
    updates: dict[str, Action]  # field name -> CLEAR or PSEUDONYMISE
    holds: list[str]

    @property
    def label(self) -> str:
        return self.model_map.label


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """A concrete field (links and personal fields always are)."""
    f = model._meta.get_field(name)
    assert isinstance(f, models.Field), f"{model._meta.label}.{name} is not a column"
    return f


def plan_for(model_map: ModelMap) -> Plan:
    """Turn a declaration into actions; refuse declarations that contradict themselves."""
    actions = {name: rule.on_erasure for name, rule in model_map.personal.items()}
    delete_rows = Action.DELETE_ROW in actions.values()
    if delete_rows and set(actions.values()) != {Action.DELETE_ROW}:
        raise ImproperlyConfigured(
            f"{model_map.label}: a row cannot be deleted and partly kept at erasure; "
            "declare every personal field DELETE_ROW, or none"
        )
    model = model_map.model
    first = model._meta.get_field(model_map.links[0])
    if not delete_rows and first.is_relation and actions.get(first.name) != Action.PSEUDONYMISE:
        # A kept row would still point at the deleted account (or block its deletion).
        raise ImproperlyConfigured(
            f"{model_map.label}.{first.name}: rows kept at erasure must cut the link "
            "(declare it PSEUDONYMISE)"
        )
    for link in model_map.links[1:]:
        if not _field(model, link).null:
            raise ImproperlyConfigured(f"{model_map.label}.{link}: a reference must be nullable")
    updates: dict[str, Action] = {
        name: action
        for name, action in actions.items()
        if action in (Action.CLEAR, Action.PSEUDONYMISE)
    }
    holds = [name for name, action in actions.items() if action == Action.LEGAL_HOLD]
    return Plan(model_map=model_map, delete_rows=delete_rows, updates=updates, holds=holds)


def erasure_plans() -> list[Plan]:
    """Every linked model except the account itself, which goes last."""
    return [
        plan_for(m)
        for m in REGISTRY.values()
        if m.links and m.personal and m.label not in (ACCOUNT_LABEL, SESSION_LABEL)
    ]


def _rows(model: type[models.Model], tenant_id: int, **lookup: Any) -> models.QuerySet[Any]:
    """Rows of any model (tenant-owned or not), filtered by tenant when it has one."""
    qs = model._base_manager.filter(**lookup)
    if any(f.name == "tenant" for f in model._meta.concrete_fields):
        qs = qs.filter(tenant_id=tenant_id)
    return qs


def _cleared(f: models.Field[Any, Any]) -> Any:
    """The empty value of a field: NULL where allowed, else its blank form."""
    if f.null:
        return None
    if isinstance(f, models.JSONField):
        return f.get_default() if f.has_default() else {}
    if isinstance(f, models.CharField | models.TextField | models.FileField):
        return ""
    if f.has_default():
        return f.get_default()
    raise ImproperlyConfigured(f"{f.model._meta.label}.{f.name} has no empty value to clear to")


def _pseudonymised(f: models.Field[Any, Any], pseudonym: str) -> Any:
    """A link is cut; a text field takes the pseudonym in place of the person."""
    if f.is_relation or f.name.endswith("_id"):
        if not f.null:
            raise ImproperlyConfigured(f"{f.model._meta.label}.{f.name} must be nullable")
        return None
    if isinstance(f, models.CharField | models.TextField):
        return pseudonym
    return _cleared(f)


def file_names(qs: models.QuerySet[Any], names: list[str]) -> list[str]:
    """Stored file names of the file fields ``names`` in ``qs`` (empty ones skipped)."""
    found: list[str] = []
    for row in qs.values_list(*names).iterator(chunk_size=BATCH):
        found += [value for value in row if value]
    return found


def delete_files_on_commit(model: type[models.Model], field_name: str, names: list[str]) -> None:
    """Delete the files once the rows are gone for good (a rollback keeps both)."""
    if not names:
        return
    f = _field(model, field_name)
    assert isinstance(f, models.FileField)
    storage = f.storage

    def delete() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)


def _file_fields(model: type[models.Model], names: list[str]) -> list[str]:
    return [n for n in names if isinstance(_field(model, n), models.FileField)]


def _delete_files(
    model: type[models.Model], rows: models.QuerySet[Any], name: str, result: ErasureResult
) -> None:
    names = file_names(rows, [name])
    delete_files_on_commit(model, name, names)
    result.files_deleted += len(names)


def _holds(plan: Plan, rows: int) -> list[KeptUnderHold]:
    """The kept fields grouped by their hold's reason and period."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for name in plan.holds:
        hold = plan.model_map.personal[name].hold
        assert hold is not None  # Personal insists on it
        grouped.setdefault((hold.reason, hold.period), []).append(name)
    return [
        KeptUnderHold(model=plan.label, fields=names, rows=rows, reason=reason, period=period)
        for (reason, period), names in grouped.items()
    ]


def _apply(plan: Plan, person: User, pseudonym: str, result: ErasureResult) -> None:
    model = plan.model_map.model
    rows = _rows(model, person.tenant_id, **{plan.model_map.links[0]: person.pk})
    files = _file_fields(model, list(plan.model_map.personal))
    count = rows.count()
    if count and plan.delete_rows:
        for name in files:
            _delete_files(model, rows, name, result)
        rows.delete()
        result.deleted[plan.label] = count
    elif count:
        if plan.updates:
            values: dict[str, Any] = {}
            for name, action in plan.updates.items():
                f = _field(model, name)
                if action == Action.CLEAR:
                    values[name] = _cleared(f)
                    if name in files:
                        _delete_files(model, rows, name, result)
                else:
                    values[name] = _pseudonymised(f, pseudonym)
            if Action.PSEUDONYMISE in plan.updates.values():
                columns = {f.name for f in model._meta.concrete_fields}
                if PSEUDONYM_FIELD in columns:
                    values[PSEUDONYM_FIELD] = pseudonym
                if PSEUDONYMISED_AT_FIELD in columns:
                    values[PSEUDONYMISED_AT_FIELD] = timezone.now()
            rows.update(**values)
            result.pseudonymised[plan.label] = count
        result.legal_holds += _holds(plan, count)
    for link in plan.model_map.links[1:]:
        cut = _rows(model, person.tenant_id, **{link: person.pk}).update(**{link: None})
        if cut:
            result.references_cut[f"{plan.label}.{link}"] = cut


def person_sessions(person: User) -> Iterator[tuple[WebSession, dict[str, Any]]]:
    """The person's sessions (found by their account column) with their decrypted data;
    a row no configured key decrypts comes with empty data."""
    from deskwerk.websessions.store import unseal

    rows = WebSession.objects.filter(user_id=person.pk, tenant_id=person.tenant_id)
    for session in rows.order_by("pk").iterator(chunk_size=BATCH):
        yield session, unseal(session) or {}


def _delete_sessions(person: User, result: ErasureResult) -> None:
    """Sessions end first and as a whole (not through the generic plans)."""
    count, _ = WebSession.objects.filter(user_id=person.pk, tenant_id=person.tenant_id).delete()
    if count:
        result.deleted[SESSION_LABEL] = count


def _refuse_last_admin(person: User) -> None:
    membership = Membership.unscoped.filter(user=person).first()
    if membership is None or not membership.is_admin:
        return
    others = (
        Membership.unscoped.filter(
            tenant_id=person.tenant_id, role=Membership.Role.ADMIN, user__is_active=True
        )
        .exclude(user=person)
        .exists()
    )
    if not others:
        raise Conflict(
            "this is the tenant's last administrator; appoint another one first",
            code="last_admin",
        )


def person_erase(*, actor: User, person: User) -> ErasureResult:
    """Erase ``person`` as the data map says. A second erasure is refused with
    ``already_erased`` (409) and changes nothing."""
    require_permission(actor, "privacy.requests")
    assert_same_tenant(actor.tenant, person)
    tenant = actor.tenant
    with transaction.atomic():
        # The lock also serialises against bookings being made for the person meanwhile.
        locked = User.unscoped.select_for_update().filter(pk=person.pk, tenant=tenant).first()
        if locked is None:
            raise Conflict("this person has already been erased", code="already_erased")
        person = locked
        _refuse_last_admin(person)
        pseudonym = person_pseudonym(tenant, person.pk)
        result = ErasureResult(pseudonym=pseudonym, erased_at=timezone.now().isoformat())
        result.cancelled_bookings = cancel_future_bookings(
            actor=actor, person=person, why="erasure"
        )
        _delete_sessions(person, result)
        touched: list[str] = []
        for plan in erasure_plans():
            _apply(plan, person, pseudonym, result)
            if plan.delete_rows or plan.updates:
                touched.append(plan.label)
        account = REGISTRY[ACCOUNT_LABEL].model
        _rows(account, tenant.pk, pk=person.pk).delete()
        result.deleted[ACCOUNT_LABEL] = 1
        audit_record(
            tenant=tenant,
            actor=actor,
            action="person.erase",
            # Under the pseudonym: it matches the pseudonymised history and the request record.
            object_type="accounts.user",
            object_id=pseudonym,
            changed_fields=sorted({*result.deleted, *result.pseudonymised, *touched}),
        )
    logger.info("erased person %s of tenant %s", pseudonym, tenant.slug)
    return result
