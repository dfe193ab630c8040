"""The hash of one audit row: SHA-256 over a canonical serialisation of its content.

The serialisation must give the same bytes on PostgreSQL and SQLite and in ten years: a JSON
array in a fixed order, times in UTC with microseconds, a format tag first so a future format
can be told apart. ``seq`` and ``id`` are part of it, so moving a row is a change too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

FORMAT = "deskwerk-audit-1"
# Rows with an ``actor_label`` (service tokens, operator staff) are serialised with the label
# after the ``HASHED`` columns under this tag; rows without one keep format 1 byte for byte,
# so chains sealed before the label existed still verify.
FORMAT_LABELLED = "deskwerk-audit-2"

# Columns read for hashing, in the order they are serialised (after FORMAT, then prev_hash last).
HASHED = (
    "seq",
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


def _time(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return value  # a tampered, non-time value: hashed as it is, so the hash differs


def canonical(row: Mapping[str, Any], prev_hash: str) -> bytes:
    """The exact bytes that are hashed for ``row`` (a mapping with the ``HASHED`` keys and,
    optionally, ``actor_label``)."""
    label = row.get("actor_label") or ""
    if label:
        values = [FORMAT_LABELLED, *(_time(row[name]) for name in HASHED), label, prev_hash]
    else:
        values = [FORMAT, *(_time(row[name]) for name in HASHED), prev_hash]
    return json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def row_hash(row: Mapping[str, Any], prev_hash: str) -> str:
    return hashlib.sha256(canonical(row, prev_hash)).hexdigest()
