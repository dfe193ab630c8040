"""PostgreSQL only: an exclusion constraint so overlapping active bookings cannot exist.

The service checks overlaps under a row lock; this is the second line of defence that holds
even for writes that bypass the service. SQLite relies on IMMEDIATE transactions instead.
Not in the model state, so both databases share one schema description.
"""

from django.db import migrations

ACTIVE = "('confirmed', 'checked_in')"

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""
    ALTER TABLE bookings_booking ADD CONSTRAINT booking_no_overlap
    EXCLUDE USING gist (
        tenant_id WITH =,
        resource_id WITH =,
        tstzrange(starts_at, ends_at, '[)') WITH &&
    ) WHERE (state IN {ACTIVE})
    """,
]
BACKWARD = ["ALTER TABLE bookings_booking DROP CONSTRAINT IF EXISTS booking_no_overlap"]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
