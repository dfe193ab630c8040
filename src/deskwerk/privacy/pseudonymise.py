"""Pseudonymisation after the tenant's deadline (Annex 1 I.6), driven by the data map.

Past bookings and usage rows older than ``pseudonymise_after_days`` lose their link to the
person: every field the data map marks ``on_pseudonymise=PSEUDONYMISE`` (a link to a person) is
set NULL, the row's subject is replaced by their keyed pseudonym, every field marked ``CLEAR``
is emptied, and ``pseudonymised_at`` is stamped. Add a field to the map and this follows.

Set-based: pseudonyms are computed in Python only for the distinct people of a batch (HMAC
with the tenant's secret) and put into a temporary table; one ``UPDATE`` per batch joins it.
Batches walk the due rows in the order of their deadline field through a partial index that
holds only rows still linked, each batch in its own transaction: an interruption loses at most
the batch in flight, and the next run carries on where it stopped. Rows already pseudonymised
are never touched again, so a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.utils import timezone

from deskwerk.audit.services import audit_record
from deskwerk.privacy.datamap import REGISTRY, Action
from deskwerk.privacy.pseudonyms import person_pseudonym, tenant_secret
from deskwerk.privacy.settings import privacy_settings
from deskwerk.tenancy.models import Tenant

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (model label, rows done, rows due)

TEMP_TABLE = "deskwerk_pseudonyms"
# The temporary table maps this id to "no person" (rows whose subject link is already NULL):
# one join covers them too. No account has id 0.
NO_PERSON = 0


@dataclass(frozen=True)
class Target:
    """A model that is pseudonymised, and which of its times starts the deadline."""

    label: str
    due_field: str
    pseudonym_field: str = "person_pseudonym"
    stamp_field: str = "pseudonymised_at"


# Which time counts is the one thing the data map does not say; everything else comes from it.
TARGETS: tuple[Target, ...] = (
    Target("bookings.Booking", due_field="ends_at"),
    Target("usage.UsageEvent", due_field="at"),
)


@dataclass(frozen=True)
class Plan:
    """What pseudonymising a row of ``target`` means, read from the data map."""

    target: Target
    model: type[models.Model]
    subject: str  # the link naming the row's person: its pseudonym is kept
    cut: tuple[str, ...]  # links set NULL (the subject among them)
    clear: tuple[tuple[str, Any], ...]  # fields emptied, with their empty value

    @property
    def fields(self) -> set[str]:
        """Every field a pseudonymisation writes."""
        return {
            *self.cut,
            *(name for name, _ in self.clear),
            self.target.pseudonym_field,
            self.target.stamp_field,
        }


def plan_for(target: Target) -> Plan:
    """Read the data map; refuse what this code cannot do rather than silently skip it."""
    declared = REGISTRY.get(target.label)
    if declared is None:
        raise ImproperlyConfigured(f"{target.label} is not in the data map")
    model = declared.model
    cut: list[str] = []
    clear: list[tuple[str, Any]] = []
    for name, rule in declared.personal.items():
        action = rule.on_pseudonymise
        if action == Action.KEEP:
            continue
        model_field = model._meta.get_field(name)
        if not isinstance(model_field, models.Field):
            raise ImproperlyConfigured(f"{target.label}.{name} is not a column")
        if action == Action.PSEUDONYMISE and model_field.is_relation and model_field.null:
            cut.append(name)
        elif action == Action.CLEAR and model_field.null:
            clear.append((name, None))
        elif action == Action.CLEAR and isinstance(
            model_field, models.CharField | models.TextField
        ):
            clear.append((name, ""))
        else:
            raise ImproperlyConfigured(
                f"{target.label}.{name}: on_pseudonymise={action} is not supported for this "
                "kind of field (links must be nullable; CLEAR needs a text or nullable field)"
            )
    if not declared.links or declared.links[0] not in cut:
        raise ImproperlyConfigured(
            f"{target.label}: the subject link must be marked on_pseudonymise=PSEUDONYMISE"
        )
    for name in (target.due_field, target.pseudonym_field, target.stamp_field):
        model._meta.get_field(name)  # raises FieldDoesNotExist on a typo
    return Plan(
        target=target, model=model, subject=declared.links[0], cut=tuple(cut), clear=tuple(clear)
    )


def plans() -> list[Plan]:
    return [plan_for(target) for target in TARGETS]


@dataclass
class PseudonymiseResult:
    tenant: Tenant
    cutoff: dt.datetime
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def default_batch_size() -> int:
    # SQLite has one writer: keep each write transaction short.
    return 50_000 if connection.vendor == "postgresql" else 10_000


def pseudonymise_tenant(
    tenant: Tenant,
    *,
    now: dt.datetime | None = None,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> PseudonymiseResult:
    """Pseudonymise every row of ``tenant`` whose deadline has passed; audit the run.

    Writes one audit event ``privacy.pseudonymise`` (the row count as object id, the changed
    field names), also when nothing was due, and also when the run is interrupted (then with
    what was committed before the interruption).
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=privacy_settings(tenant).pseudonymise_after_days)
    result = PseudonymiseResult(tenant=tenant, cutoff=cutoff)
    changed: set[str] = set()
    run = _Run(tenant, now=now, batch_size=batch_size or default_batch_size())
    try:
        for plan in plans():
            count = run.pseudonymise(plan, cutoff, progress)
            result.counts[plan.target.label] = count
            if count:
                changed |= {f"{plan.target.label}.{name}" for name in plan.fields}
    except BaseException:
        # Committed batches stay; say so in the log of this (interrupted) run.
        if run.done:
            result.counts[run.current] = run.done
            changed |= {f"{run.current}.{name}" for name in run.fields}
        try:
            _audit(result, changed)
        except Exception:
            logger.exception("could not audit the interrupted pseudonymisation")
        raise
    finally:
        run.close()
    _audit(result, changed)
    return result


