"""The hash chain of the audit log, and the database guard that keeps rows append-only.

PostgreSQL: a trigger refuses every UPDATE and DELETE of an audit row except the one-time seal
(only ``seq``, ``prev_hash`` and ``hash`` set, on a row that had no hash) and two deletes that
set ``deskwerk.audit_purge`` for their transaction: the retention purge (``on``; even it may not
remove rows younger than 30 days, the smallest retention a tenant may choose) and the deletion of
a whole tenant (``tenant:<id>``, that tenant's rows only).

SQLite: triggers with the same rules. The flag is the SQL function ``deskwerk_audit_purging()``,
which only Deskwerk's own connections define; unsealed rows may be deleted there (Django's test
flush deletes rows, SQLite has no TRUNCATE). The column list in the UPDATE rule must name every
column; a test checks it.
"""

import django.db.models.deletion
from django.db import migrations, models


APPEND_ONLY_PG = [
    r"""
CREATE OR REPLACE FUNCTION deskwerk_audit_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    probe audit_auditevent;
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF current_setting('deskwerk.audit_purge', true) = 'on'
           AND OLD.at < now() - interval '30 days' THEN
            RETURN OLD;
        END IF;
        IF current_setting('deskwerk.audit_purge', true) = 'tenant:' || OLD.tenant_id THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'deskwerk: audit events are append-only (DELETE refused)';
    END IF;
    -- The new row with the seal's columns put back must equal the old one: every other column,
    -- including any added later, is unchanged.
    probe := NEW;
    probe.seq := OLD.seq;
    probe.prev_hash := OLD.prev_hash;
    probe.hash := OLD.hash;
    IF OLD.hash IS NULL AND NEW.hash IS NOT NULL AND NEW.prev_hash IS NOT NULL
       AND NEW.seq IS NOT NULL AND probe IS NOT DISTINCT FROM OLD THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'deskwerk: audit events are append-only (UPDATE refused)';
END
$$
""",
    """
CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION deskwerk_audit_guard()
""",
]
DROP_PG = [
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent",
    "DROP FUNCTION IF EXISTS deskwerk_audit_guard()",
]

SQLITE_CONTENT = (
    "id",
    "tenant_id",
    "at",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "changed_fields",
    "request_id",
    "ip",
)
_unchanged = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in SQLITE_CONTENT)
APPEND_ONLY_SQLITE = [
    f"""
    CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
    WHEN NOT (OLD.hash IS NULL AND NEW.hash IS NOT NULL AND NEW.prev_hash IS NOT NULL
              AND NEW.seq IS NOT NULL AND {_unchanged})
    BEGIN SELECT RAISE(ABORT, 'deskwerk: audit events are append-only (UPDATE refused)'); END
    """,
    """
    CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
    WHEN OLD.hash IS NOT NULL AND NOT (
        (deskwerk_audit_purging() = 'on'
         AND OLD.at < strftime('%Y-%m-%d %H:%M:%f', 'now', '-30 days'))
        OR deskwerk_audit_purging() = 'tenant:' || OLD.tenant_id)
    BEGIN SELECT RAISE(ABORT, 'deskwerk: audit events are append-only (DELETE refused)'); END
    """,
]
DROP_SQLITE = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
]


def forward(apps, schema_editor):
    statements = {"postgresql": APPEND_ONLY_PG, "sqlite": APPEND_ONLY_SQLITE}
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    statements = {"postgresql": DROP_PG, "sqlite": DROP_SQLITE}
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("tenancy", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditChain",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("head_seq", models.BigIntegerField(default=0)),
                (
                    "head_hash",
                    models.CharField(
                        default="0000000000000000000000000000000000000000000000000000000000000000",
                        max_length=64,
                    ),
                ),
                ("anchor_seq", models.BigIntegerField(default=0)),
                (
                    "anchor_hash",
                    models.CharField(
                        default="0000000000000000000000000000000000000000000000000000000000000000",
                        max_length=64,
                    ),
                ),
                ("sealed_at", models.DateTimeField(blank=True, null=True)),
                ("purged_at", models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="at",
            field=models.DateTimeField(auto_now_add=True),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["tenant", "actor_id"], name="audit_tenant_actor_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                fields=["tenant", "object_type", "object_id"], name="audit_tenant_object_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(("hash__isnull", True)),
                fields=["tenant", "id"],
                name="audit_unsealed_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                fields=("tenant", "seq"), name="audit_tenant_seq_uniq"
            ),
        ),
        migrations.AddField(
            model_name="auditchain",
            name="tenant",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="tenancy.tenant"
            ),
        ),
        migrations.AddConstraint(
            model_name="auditchain",
            constraint=models.UniqueConstraint(models.F("tenant"), name="audit_chain_tenant_uniq"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="tenant",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="tenancy.tenant",
            ),
        ),
        # Last: on SQLite, altering the table rebuilds it, and triggers do not survive that.
        migrations.RunPython(forward, backward),
    ]
