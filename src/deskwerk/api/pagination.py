"""Cursor pagination: stable under inserts, no OFFSET scans, opaque to clients."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet

from deskwerk.core.errors import InvalidInput

M = TypeVar("M", bound=Model)
MAX_LIMIT = 200


def _encode(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode(cursor: str, size: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("the cursor is not one we issued", code="invalid_cursor") from exc
    if not isinstance(values, list) or len(values) != size:
        raise InvalidInput("the cursor is not one we issued", code="invalid_cursor")
    return values


def paginate(
    qs: QuerySet[M],
    *,
    order: Sequence[str],
    cursor: str | None,
    limit: int,
    key: Callable[[M], list[Any]],
    parse: Callable[[list[Any]], list[Any]] = lambda v: v,
) -> tuple[list[M], str | None]:
    """One page after ``cursor`` in ascending ``order`` (the last field: a unique integer).

    ``key`` turns an item into the JSON values of ``order``; ``parse`` turns them back.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", code="invalid_limit")
    if cursor:
        values = parse(_decode(cursor, len(order)))
        tie_breaker = values[-1]
        # A forged cursor must not reach the database as a wrongly typed value (a 500).
        if type(tie_breaker) is not int or not 0 <= tie_breaker < 2**63:
            raise InvalidInput("the cursor is not one we issued", code="invalid_cursor")
        after = Q()
        # (a, b, c) > (x, y, z) expanded, as not every database has row comparison.
        for i in range(len(order)):
            term = Q(**{f"{order[i]}__gt": values[i]})
            for j in range(i):
                term &= Q(**{order[j]: values[j]})
            after |= term
        qs = qs.filter(after)
    items = list(qs.order_by(*order)[: limit + 1])
    next_cursor = _encode(key(items[limit - 1])) if len(items) > limit else None
    return items[:limit], next_cursor
