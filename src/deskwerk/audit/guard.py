"""The database side of "append-only": the triggers of migration 0002 and their one bypass.

The triggers refuse UPDATE (except the one-time seal) and DELETE of audit rows. Two deletes are
legitimate: the retention purge (:func:`purge_bypass`) and the deletion of a whole tenant
(:func:`tenant_erasure_bypass`). Each opens the bypass for its own statements only — a
transaction-local setting on PostgreSQL, a SQL function answering from this thread's state on
SQLite (a plain ``sqlite3`` shell does not know the function, so its deletes fail).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

from deskwerk.audit.models import AuditEvent

_flag: ContextVar[str] = ContextVar("deskwerk_audit_purge", default="")

TRIGGERS = {
    "postgresql": {"audit_event_append_only"},
    "sqlite": {"audit_event_no_update", "audit_event_no_delete"},
}


def register_sqlite_function(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """``connection_created`` receiver: define the flag the SQLite trigger asks."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("deskwerk_audit_purging", 0, _flag.get)


@contextmanager
def _bypass(value: str) -> Iterator[None]:
    if not connection.in_atomic_block:
        raise RuntimeError("the audit guard's bypass is only for use inside a transaction")
    token = _flag.set(value)
    pg = connection.vendor == "postgresql"
    try:
        if pg:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('deskwerk.audit_purge', %s, true)", [value])
        yield
    finally:
        _flag.reset(token)
        # Closed again at once: the rest of an enclosing transaction gets no bypass. After a
        # database error the transaction (or savepoint) is rolled back, which undoes the
        # setting too; no statement may run before that.
        if pg and not connection.needs_rollback:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('deskwerk.audit_purge', '', true)")


def purge_bypass() -> AbstractContextManager[None]:
    """Let this transaction's DELETEs of audit rows through — rows older than 30 days only."""
    return _bypass("on")


def tenant_erasure_bypass(tenant_id: int) -> AbstractContextManager[None]:
    """Let this transaction delete every audit row of one tenant: for deleting the tenant."""
    return _bypass(f"tenant:{int(tenant_id)}")


def guard_problems() -> list[str]:
    """What is wrong with the triggers of this database (empty: all present and enabled)."""
    vendor = connection.vendor
    expected = TRIGGERS.get(vendor)
    if expected is None:
        return [f"no append-only guard exists for {vendor}"]
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(
                "SELECT tgname, tgenabled FROM pg_trigger "
                "WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [table],
            )
            found = {name: enabled for name, enabled in cursor.fetchall()}
        else:
            cursor.execute(
                "SELECT name, 'O' FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [table],
            )
            found = {name: enabled for name, enabled in cursor.fetchall()}
    problems = [f"trigger {name} is missing" for name in sorted(expected - set(found))]
    # 'O': fires in normal operation, 'A': always; 'D' (disabled) and 'R' (replica only) do not.
    problems += [
        f"trigger {name} is disabled"
        for name in sorted(expected & set(found))
        if found[name] not in ("O", "A")
    ]
    return problems
