"""Sealing builds one hash chain per tenant; verify finds every kind of raw-SQL tampering."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection

from deskwerk.audit.chain import row_hash
from deskwerk.audit.models import GENESIS, AuditChain, AuditEvent
from deskwerk.audit.selectors import audit_verify
from deskwerk.audit.services import audit_record, audit_seal
from tests.audit.conftest import attacker, record

pytestmark = pytest.mark.django_db

TABLE = AuditEvent._meta.db_table


def kinds(tenant) -> list[tuple[str, int | None]]:
    """The findings of verify as (kind, seq)."""
    return [(f.kind, f.seq) for f in audit_verify(tenant).findings]


def sealed(tenant, n: int = 5) -> list[AuditEvent]:
    """All of the tenant's rows, sealed: its creation's event and ``n`` more."""
    record(tenant, n)
    assert audit_seal(tenant) == n + 1
    return list(AuditEvent.unscoped.filter(tenant=tenant).order_by("seq"))


def test_sealing_links_each_row_to_the_one_before(tenant):
    rows = sealed(tenant, 3)

    assert [r.seq for r in rows] == [1, 2, 3, 4]
    assert rows[0].prev_hash == GENESIS
    for before, row in itertools.pairwise(rows):
        assert row.prev_hash == before.hash
    chain = AuditChain.unscoped.get(tenant=tenant)
    assert (chain.head_seq, chain.head_hash) == (4, rows[-1].hash)
    result = audit_verify(tenant)
    assert result.ok
    assert result.checked == 4
    assert result.unsealed == 0


def test_unsealed_rows_are_counted_not_judged(tenant):
    sealed(tenant, 2)
    record(tenant, 3)

    result = audit_verify(tenant)

    assert result.ok
    assert (result.checked, result.unsealed) == (3, 3)


def test_sealing_twice_changes_nothing_and_continues_the_chain(tenant):
    first = sealed(tenant, 2)
    assert audit_seal(tenant) == 0
    record(tenant, 1)
    assert audit_seal(tenant) == 1

    rows = list(AuditEvent.unscoped.filter(tenant=tenant).order_by("seq"))
    assert [r.hash for r in rows[:3]] == [r.hash for r in first]
    assert rows[3].prev_hash == first[-1].hash
    assert audit_verify(tenant).ok


def test_each_tenant_has_its_own_chain(tenant, other_tenant):
    sealed(tenant, 3)
    theirs = sealed(other_tenant, 1)

    assert [r.seq for r in theirs] == [1, 2]
    assert theirs[0].prev_hash == GENESIS
    assert audit_verify(tenant).ok
    assert audit_verify(other_tenant).ok


def test_sealing_works_in_batches(tenant):
    record(tenant, 6)

    assert audit_seal(tenant, batch=3) == 7
    assert audit_verify(tenant, chunk=2).ok
    assert AuditChain.unscoped.get(tenant=tenant).head_seq == 7


def test_a_row_committed_late_is_chained_after_rows_sealed_before_it(tenant):
    """Ids are handed out at insert, not at commit: a smaller id can appear after a seal.
    The chain follows sealing order (seq), not ids, so it stays intact."""
    base = 10**6
    for pk in (base, base + 1):
        AuditEvent.unscoped.create(id=pk, tenant=tenant, action="early", object_type="x")
    audit_seal(tenant)
    AuditEvent.unscoped.create(id=base - 1, tenant=tenant, action="late", object_type="x")

    assert audit_seal(tenant) == 1

    late = AuditEvent.unscoped.get(pk=base - 1)
    assert late.seq == 4  # after the tenant's creation and the two early ones
    assert late.prev_hash == AuditEvent.unscoped.get(pk=base + 1).hash
    assert audit_verify(tenant).ok


def test_the_hash_covers_every_content_column(tenant):
    row = AuditEvent.unscoped.filter(pk=sealed(tenant, 1)[0].pk).values().get()
    digest = row_hash(row, row["prev_hash"])
    assert digest == row["hash"]
    for name, other in [
        ("seq", 9),
        ("id", 10**9),
        ("tenant_id", 10**9),
        ("actor_id", 42),
        ("action", "x"),
        ("object_type", "x"),
        ("object_id", "x"),
        ("changed_fields", ["x"]),
        ("request_id", "x"),
        ("ip", "10.0.0.0"),
    ]:
        assert row_hash({**row, name: other}, row["prev_hash"]) != digest, name
    assert row_hash({**row, "at": row["at"].replace(microsecond=1)}, row["prev_hash"]) != digest
    assert row_hash(row, GENESIS.replace("0", "1")) != digest


# --- Tampering with raw SQL, around the guard --------------------------------------------------


def test_a_changed_field_is_reported_with_its_row(tenant):
    rows = sealed(tenant)
    with attacker() as sql:
        sql.execute(f"UPDATE {TABLE} SET action = 'nothing.happened' WHERE id = %s", [rows[2].pk])

    findings = audit_verify(tenant).findings

    assert [(f.kind, f.seq, f.event_id) for f in findings] == [("changed", 3, rows[2].pk)]


def test_a_change_with_a_recomputed_hash_breaks_the_next_link(tenant):
    rows = sealed(tenant)
    row = AuditEvent.unscoped.filter(pk=rows[1].pk).values().get()
    forged = {**row, "actor_id": 666}
    with attacker() as sql:
        sql.execute(
            f"UPDATE {TABLE} SET actor_id = 666, hash = %s WHERE id = %s",
            [row_hash(forged, row["prev_hash"]), rows[1].pk],
        )

    assert kinds(tenant) == [("relinked", 3)]


def test_a_deleted_row_is_reported(tenant):
    rows = sealed(tenant)
    with attacker() as sql:
        sql.execute(f"DELETE FROM {TABLE} WHERE id = %s", [rows[2].pk])

    assert kinds(tenant) == [("missing", 3)]


def test_deleting_the_newest_rows_is_reported(tenant):
    rows = sealed(tenant)
    with attacker() as sql:
        sql.execute(f"DELETE FROM {TABLE} WHERE id IN (%s, %s)", [rows[-2].pk, rows[-1].pk])

    assert kinds(tenant) == [("missing", 5)]  # the chain ends before its recorded head


def test_deleting_the_oldest_row_is_reported(tenant):
    rows = sealed(tenant)
    with attacker() as sql:
        sql.execute(f"DELETE FROM {TABLE} WHERE id = %s", [rows[0].pk])

    assert kinds(tenant) == [("missing", 1)]


def test_a_forged_row_beyond_the_head_is_reported_even_with_a_correct_hash(tenant):
    rows = sealed(tenant)
    last = AuditEvent.unscoped.filter(pk=rows[-1].pk).values().get()
    forged = {**last, "id": last["id"] + 1000, "seq": 7, "action": "alibi.created"}
    digest = row_hash(forged, last["hash"])
    with attacker() as sql:
        sql.execute(
            f"INSERT INTO {TABLE} (id, tenant_id, at, actor_id, action, object_type, object_id,"
            " changed_fields, request_id, ip, seq, prev_hash, hash)"
            " VALUES (%s, %s, %s, NULL, %s, %s, %s, %s, '', '', %s, %s, %s)",
            [
                forged["id"],
                tenant.pk,
                last["at"],
                forged["action"],
                last["object_type"],
                last["object_id"],
                '["a", "b"]',
                7,
                last["hash"],
                digest,
            ],
        )

    assert kinds(tenant) == [("inserted", 7)]


def test_a_forged_row_outside_the_chain_is_reported(tenant):
    sealed(tenant)
    with attacker() as sql:
        sql.execute(
            f"INSERT INTO {TABLE} (tenant_id, at, action, object_type, object_id,"
            " changed_fields, request_id, ip, hash)"
            " VALUES (%s, %s, 'alibi.created', 'x', '', '[]', '', '', %s)",
            [tenant.pk, "2026-01-01 00:00:00+00:00", "f" * 64],
        )

    assert kinds(tenant) == [("inserted", None)]


def test_a_forged_row_squeezed_into_the_middle_is_reported(tenant):
    rows = sealed(tenant)
    with attacker() as sql:
        # Make room at position 3 (two steps, so the unique index never sees duplicates).
        sql.execute(
            f"UPDATE {TABLE} SET seq = seq + 100 WHERE tenant_id = %s AND seq >= 3", [tenant.pk]
        )
        sql.execute(
            f"UPDATE {TABLE} SET seq = seq - 99 WHERE tenant_id = %s AND seq >= 100", [tenant.pk]
        )
        sql.execute(
            f"INSERT INTO {TABLE} (tenant_id, at, action, object_type, object_id,"
            " changed_fields, request_id, ip, seq, prev_hash, hash)"
            " VALUES (%s, %s, 'alibi.created', 'x', '', '[]', '', '', 3, %s, %s)",
            [tenant.pk, "2026-01-01 00:00:00+00:00", rows[1].hash, "f" * 64],
        )

    found = kinds(tenant)

    assert ("changed", 3) in found  # the forgery's hash does not fit its content
    assert ("changed", 4) in found  # moved rows: their position is hashed
    assert ("inserted", 7) in found  # and the chain now runs past its recorded head


def test_reordering_rows_is_reported(tenant):
    rows = sealed(tenant)
    with attacker() as sql:
        sql.execute(f"UPDATE {TABLE} SET seq = 100 WHERE id = %s", [rows[1].pk])
        sql.execute(f"UPDATE {TABLE} SET seq = 2 WHERE id = %s", [rows[2].pk])
        sql.execute(f"UPDATE {TABLE} SET seq = 3 WHERE id = %s", [rows[1].pk])

    found = kinds(tenant)

    assert ("changed", 2) in found
    assert ("changed", 3) in found


def test_tampering_with_one_tenant_leaves_the_other_green(tenant, other_tenant):
    rows = sealed(tenant)
    sealed(other_tenant)
    with attacker() as sql:
        sql.execute(f"UPDATE {TABLE} SET object_id = 'x' WHERE id = %s", [rows[0].pk])

    assert not audit_verify(tenant).ok
    assert audit_verify(other_tenant).ok


def test_sealing_after_tampering_keeps_the_evidence(tenant):
    rows = sealed(tenant)
    with attacker() as sql:
        sql.execute(f"DELETE FROM {TABLE} WHERE id = %s", [rows[-1].pk])
    audit_record(tenant=tenant, actor=None, action="later.event", object_type="x")
    audit_seal(tenant)

    # The new row continues from the recorded head, so the hole stays visible.
    assert kinds(tenant) == [("missing", 6)]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite keeps the unique constraint in the table"
)
def test_a_position_taken_twice_is_found_across_page_boundaries(tenant):
    rows = sealed(tenant)
    with attacker() as sql:
        sql.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks: ALTER may run
        sql.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT audit_tenant_seq_uniq")
        sql.execute(
            f"INSERT INTO {TABLE} (tenant_id, at, action, object_type, object_id,"
            " changed_fields, request_id, ip, seq, prev_hash, hash)"
            " VALUES (%s, %s, 'alibi.created', 'x', '', '[]', '', '', 2, %s, %s)",
            [tenant.pk, "2026-01-01 00:00:00+00:00", rows[0].hash, "f" * 64],
        )

    for chunk in (1, 2, 100):
        found = [(f.kind, f.seq) for f in audit_verify(tenant, chunk=chunk).findings]
        assert found.count(("inserted", 2)) == 1, (chunk, found)
        assert audit_verify(tenant, chunk=chunk).checked == len(rows) + 1


def test_rows_naming_a_service_token_or_operator_are_chained_with_the_label(tenant):
    """Format 2 covers ``actor_label``: changing the label breaks the chain like any change."""
    from deskwerk.audit.chain import FORMAT_LABELLED, canonical

    record(tenant, 1)
    labelled = AuditEvent.unscoped.create(
        tenant=tenant,
        action="thing.change",
        object_type="things.thing",
        actor_label="service token dw_abc",
    )
    audit_seal(tenant)
    assert audit_verify(tenant).ok

    row = AuditEvent.unscoped.filter(pk=labelled.pk).values().get()
    assert FORMAT_LABELLED.encode() in canonical(row, row["prev_hash"])
    with attacker():
        AuditEvent.unscoped.filter(pk=labelled.pk).update(actor_label="service token dw_xyz")
    assert [f.kind for f in audit_verify(tenant).findings] == ["changed"]
