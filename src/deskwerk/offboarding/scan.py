"""The verification scan: proof that nothing of a deleted tenant is left (decision 0026).

It looks at the database as it is, not at our models: every table the database lists
(introspected, also tables of third-party apps and tables no model knows), and

- every column named ``tenant_id`` for the tenant's id;
- every text column for the markers (slug, name, the people's addresses and names, collected
  before the deletion) and the key prefixes naming the tenant id;

then the file storages (media, outbox, archives) for the tenant's files and, in files up to
``MAX_FILE_BYTES``, the markers; the job queue and the caches. The offboarding app's own tables
(the kept compliance documentation) are the one allowed exception.

A marker found in a row that belongs to another *customer* tenant is reported as a
coincidence (the same person in two tenants, a common name), not a failure: that row is
another controller's data. Everything else found fails the scan.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from deskwerk.offboarding.deletion import (
    Markers,
    StoredFile,
    _mentions,
    cache_findings,
    queue_findings,
)
from deskwerk.tenancy.models import Tenant

OWN_TABLE_PREFIX = "offboarding_"
TEXT_TYPES = {
    "CharField",
    "TextField",
    "JSONField",
    "SlugField",
    "EmailField",
    "GenericIPAddressField",
    "URLField",
}
MAX_FILE_BYTES = 20 * 1024 * 1024
PAGE = 5000


@dataclass
class ScanResult:
    tables: int = 0
    columns: int = 0
    rows: int = 0
    files: int = 0
    findings: list[str] = field(default_factory=list)
    coincidences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "tables": self.tables,
            "columns": self.columns,
            "rows": self.rows,
            "files": self.files,
            "findings": self.findings,
            "coincidences": self.coincidences,
        }


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _columns(cursor: Any, table: str) -> list[tuple[str, str]]:
    """(name, Django field type) of every column of ``table``."""
    found = []
    for info in connection.introspection.get_table_description(cursor, table):
        try:
            kind = connection.introspection.get_field_type(info.type_code, info)
        except KeyError:
            kind = "unknown"
        found.append((info.name, kind))
    return found


def _user_tenants(cursor: Any) -> dict[int, int]:
    from deskwerk.accounts.models import User

    return dict(User.unscoped.values_list("pk", "tenant_id"))


def scan(
    markers: Markers, files: list[StoredFile], *, mail_ids: list[int] | None = None
) -> ScanResult:
    """Search everything the system controls for the tenant; see the module docstring."""
    result = ScanResult()
    operator_ids = set(
        Tenant.objects.filter(kind=Tenant.Kind.OPERATOR).values_list("pk", flat=True)
    )
    customers = set(Tenant.objects.values_list("pk", flat=True)) - operator_ids
    pattern = markers.pattern()
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        users = _user_tenants(cursor)
        for table in tables:
            if table.startswith(OWN_TABLE_PREFIX):
                continue
            result.tables += 1
            columns = _columns(cursor, table)
            names = [n for n, _ in columns]
            if "tenant_id" in names:
                cursor.execute(
                    f"SELECT COUNT(*) FROM {qn(table)} WHERE {qn('tenant_id')} = %s",  # noqa: S608
                    [markers.tenant_id],
                )
                count = cursor.fetchone()[0]
                if count:
                    result.findings.append(f"{table}.tenant_id: {count} rows of the tenant")
            text = [n for n, kind in columns if kind in TEXT_TYPES]
            result.columns += len(text)
            if text:
                _scan_table(cursor, table, names, text, markers, pattern, users, customers, result)
    _scan_files(markers, files, customers, result)
    result.findings += queue_findings(markers, mail_ids or [])
    result.findings += cache_findings(markers)
    return result


def _scan_table(
    cursor: Any,
    table: str,
    names: list[str],
    text: list[str],
    markers: Markers,
    pattern: Any,
    users: dict[int, int],
    customers: set[int],
    result: ScanResult,
) -> None:
    """Read the table page by page (by ``id`` where it has one) and match its text columns."""
    qn = connection.ops.quote_name
    owner = "tenant_id" if "tenant_id" in names else ("user_id" if "user_id" in names else None)
    select = [*text, *([owner] if owner else [])]
    cols = ", ".join(qn(c) for c in select)
    hits: dict[str, list[int]] = {}  # column -> [found, coincidences]
    has_id = "id" in names
    last: Any = None
    while True:
        if has_id:
            where = "" if last is None else f" WHERE {qn('id')} > %s"
            cursor.execute(
                f"SELECT {qn('id')}, {cols} FROM {qn(table)}{where} "  # noqa: S608
                f"ORDER BY {qn('id')} LIMIT {PAGE}",
                [] if last is None else [last],
            )
        else:
            cursor.execute(f"SELECT NULL, {cols} FROM {qn(table)}")  # noqa: S608
        rows = cursor.fetchall()
        for row in rows:
            result.rows += 1
            values = row[1 : 1 + len(text)]
            for name, value in zip(text, values, strict=True):
                if value is None or not _mentions(_text(value), markers, pattern):
                    continue
                tenant = _owner(owner, row[-1] if owner else None, users)
                slot = hits.setdefault(name, [0, 0])
                slot[1 if tenant in customers else 0] += 1
        if not has_id or len(rows) < PAGE:
            break
        last = rows[-1][0]
    for name, (found, coincidences) in sorted(hits.items()):
        if found:
            result.findings.append(f"{table}.{name}: {found} rows name the tenant or its people")
        if coincidences:
            result.coincidences.append(
                f"{table}.{name}: {coincidences} rows of other customers match a marker"
            )


def _owner(column: str | None, value: Any, users: dict[int, int]) -> int | None:
    if column == "tenant_id":
        return int(value) if value is not None else None
    if column == "user_id" and value is not None:
        return users.get(int(value))
    return None


def _roots() -> dict[str, Path]:
    """The media root, the outbox, the archives, and the folder of every file field's storage
    (private photo storage and any added later), each once."""
    from django.apps import apps
    from django.db import models

    roots = {
        "media": Path(settings.MEDIA_ROOT),
        "outbox": Path(settings.OUTBOX_DIR),
        "archives": Path(settings.OFFBOARDING_DIR),
    }
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            location = getattr(getattr(f, "storage", None), "location", None)
            if isinstance(f, models.FileField) and location:
                roots.setdefault(f"{model._meta.label}.{f.name}", Path(location))
    unique: dict[str, Path] = {}
    for name, path in roots.items():
        if path.resolve() not in {p.resolve() for p in unique.values()}:
            unique[name] = path
    return unique


def _scan_files(
    markers: Markers, files: list[StoredFile], customers: set[int], result: ScanResult
) -> None:
    for stored in files:
        if stored.storage.exists(stored.name):
            result.findings.append(f"file {stored.name} still exists")
    roots = _roots()
    if (roots["outbox"] / str(markers.tenant_id)).exists():
        result.findings.append(f"outbox folder {markers.tenant_id}/ still exists")
    needles = [s.encode() for s in markers.strings] + [p.encode() for p in markers.prefixes]
    for root_name, root in roots.items():
        if not root.exists():
            continue
        for folder, _, names in os.walk(root):
            for name in names:
                path = Path(folder) / name
                result.files += 1
                try:
                    if path.stat().st_size > MAX_FILE_BYTES:
                        continue
                    data = path.read_bytes().lower()
                except OSError:
                    continue
                if not any(n in data for n in needles):
                    continue
                relative = path.relative_to(root)
                first = relative.parts[0] if relative.parts else ""
                if root_name == "outbox" and first.isdigit() and int(first) in customers:
                    result.coincidences.append(f"{root_name}/{relative}: another customer's mail")
                else:
                    result.findings.append(f"{root_name}/{relative} names the tenant or its people")
