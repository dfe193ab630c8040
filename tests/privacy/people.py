"""A person who has used Deskwerk a bit, with a unique marker in every field they could fill.

Shared by the export completeness and the erasure residue tests.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection
from django.test import Client

from deskwerk.access.services import token_create
from deskwerk.accounts.models import Membership, User
from deskwerk.accounts.services import user_create
from deskwerk.bookings.services import booking_create
from deskwerk.tenancy.context import tenant_context
from deskwerk.tenancy.models import Tenant
from tests.conftest import PASSWORD, Api, Site, future


@dataclass
class BusyPerson:
    user: User
    api: Api
    markers: dict[str, str] = field(default_factory=dict)
    booking_ids: list[int] = field(default_factory=list)
    session: Client | None = None


def _marker(kind: str) -> str:
    """Unique, and unlikely to occur anywhere by chance (no shared prefix with real data)."""
    return f"Zq{kind}{uuid.uuid4().hex[:12]}"


def busy_person(
    tenant: Tenant, site: Site, admin: User, *, role: str = Membership.Role.MEMBER
) -> BusyPerson:
    """Create a person and use the app as them: profile and contact data, bookings with notes
    and Idempotency-Keys, a colleague's booking for them, a token, a signed-in session, a
    request with a note. Every value they typed carries a marker."""
    m = {
        "full_name": _marker("Name"),
        "email_local": _marker("mail").lower(),
        "phone": "+49 30 " + str(uuid.uuid4().int)[:10],
        "mobile": "+49 170 " + str(uuid.uuid4().int)[:10],
        "org_unit": _marker("Unit"),
        "note_create": _marker("Note"),
        "note_days": _marker("Days"),
        "note_patch": _marker("Patch"),
        "note_by_admin": _marker("Admin"),
        "idempotency_key": _marker("Idem"),
        "idempotency_key_days": _marker("IdemDays"),
        "token_name": _marker("Token"),
        "request_note": _marker("Ask"),
        "user_agent": _marker("Agent"),
    }
    email = f"{m['email_local']}@example.test"
    with tenant_context(tenant):
        user = user_create(
            tenant=tenant, email=email, full_name=m["full_name"], role=role, password=PASSWORD
        )
    api = Api(user)
    person = BusyPerson(user=user, api=api, markers=m)

    patched = api.patch(
        f"/people/{user.pk}",
        {"phone": m["phone"], "mobile": m["mobile"], "org_unit": m["org_unit"]},
    )
    assert patched.status_code == 200, patched.data

    created = api.post(
        "/bookings",
        {
            "resource_id": site.desks[0].pk,
            "starts_at": future(1, 9).isoformat(),
            "ends_at": future(1, 12).isoformat(),
            "note": m["note_create"],
        },
        **{"Idempotency-Key": m["idempotency_key"], "User-Agent": m["user_agent"]},
    )
    assert created.status_code == 201, created.data
    person.booking_ids.append(created.data["id"])
    changed = api.patch(f"/bookings/{created.data['id']}", {"note": m["note_patch"]})
    assert changed.status_code == 200, changed.data

    days = api.post(
        "/bookings/days",
        {"resource_id": site.desks[1].pk, "days": [str(future(3).date())], "note": m["note_days"]},
        **{"Idempotency-Key": m["idempotency_key_days"]},
    )
    assert days.status_code == 201, days.data
    person.booking_ids += [b["id"] for b in days.data]

    with tenant_context(tenant):
        by_admin = booking_create(
            actor=admin,
            resource=site.room,
            starts_at=future(4, 9),
            ends_at=future(4, 10),
            booked_for=user,
            note=m["note_by_admin"],
        )
        person.booking_ids.append(by_admin.pk)
        token_create(user=user, name=m["token_name"])

    filed = api.post("/privacy/requests", {"kind": "access", "note": m["request_note"]})
    assert filed.status_code == 201, filed.data

    session = Client()
    assert session.login(tenant=tenant, email=email, password=PASSWORD)
    assert session.get("/api/v1/me").status_code == 200
    person.session = session
    return person


def make_past(bookings: Any, days: int = 10) -> None:
    """Move bookings into the past (as if time had passed), keeping their length."""
    for booking in bookings:
        length = booking.ends_at - booking.starts_at
        booking.starts_at = booking.starts_at - dt.timedelta(days=days)
        booking.ends_at = booking.starts_at + length
        booking.state = "completed"
        booking.save(update_fields=["starts_at", "ends_at", "state"])


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("latin-1")
    return str(value)


def table_names() -> list[str]:
    """Every table: the models' (apps.get_models) and whatever else the database holds."""
    with connection.cursor() as cursor:
        found = set(connection.introspection.table_names(cursor))
    found |= {m._meta.db_table for m in apps.get_models()}
    return sorted(found)


def database_hits(markers: Iterable[str]) -> list[tuple[str, str, str]]:
    """(table, column, marker) for every marker found in any column of any table (raw SQL)."""
    markers = list(markers)
    hits = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in table_names():
            cursor.execute(f"SELECT * FROM {quote(table)}")
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    text = _as_text(value)
                    hits += [(table, column, m) for m in markers if m in text]
    return hits


def database_dump() -> tuple[str, str]:
    """A full dump of the database and how it was made: ``pg_dump`` in a separate process
    (so the test's data must be committed), SQLite's ``iterdump``, or all rows otherwise."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump()), "sqlite3 iterdump"
    db = connection.settings_dict
    pg_dump = shutil.which("pg_dump")
    if connection.vendor == "postgresql" and pg_dump:
        env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
        argv = [pg_dump, "--no-owner", "--dbname", db["NAME"], "--username", db["USER"]]
        if db.get("HOST"):
            argv += ["--host", db["HOST"]]
        if db.get("PORT"):
            argv += ["--port", str(db["PORT"])]
        done = subprocess.run(argv, env=env, capture_output=True, check=True)  # noqa: S603
        return done.stdout.decode("utf-8", "replace"), "pg_dump"
    rows = []
    with connection.cursor() as cursor:
        for table in table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows += [" ".join(_as_text(v) for v in row) for row in cursor.fetchall()]
    return "\n".join(rows), "all rows"
