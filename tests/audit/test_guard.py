"""The database refuses to change or delete audit rows, except the seal and the purge."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from deskwerk.audit.guard import guard_problems, purge_bypass, tenant_erasure_bypass
from deskwerk.audit.models import AuditChain, AuditEvent
from deskwerk.audit.services import audit_erase_tenant, audit_seal
from tests.audit.conftest import attacker, record

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite lets unsealed rows go (Django's flush)"
)


def refused(action) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        action()


@pytest.fixture
def row(tenant) -> AuditEvent:
    """A sealed row of ``tenant``."""
    record(tenant, 1)
    audit_seal(tenant)
    return AuditEvent.unscoped.filter(tenant=tenant).latest("seq")


def test_the_guard_is_installed():
    assert guard_problems() == []


def test_changing_a_sealed_row_is_refused(row):
    refused(lambda: AuditEvent.unscoped.filter(pk=row.pk).update(action="nothing"))
    refused(lambda: AuditEvent.unscoped.filter(pk=row.pk).update(hash="0" * 64))
    refused(lambda: AuditEvent.unscoped.filter(pk=row.pk).update(seq=None, hash=None))


def test_changing_an_unsealed_row_is_refused(tenant):
    fresh = record(tenant, 1)[0]

    refused(lambda: AuditEvent.unscoped.filter(pk=fresh.pk).update(actor_id=7))
    # Dressed up as a seal, but changing content too: refused.
    refused(
        lambda: AuditEvent.unscoped.filter(pk=fresh.pk).update(
            seq=99, prev_hash="0" * 64, hash="1" * 64, object_id="other"
        )
    )


def test_the_seal_may_set_the_hash_columns_once(tenant):
    fresh = record(tenant, 1)[0]
    seal = {"seq": 99, "prev_hash": "0" * 64, "hash": "1" * 64}

    AuditEvent.unscoped.filter(pk=fresh.pk).update(**seal)

    refused(lambda: AuditEvent.unscoped.filter(pk=fresh.pk).update(**{**seal, "seq": 100}))


def test_deleting_a_sealed_row_is_refused(row):
    refused(lambda: AuditEvent.unscoped.filter(pk=row.pk).delete())
    assert AuditEvent.unscoped.filter(pk=row.pk).exists()


@postgres_only
def test_deleting_an_unsealed_row_is_refused_on_postgresql(tenant):
    fresh = record(tenant, 1)[0]

    refused(lambda: AuditEvent.unscoped.filter(pk=fresh.pk).delete())


def test_even_the_purge_cannot_delete_rows_younger_than_30_days(row):
    def purge_young() -> None:
        with purge_bypass():
            AuditEvent.unscoped.filter(pk=row.pk).delete()

    refused(purge_young)


def test_the_purge_may_delete_old_rows_and_the_bypass_closes_after_it(tenant, time_machine):
    time_machine.move_to(timezone.now() - dt.timedelta(days=40), tick=False)
    old = record(tenant, 2)
    audit_seal(tenant)
    time_machine.move_to(timezone.now() + dt.timedelta(days=40), tick=False)

    with transaction.atomic():
        with purge_bypass():
            AuditEvent.unscoped.filter(pk=old[0].pk).delete()
        refused(lambda: AuditEvent.unscoped.filter(pk=old[1].pk).delete())

    assert not AuditEvent.unscoped.filter(pk=old[0].pk).exists()


def test_a_disabled_or_missing_trigger_is_reported(row):
    with attacker() as sql:
        if connection.vendor == "postgresql":
            sql.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks: ALTER may run
            sql.execute(f"ALTER TABLE {AuditEvent._meta.db_table} DISABLE TRIGGER USER")
            assert guard_problems() == ["trigger audit_event_append_only is disabled"]
            sql.execute(f"ALTER TABLE {AuditEvent._meta.db_table} ENABLE TRIGGER USER")
        else:
            assert guard_problems() == [
                "trigger audit_event_no_delete is missing",
                "trigger audit_event_no_update is missing",
            ]
    assert guard_problems() == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL compares whole rows")
def test_the_sqlite_update_rule_names_every_content_column():
    """A column added later must be added to the trigger (PostgreSQL's rule covers all)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'audit_event_no_update'")
        (sql,) = cursor.fetchone()
    columns = [f.column for f in AuditEvent._meta.concrete_fields]
    for column in set(columns) - {"seq", "prev_hash", "hash"}:
        assert f"NEW.{column} IS OLD.{column}" in sql, column


def test_deleting_a_tenant_takes_its_whole_log_and_no_other(tenant, other_tenant):
    record(tenant, 2)
    record(other_tenant, 2)
    audit_seal(tenant)
    audit_seal(other_tenant)

    assert audit_erase_tenant(tenant) == 3

    assert not AuditEvent.unscoped.filter(tenant=tenant).exists()
    assert not AuditChain.unscoped.filter(tenant=tenant).exists()
    theirs = AuditEvent.unscoped.filter(tenant=other_tenant).first()
    with transaction.atomic(), tenant_erasure_bypass(tenant.pk):
        refused(lambda: AuditEvent.unscoped.filter(pk=theirs.pk).delete())


def test_the_actor_label_is_protected_like_the_rest(row):
    refused(lambda: AuditEvent.unscoped.filter(pk=row.pk).update(actor_label="someone else"))