def _audit(result: PseudonymiseResult, changed: Iterable[str]) -> None:
    with transaction.atomic():
        audit_record(
            tenant=result.tenant,
            actor=None,
            action="privacy.pseudonymise",
            object_type="privacy.pseudonymisation",
            object_id=str(result.total),
            changed_fields=changed,
        )


class _Run:
    """One tenant's run: its secret, the pseudonyms already in the temporary table."""

    def __init__(self, tenant: Tenant, *, now: dt.datetime, batch_size: int) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be positive")
        self.tenant = tenant
        self.now = now
        self.batch_size = batch_size
        self.secret: bytes | None = None
        self.known: set[int] = set()
        self.table_ready = False
        self.current = ""
        self.fields: set[str] = set()
        self.done = 0

    def pseudonymise(self, plan: Plan, cutoff: dt.datetime, progress: Progress | None) -> int:
        self.current, self.fields, self.done = plan.target.label, plan.fields, 0
        sql = _Sql(plan)
        adapt = connection.ops.adapt_datetimefield_value
        due = [self.tenant.pk, adapt(cutoff)]
        with connection.cursor() as cursor:
            cursor.execute(sql.any_due, due)
            if cursor.fetchone() is None:
                return 0  # the daily case: one probe of a small index
            total = 0
            if progress is not None:
                cursor.execute(sql.count_due, due)
                total = cursor.fetchone()[0]
                progress(plan.target.label, 0, total)
        self._prepare()
        lower: Any = None
        while True:
            with connection.cursor() as cursor:
                cursor.execute(sql.boundary(lower), [*due, *_opt(lower), self.batch_size - 1])
                row = cursor.fetchone()
            upper = adapt(row[0]) if row else None
            window = [*due, *_opt(lower), *_opt(upper)]
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql.people(lower, upper), window)
                people = [person for (person,) in cursor.fetchall()]
                added = self._add_pseudonyms(cursor, people)
                cursor.execute(sql.update(lower, upper), [*sql.values(self.now), *window])
                self.done += cursor.rowcount
            self.known |= added  # only once committed
            if progress is not None:
                progress(plan.target.label, self.done, max(total, self.done))
            if upper is None:
                return self.done
            lower = upper

    def _prepare(self) -> None:
        if self.table_ready:
            return
        if self.secret is None:
            self.secret = tenant_secret(self.tenant)
        id_type = "bigint" if connection.vendor == "postgresql" else "integer"
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {TEMP_TABLE} "
                f"(user_id {id_type} PRIMARY KEY, pseudonym varchar(40) NOT NULL)"
            )
            cursor.execute(f"DELETE FROM {TEMP_TABLE}")  # noqa: S608 - a left-over of this session
            cursor.execute(
                f"INSERT INTO {TEMP_TABLE} (user_id, pseudonym) VALUES (%s, '')",  # noqa: S608
                [NO_PERSON],
            )
        self.known = set()
        self.table_ready = True

    def _add_pseudonyms(self, cursor: Any, people: list[int]) -> set[int]:
        assert self.secret is not None
        new = [p for p in people if p not in self.known]
        if not new:
            return set()
        pseudonyms = [person_pseudonym(self.tenant, p, secret=self.secret) for p in new]
        if connection.vendor == "postgresql":
            # One statement for thousands of rows (executemany would be one each).
            cursor.execute(
                f"INSERT INTO {TEMP_TABLE} (user_id, pseudonym) "  # noqa: S608
                "SELECT * FROM unnest(%s::bigint[], %s::varchar[])",
                [new, pseudonyms],
            )
            cursor.execute(f"ANALYZE {TEMP_TABLE}")  # a good join plan for the update
        else:
            cursor.executemany(
                f"INSERT INTO {TEMP_TABLE} (user_id, pseudonym) VALUES (%s, %s)",  # noqa: S608
                list(zip(new, pseudonyms, strict=True)),
            )
        return set(new)

    def close(self) -> None:
        if not self.table_ready:
            return
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {TEMP_TABLE}")
        except Exception:  # a broken connection takes its temporary table with it
            logger.debug("could not drop the temporary pseudonym table", exc_info=True)
        self.table_ready = False


