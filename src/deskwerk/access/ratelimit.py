"""Rate limits per API caller (token, or session user) in fixed one-minute windows.

The count lives in the database (``RateLimitCounter``) so every gunicorn worker shares it:
one ``INSERT … ON CONFLICT … DO UPDATE SET hits = hits + 1 RETURNING hits`` per request
(PostgreSQL, and SQLite ≥ 3.35). Answers carry ``RateLimit-Limit``, ``RateLimit-Remaining``,
``RateLimit-Reset`` (seconds) and ``RateLimit-Policy`` (IETF draft "RateLimit header fields for
HTTP"); past the limit: 429 ``rate_limited`` with ``Retry-After``. If the counter store fails,
the request goes through (fail open) and the failure is logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, HttpResponse

from deskwerk.access.models import RateLimitCounter
from deskwerk.core.errors import DomainError

log = logging.getLogger(__name__)
WINDOW_SECONDS = 60
_ATTR = "_deskwerk_ratelimit"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
    title = "Too many requests"


@dataclass(frozen=True)
class Quota:
    limit: int
    remaining: int
    reset: int  # seconds until the window ends


def _increment(bucket: str, window: int) -> int:
    table = connection.ops.quote_name(RateLimitCounter._meta.db_table)
    sql = (
        f"INSERT INTO {table} (bucket, window_start, hits) VALUES (%s, %s, 1) "  # noqa: S608
        f"ON CONFLICT (bucket, window_start) DO UPDATE SET hits = {table}.hits + 1 "
        "RETURNING hits"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [bucket, window])
        hits = int(cursor.fetchone()[0])
        if hits == 1:  # the caller's first request of a new window: drop its old windows
            cursor.execute(
                f"DELETE FROM {table} WHERE bucket = %s AND window_start < %s",  # noqa: S608
                [bucket, window],
            )
    return hits


def hit(request: HttpRequest, bucket: str) -> Quota | None:
    """Count one request of ``bucket``; raise ``RateLimited`` past the limit.

    None when the store failed (the request is let through, and logged).
    """
    limit = settings.API_RATE_LIMIT_PER_MINUTE
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    try:
        if connection.in_atomic_block:  # a failed statement must not break the transaction
            with transaction.atomic():
                hits = _increment(bucket, window)
        else:
            hits = _increment(bucket, window)
    except DatabaseError:
        log.exception("rate limit store unavailable; letting the request through")
        return None
    reset = max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))
    quota = Quota(limit=limit, remaining=max(0, limit - hits), reset=reset)
    setattr(request, _ATTR, quota)
    if hits > limit:
        raise RateLimited(
            f"more than {limit} requests per minute; retry in {reset} s", retry_after=reset
        )
    return quota


class RateLimitHeadersMiddleware:
    """Adds the RateLimit-* headers (and Retry-After on 429) to API answers of counted callers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        quota: Quota | None = getattr(request, _ATTR, None)
        if quota is not None:
            response["RateLimit-Limit"] = str(quota.limit)
            response["RateLimit-Remaining"] = str(quota.remaining)
            response["RateLimit-Reset"] = str(quota.reset)
            response["RateLimit-Policy"] = f"{quota.limit};w={WINDOW_SECONDS}"
            if response.status_code == 429:
                response["Retry-After"] = str(quota.reset)
        return response
