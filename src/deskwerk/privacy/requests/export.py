"""Access and portability export (Art. 15, 20 GDPR): a ZIP, streamed, driven by the data map.

Inside: one JSON file per data category (``data/j-booking.json`` …) listing, per model, each
personal field with its category, purpose, retention and erasure rule, then every row of the
person with the values; the files of personal file fields; ``manifest.json``; and
``index.html``, a readable summary. Everything the data map attributes to the person is in
it: rows whose first link is the person, rows that refer to them through a further link (only
that link), and their sessions, with the session data decrypted (its secrets withheld).

The ZIP is written to an unseekable sink and handed out chunk by chunk; rows are read with
``.iterator()``, so memory stays flat however many bookings the person has.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import io
import json
import re
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO, Any

from django.db import models
from django.utils import timezone
from django.utils.html import escape

from deskwerk.accounts.models import User
from deskwerk.privacy.datamap import (
    CATEGORY_LETTER,
    KEY,
    REGISTRY,
    TENANT,
    Category,
    ModelMap,
    NotPersonal,
    Personal,
)
from deskwerk.privacy.requests.erasure import BATCH, SESSION_LABEL, _rows, person_sessions

FORMAT = "deskwerk-access-export/1"
PREVIEW_ROWS = 100  # rows per model shown in index.html; the JSON has all of them
# Credentials are listed (the person learns that they exist and why) but their values are
# withheld: a hash or a live session key in a downloaded file helps only an attacker.
WITHHELD = {
    ("accounts.User", "password"),
    ("access.ApiToken", "token_hash"),
    (SESSION_LABEL, "key_hash"),
    ("mfa.Authenticator", "data"),
    ("account.EmailConfirmation", "key"),
}
WITHHELD_VALUE = "(withheld: a credential)"
SECRET_SESSION_KEY = re.compile(r"hash|token|csrf|secret|key", re.IGNORECASE)
# What erasure does, in words for the summary.
AT_ERASURE = {
    "delete_row": "deleted",
    "clear": "emptied",
    "pseudonymise": "the link to you is cut (kept under a pseudonym)",
    "keep": "kept, no longer linked to you",
    "legal_hold": "kept under a legal hold",
}


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return str(value)


def _dumps(value: Any) -> str:
    return json.dumps(value, default=_default, ensure_ascii=False)


@dataclass
class Block:
    """One model's rows in one category file: the person's own rows, or references."""

    model_map: ModelMap
    relation: str  # "subject" or "reference"
    link: str
    fields: list[str]
    context: list[str]
    rows: Callable[[list[str]], Iterable[tuple[Any, ...]]]  # yields (pk, *values)
    count: int = 0
    preview: list[dict[str, Any]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.model_map.label

    def meta(self, name: str) -> dict[str, Any]:
        rule = self.model_map.fields[name]
        assert isinstance(rule, Personal)
        meta: dict[str, Any] = {
            "category": rule.category.value,
            "purpose": rule.purpose,
            "retention": rule.retention,
            "at_erasure": rule.on_erasure.value,
        }
        if rule.hold is not None:
            meta["legal_hold"] = {"reason": rule.hold.reason, "period": rule.hold.period}
        return meta


def _context_fields(model_map: ModelMap) -> list[str]:
    """Not-personal fields that explain a row (what an audit event was), keys left out."""
    return [
        name
        for name, rule in model_map.fields.items()
        if isinstance(rule, NotPersonal) and rule not in (KEY, TENANT)
    ]


_ENCODER = json.JSONEncoder(default=_default, ensure_ascii=False)


def _rows_json(rows: list[dict[str, Any]], *, first: bool) -> bytes:
    """A batch of rows as the inside of a JSON array: one encoder call per batch."""
    text = _ENCODER.encode(rows)[1:-1]
    return (text if first else ", " + text).encode()


class _Sink(io.RawIOBase):
    """Collects what zipfile writes until the generator hands it out. Not seekable, so
    zipfile writes data descriptors instead of seeking back."""

    def __init__(self) -> None:
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._chunks.append(chunk)
        return len(chunk)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


class _Export:
    def __init__(self, person: User) -> None:
        self.person = person
        self.tenant_id = person.tenant_id
        self.generated_at = timezone.now()
        self._sessions: list[tuple[Any, dict[str, Any]]] | None = None
        self.files: list[str] = []
        self.categories: dict[Category, list[Block]] = {}

    # -- what belongs to the person -------------------------------------------------------

    def sessions(self) -> list[tuple[Any, dict[str, Any]]]:
        if self._sessions is None:
            self._sessions = [
                (
                    s,
                    {
                        k: WITHHELD_VALUE if SECRET_SESSION_KEY.search(k) else v
                        for k, v in data.items()
                    },
                )
                for s, data in person_sessions(self.person)
            ]
        return self._sessions

    def _queryset_rows(
        self, model_map: ModelMap, lookup: dict[str, Any], exclude: dict[str, Any]
    ) -> Callable[[list[str]], Iterable[tuple[Any, ...]]]:
        def rows(names: list[str]) -> Iterable[tuple[Any, ...]]:
            qs = _rows(model_map.model, self.tenant_id, **lookup).exclude(**exclude)
            return qs.order_by("pk").values_list("pk", *names).iterator(chunk_size=2000)

        return rows

    def _session_rows(self, names: list[str]) -> Iterable[tuple[Any, ...]]:
        # The data decrypted (the stored ciphertext would tell the person nothing).
        for session, data in self.sessions():
            values = {n: data if n == "data" else session.serializable_value(n) for n in names}
            yield (session.pk, *(values[n] for n in names))

    def blocks(self) -> None:
        """Decide, per category, which model blocks hold something of the person."""
        for model_map in sorted(REGISTRY.values(), key=lambda m: m.label):
            personal = model_map.personal
            if not personal:
                continue
            if model_map.label == SESSION_LABEL:
                if self.sessions():
                    self._add(model_map, "subject", "user", personal, self._session_rows)
                continue
            if not model_map.links:
                continue
            first, *further = model_map.links
            own = {first: self.person.pk}
            if _rows(model_map.model, self.tenant_id, **own).exists():
                self._add(
                    model_map, "subject", first, personal, self._queryset_rows(model_map, own, {})
                )
            for link in further:
                rule = personal.get(link)
                refs = {link: self.person.pk}
                if rule is None:
                    continue
                qs = _rows(model_map.model, self.tenant_id, **refs).exclude(**own)
                if qs.exists():
                    self._add(
                        model_map,
                        "reference",
                        link,
                        {link: rule},
                        self._queryset_rows(model_map, refs, own),
                    )

    def _add(
        self,
        model_map: ModelMap,
        relation: str,
        link: str,
        personal: dict[str, Personal],
        rows: Callable[[list[str]], Iterable[tuple[Any, ...]]],
    ) -> None:
        # Context (what an audit event was about) once, with the model's first category.
        context = _context_fields(model_map) if relation == "subject" else []
        for category in Category:
            names = [n for n, rule in personal.items() if rule.category == category]
            if names:
                self.categories.setdefault(category, []).append(
                    Block(model_map, relation, link, names, context, rows)
                )
                context = []

    # -- writing --------------------------------------------------------------------------

    def write(self, zf: zipfile.ZipFile) -> Iterator[None]:
        """Write the ZIP, yielding after every batch so the caller can pass bytes on."""
        self.blocks()
        for category, blocks in self.ordered():
            with zf.open(self.category_file(category), "w", force_zip64=True) as out:
                yield from self._write_category(out, category, blocks)
            yield
        yield from self._write_files(zf)
        zf.writestr("manifest.json", _dumps(self.manifest()))
        zf.writestr("index.html", self.html())
        yield

    def ordered(self) -> list[tuple[Category, list[Block]]]:
        """Categories in the order of § 4 (a-j)."""
        return [(c, self.categories[c]) for c in Category if c in self.categories]

    @staticmethod
    def category_file(category: Category) -> str:
        return f"data/{CATEGORY_LETTER[category]}-{category.value}.json"

    def _write_category(
        self, out: IO[bytes], category: Category, blocks: list[Block]
    ) -> Iterator[None]:
        head = {"format": FORMAT, "category": category.value, "letter": CATEGORY_LETTER[category]}
        out.write((_dumps(head)[:-1] + ', "models": [').encode())
        for index, block in enumerate(blocks):
            header = {
                "model": block.label,
                "description": block.model_map.description,
                "relation": block.relation,
                "link": block.link,
                "fields": {name: block.meta(name) for name in block.fields},
            }
            out.write((("," if index else "") + _dumps(header)[:-1] + ', "rows": [').encode())
            names = block.fields + block.context
            withheld = [i for i, n in enumerate(names) if (block.label, n) in WITHHELD]
            width = len(block.fields)
            batch: list[dict[str, Any]] = []
            for row in block.rows(names):
                values = list(row[1:])
                for i in withheld:
                    values[i] = WITHHELD_VALUE if values[i] else values[i]
                item = {"id": row[0], **dict(zip(block.fields, values, strict=False))}
                if block.context:
                    item["context"] = dict(zip(block.context, values[width:], strict=True))
                batch.append(item)
                if len(block.preview) < PREVIEW_ROWS:
                    block.preview.append(item)
                block.count += 1
                if len(batch) >= BATCH:
                    out.write(_rows_json(batch, first=block.count == len(batch)))
                    batch = []
                    yield
            if batch:
                out.write(_rows_json(batch, first=block.count == len(batch)))
            out.write(f'], "row_count": {block.count}}}'.encode())
        out.write(b"]}")

    def _write_files(self, zf: zipfile.ZipFile) -> Iterator[None]:
        """Files of personal file fields (a profile photo), copied in chunks."""
        for _, blocks in self.ordered():
            for block in blocks:
                if block.relation != "subject":
                    continue
                model = block.model_map.model
                for name in block.fields:
                    f = model._meta.get_field(name)
                    if not isinstance(f, models.FileField):
                        continue
                    for pk, stored in block.rows([name]):
                        if stored:
                            yield from self._copy_file(zf, f, block.label, pk, name, stored)

    def _copy_file(
        self,
        zf: zipfile.ZipFile,
        f: models.FileField,
        label: str,
        pk: Any,
        name: str,
        stored: str,
    ) -> Iterator[None]:
        target = f"files/{label}/{pk}/{name}/{PurePosixPath(stored).name}"
        if not f.storage.exists(stored):
            return
        with f.storage.open(stored, "rb") as src, zf.open(target, "w", force_zip64=True) as dst:
            while chunk := src.read(64 * 1024):
                dst.write(chunk)
                yield
        self.files.append(target)

    def manifest(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "generated_at": self.generated_at.isoformat(),
            "tenant": {"slug": self.person.tenant.slug, "name": self.person.tenant.name},
            "person": {"id": self.person.pk},
            "categories": [
                {
                    "category": category.value,
                    "letter": CATEGORY_LETTER[category],
                    "file": self.category_file(category),
                    "models": {f"{b.label} ({b.relation})": b.count for b in blocks},
                }
                for category, blocks in self.ordered()
            ],
            "files": self.files,
            "withheld": sorted(f"{label}.{name}" for label, name in WITHHELD),
        }

    def html(self) -> str:
        person = self.person
        parts = [
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
            f"<title>Your data at {escape(person.tenant.name)}</title>",
            "<style>body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em}"
            "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;"
            "padding:.2em .5em;text-align:left;vertical-align:top;font-size:.9em}"
            "th{background:#f3f3f3}</style></head><body>",
            f"<h1>Your data at {escape(person.tenant.name)}</h1>",
            f"<p>{escape(person.full_name or person.email)} &lt;{escape(person.email)}&gt; · "
            f"generated {escape(self.generated_at.strftime('%Y-%m-%d %H:%M UTC'))}</p>",
            "<p>This summary lists every kind of personal data Deskwerk holds about you, why, "
            "for how long, and what happens to it when you ask for erasure. The complete, "
            "machine-readable data is in the <code>data/</code> folder, one JSON file per "
            "category; files you uploaded are in <code>files/</code>. Credentials (password "
            "hash, session keys, token hashes) are named but not included.</p>",
        ]
        for category, blocks in self.ordered():
            parts.append(
                f"<h2>{CATEGORY_LETTER[category]}. {escape(category.value.title())} data</h2>"
                f"<p>File: <code>{escape(self.category_file(category))}</code></p>"
            )
            for block in blocks:
                parts.append(self._html_block(block))
        parts.append("</body></html>")
        return "".join(parts)

    def _html_block(self, block: Block) -> str:
        what = "about you" if block.relation == "subject" else f"referring to you ({block.link})"
        rows = [
            f"<h3>{escape(block.model_map.description)} <small>({escape(block.label)}, "
            f"{block.count} {'row' if block.count == 1 else 'rows'} {escape(what)})</small></h3>",
            "<table><tr><th>field</th><th>purpose</th><th>kept</th><th>at erasure</th></tr>",
        ]
        for name in block.fields:
            meta = block.meta(name)
            at_erasure = AT_ERASURE[meta["at_erasure"]]
            if "legal_hold" in meta:
                hold = meta["legal_hold"]
                at_erasure += f": {hold['reason']} ({hold['period']})"
            rows.append(
                f"<tr><td>{escape(name)}</td><td>{escape(meta['purpose'])}</td>"
                f"<td>{escape(meta['retention'])}</td><td>{escape(at_erasure)}</td></tr>"
            )
        rows.append("</table>")
        if block.preview:
            columns = ["id", *block.fields]
            rows.append("<table><tr>" + "".join(f"<th>{escape(c)}</th>" for c in columns))
            rows.append("</tr>")
            for item in block.preview:
                cells = "".join(f"<td>{escape(_text(item.get(c)))}</td>" for c in columns)
                rows.append(f"<tr>{cells}</tr>")
            rows.append("</table>")
            if block.count > len(block.preview):
                rows.append(
                    f"<p>… and {block.count - len(block.preview)} more in the JSON file.</p>"
                )
        return "".join(rows)


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict | list):
        return _dumps(value)
    return str(_default(value)) if not isinstance(value, str | int | float) else str(value)


def export_chunks(person: User) -> Iterator[bytes]:
    """The person's export as ZIP bytes, chunk by chunk (for a streaming response)."""
    sink = _Sink()
    export = _Export(person)
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for _ in export.write(zf):
            chunk = sink.take()
            if chunk:
                yield chunk
    yield sink.take()


def write_export(person: User, target: IO[bytes]) -> None:
    """The same ZIP into a file (the bench and tests use this)."""
    for chunk in export_chunks(person):
        target.write(chunk)