def _opt(value: Any) -> list[Any]:
    return [] if value is None else [value]


class _Sql:
    """The statements of one plan. Only names from model metadata are put into the SQL."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        meta = plan.model._meta
        q = connection.ops.quote_name
        self.table = q(meta.db_table)

        def col(name: str) -> str:
            model_field = meta.get_field(name)
            assert isinstance(model_field, models.Field)
            assert model_field.column
            return q(model_field.column)

        self.col = col
        target = plan.target
        self.tenant = col("tenant")
        self.due = col(target.due_field)
        self.subject = col(plan.subject)
        self.stamp = col(target.stamp_field)
        self.pseudonym = col(target.pseudonym_field)
        self.any_due = f"SELECT 1 FROM {self.table} WHERE {self.where()} LIMIT 1"  # noqa: S608
        self.count_due = f"SELECT count(*) FROM {self.table} WHERE {self.where()}"  # noqa: S608

    def where(self, lower: Any = None, upper: Any = None, prefix: str = "") -> str:
        """Rows of the tenant still linked and past the deadline (the partial index's rows),
        optionally within (lower, upper] of the deadline field."""
        p = prefix
        text = f"{p}{self.tenant} = %s AND {p}{self.stamp} IS NULL AND {p}{self.due} < %s"
        if lower is not None:
            text += f" AND {p}{self.due} > %s"
        if upper is not None:
            text += f" AND {p}{self.due} <= %s"
        return text

    def boundary(self, lower: Any) -> str:
        """The deadline time of the batch's last row: the batch ends there (ties included)."""
        return (
            f"SELECT {self.due} FROM {self.table} WHERE {self.where(lower)} "  # noqa: S608
            f"ORDER BY {self.due} LIMIT 1 OFFSET %s"
        )

    def people(self, lower: Any, upper: Any) -> str:
        return (
            f"SELECT DISTINCT {self.subject} FROM {self.table} "  # noqa: S608
            f"WHERE {self.where(lower, upper)} AND {self.subject} IS NOT NULL"
        )

    def values(self, now: dt.datetime) -> list[Any]:
        """Parameters of the assignments of ``update``, in their order."""
        return [value for _, value in self.plan.clear] + [
            connection.ops.adapt_datetimefield_value(now)
        ]

    def update(self, lower: Any, upper: Any) -> str:
        """One statement for the whole batch; each person's pseudonym comes from the join."""
        plan = self.plan
        sets = [f"{self.col(name)} = NULL" for name in plan.cut]
        sets += [f"{self.col(name)} = %s" for name, _ in plan.clear]
        sets.append(f"{self.stamp} = %s")
        assignments = ", ".join(sets)
        if connection.vendor == "postgresql" or _sqlite_has_update_from():
            return (
                f"UPDATE {self.table} AS t SET {assignments}, "  # noqa: S608
                f"{self.pseudonym} = CASE WHEN m.user_id = {NO_PERSON} "
                f"THEN t.{self.pseudonym} ELSE m.pseudonym END "
                f"FROM {TEMP_TABLE} AS m "
                f"WHERE m.user_id = COALESCE(t.{self.subject}, {NO_PERSON}) "
                f"AND {self.where(lower, upper, prefix='t.')}"
            )
        # SQLite before 3.33: a correlated lookup in the (small, indexed) temporary table.
        return (
            f"UPDATE {self.table} SET {assignments}, {self.pseudonym} = COALESCE("  # noqa: S608
            f"(SELECT m.pseudonym FROM {TEMP_TABLE} AS m "
            f"WHERE m.user_id = {self.table}.{self.subject}), {self.pseudonym}) "
            f"WHERE {self.where(lower, upper)}"
        )


def _sqlite_has_update_from() -> bool:
    import sqlite3

    return connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 33, 0)


def pseudonymise_tenants(
    tenants: Iterable[Tenant],
    *,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> list[PseudonymiseResult]:
    """Each tenant on its own: one tenant's failure is logged and does not stop the others."""
    results = []
    for tenant in tenants:
        try:
            results.append(pseudonymise_tenant(tenant, now=now, progress=progress))
        except Exception:
            logger.exception("pseudonymisation failed for tenant %s", tenant.slug)
    return results
