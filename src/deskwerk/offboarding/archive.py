"""The return of the data (DPA § 14 (1)): one ZIP with everything the tenant has in Deskwerk.

Inside: ``data/<app>.<Model>.json`` for every model holding the tenant's rows (all of them,
also empty ones, so the archive shows what was looked at), each with the data map's
classification of every field and all rows with all columns; ``files/…`` with every file a
file field of those rows names (floor plans, profile photos, sent mails); ``manifest.json``
with row counts and the SHA-256 and size of every other member; ``README.txt``.

Credentials are named but withheld (password hashes, token hashes, session keys); session data
is withheld as well (encrypted browser state: no use to the customer, a risk if leaked).
Written to a file in ``OFFBOARDING_DIR`` row batch by row batch, so memory stays flat.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO, Any

from django.db import models
from django.utils import timezone

from deskwerk.offboarding.scope import file_fields, tenant_models, tenant_rows
from deskwerk.privacy.datamap import REGISTRY, NotPersonal, Personal
from deskwerk.privacy.requests.export import WITHHELD, WITHHELD_VALUE, _default
from deskwerk.tenancy.models import Tenant

FORMAT = "deskwerk-tenant-export/1"
BATCH = 2000
CHUNK = 64 * 1024
# Besides the credentials of the personal export: encrypted session state.
ALSO_WITHHELD = {("websessions.WebSession", "data")}

_ENCODER = json.JSONEncoder(default=_default, ensure_ascii=False)


def _withheld(label: str, name: str) -> bool:
    return (label, name) in WITHHELD or (label, name) in ALSO_WITHHELD


class _Hashing:
    """Counts and hashes what is written to a ZIP member."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.sha.update(data)
        self.size += len(data)
        self.out.write(data)


@dataclass
class ArchiveResult:
    sha256: str = ""
    size: int = 0
    models: dict[str, int] = field(default_factory=dict)
    files: list[dict[str, Any]] = field(default_factory=list)
    members: dict[str, dict[str, Any]] = field(default_factory=dict)


def _rule(rule: Personal | NotPersonal) -> dict[str, Any]:
    if isinstance(rule, NotPersonal):
        return {"personal": False, "reason": rule.reason}
    meta: dict[str, Any] = {
        "personal": True,
        "category": rule.category.value,
        "subject": rule.subject.value,
        "purpose": rule.purpose,
        "retention": rule.retention,
    }
    if rule.hold is not None:
        meta["legal_hold"] = {"reason": rule.hold.reason, "period": rule.hold.period}
    return meta


def _write_model(
    zf: zipfile.ZipFile, model: type[models.Model], lookup: str, tenant: Tenant
) -> tuple[str, int, _Hashing]:
    label = model._meta.label
    declared = REGISTRY.get(label)
    names = [f.attname for f in model._meta.concrete_fields]
    member = f"data/{label}.json"
    with zf.open(member, "w", force_zip64=True) as raw:
        out = _Hashing(raw)
        head = {
            "format": FORMAT,
            "model": label,
            "description": declared.description if declared else "",
            "fields": {
                f.attname: _rule(declared.fields[f.name])
                if declared and f.name in declared.fields
                else {"personal": None}
                for f in model._meta.concrete_fields
            },
        }
        out.write((_ENCODER.encode(head)[:-1] + ', "rows": [').encode())
        withheld = [
            i for i, f in enumerate(model._meta.concrete_fields) if _withheld(label, f.name)
        ]
        count = 0
        batch: list[dict[str, Any]] = []
        rows = tenant_rows(model, lookup, tenant.pk).order_by("pk").values_list(*names)
        for row in rows.iterator(chunk_size=BATCH):
            values = list(row)
            for i in withheld:
                values[i] = WITHHELD_VALUE if values[i] else values[i]
            batch.append(dict(zip(names, values, strict=True)))
            count += 1
            if len(batch) >= BATCH:
                text = _ENCODER.encode(batch)[1:-1]
                out.write(((", " if count > len(batch) else "") + text).encode())
                batch = []
        if batch:
            text = _ENCODER.encode(batch)[1:-1]
            out.write(((", " if count > len(batch) else "") + text).encode())
        out.write(f'], "row_count": {count}}}'.encode())
    return member, count, out


def _copy_files(
    zf: zipfile.ZipFile,
    model: type[models.Model],
    lookup: str,
    tenant: Tenant,
    result: ArchiveResult,
) -> None:
    label = model._meta.label
    for f in file_fields(model):
        qs = tenant_rows(model, lookup, tenant.pk).exclude(**{f.attname: ""})
        for pk, stored in qs.order_by("pk").values_list("pk", f.attname).iterator():
            if not stored or not f.storage.exists(stored):
                continue
            target = f"files/{label}/{pk}/{f.name}/{PurePosixPath(stored).name}"
            with f.storage.open(stored, "rb") as src, zf.open(target, "w", force_zip64=True) as dst:
                out = _Hashing(dst)
                while chunk := src.read(CHUNK):
                    out.write(chunk)
            entry = {"file": target, "bytes": out.size, "sha256": out.sha.hexdigest()}
            result.files.append({**entry, "model": label, "id": pk, "field": f.name})
            result.members[target] = {"bytes": out.size, "sha256": out.sha.hexdigest()}


README = """Deskwerk — export of all data of {name} ({slug})

Generated {generated} for the end of the contract (data processing agreement § 14 (1)).

data/<app>.<Model>.json   one file per kind of record: the data map's classification of every
                          field ("fields"), then every row with every column ("rows"), and the
                          number of rows ("row_count"). Ids link rows across files
                          (for example "booked_for_id" in bookings.Booking is an id in
                          accounts.User).
files/<Model>/<id>/<field>/  uploaded and generated files: floor plans, profile photos, sent
                          e-mails (.eml).
manifest.json             row counts per model, and the size and SHA-256 of every file in this
                          archive: check with "sha256sum".

Withheld (named, value replaced by "{withheld}"): password hashes, API token hashes, session
keys and encrypted session data, authenticator secrets, e-mail confirmation keys.

After the download period every copy Deskwerk controls is deleted, and you receive a deletion
certificate.
"""


def build_archive(tenant: Tenant, target: IO[bytes]) -> ArchiveResult:
    """Write the tenant's complete export as a ZIP into ``target`` (a seekable file)."""
    result = ArchiveResult()
    generated = timezone.now()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for model, lookup in sorted(tenant_models(), key=lambda item: item[0]._meta.label):
            member, count, out = _write_model(zf, model, lookup, tenant)
            result.models[model._meta.label] = count
            result.members[member] = {"bytes": out.size, "sha256": out.sha.hexdigest()}
            _copy_files(zf, model, lookup, tenant, result)
        readme = README.format(
            name=tenant.name,
            slug=tenant.slug,
            generated=generated.isoformat(),
            withheld=WITHHELD_VALUE,
        ).encode()
        zf.writestr("README.txt", readme)
        result.members["README.txt"] = {
            "bytes": len(readme),
            "sha256": hashlib.sha256(readme).hexdigest(),
        }
        manifest = {
            "format": FORMAT,
            "generated_at": generated.isoformat(),
            "tenant": {"id": tenant.pk, "slug": tenant.slug, "name": tenant.name},
            "models": result.models,
            "files": result.files,
            "members": result.members,
            "withheld": sorted(f"{m}.{n}" for m, n in WITHHELD | ALSO_WITHHELD),
        }
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    return result
