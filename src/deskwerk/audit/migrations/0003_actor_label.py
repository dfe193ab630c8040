"""``actor_label``: who acted when it was not a person of the tenant.

On SQLite the update trigger lists the protected columns, so it is recreated with the new
one (PostgreSQL's trigger compares whole rows and needs no change). Adding a column may make
Django rebuild an SQLite table, which drops its triggers: they are dropped before and created
again after, from the definitions of migration 0002 plus the new column.
"""

import importlib

from django.db import migrations, models

chain = importlib.import_module("deskwerk.audit.migrations.0002_chain")

COLUMNS = (*chain.SQLITE_CONTENT, "actor_label")


def _sqlite_triggers(columns):
    unchanged = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in columns)
    update = chain.APPEND_ONLY_SQLITE[0].replace(chain._unchanged, unchanged)
    assert update != chain.APPEND_ONLY_SQLITE[0] or columns == chain.SQLITE_CONTENT
    return [update, chain.APPEND_ONLY_SQLITE[1]]


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in chain.DROP_SQLITE:
            schema_editor.execute(statement)


def create_new(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in _sqlite_triggers(COLUMNS):
            schema_editor.execute(statement)


def create_old(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in _sqlite_triggers(chain.SQLITE_CONTENT):
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_chain"),
    ]

    operations = [
        migrations.RunPython(drop, create_old),
        migrations.AddField(
            model_name="auditevent",
            name="actor_label",
            field=models.CharField(blank=True, default="", db_default="", max_length=120),
        ),
        migrations.RunPython(create_new, drop),
    ]
