"""Audit test kit: events, and an attacker who writes to the database around the guard."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from deskwerk.audit.models import AuditEvent
from deskwerk.audit.services import audit_record
from deskwerk.tenancy.models import Tenant


def record(tenant: Tenant, n: int, action: str = "thing.change") -> list[AuditEvent]:
    """``n`` events of ``tenant`` by the system, each naming a different object."""
    return [
        audit_record(
            tenant=tenant,
            actor=None,
            action=action,
            object_type="things.thing",
            object_id=i,
            changed_fields=["b", "a"],
        )
        for i in range(n)
    ]


@contextmanager
def attacker() -> Iterator[object]:
    """A cursor that bypasses the append-only guard, as someone with database access could:
    on PostgreSQL as superuser with triggers off for the session, on SQLite by dropping the
    triggers (both undone at the end; the test transaction rolls back anyway)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
            try:
                yield cursor
            finally:
                cursor.execute("SET session_replication_role = DEFAULT")
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [AuditEvent._meta.db_table],
            )
            triggers = cursor.fetchall()
            for name, _ in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
            try:
                yield cursor
            finally:
                for _, sql in triggers:
                    cursor.execute(sql)
