"""Recording usage minimally, and deleting it after the tenant's retention period."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import ResolverMatch
from django.utils import timezone

from deskwerk.audit.services import audit_record
from deskwerk.core.request_context import truncate_ip
from deskwerk.tenancy.models import Tenant
from deskwerk.usage.models import UsageEvent

logger = logging.getLogger(__name__)

# Not worth a row: liveness probes and the API's own description.
SKIPPED_ROUTES = frozenset({"web:health", "api-v1:openapi-json", "api-v1:openapi-view"})

# Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
_BROWSERS: list[tuple[str, re.Pattern[str]]] = [
    (name, re.compile(pattern))
    for name, pattern in [
        ("Edge", r"\bEdg(?:e|A|iOS)?/(\d+)"),
        ("Opera", r"\b(?:OPR|Opera)/(\d+)"),
        ("Samsung Internet", r"\bSamsungBrowser/(\d+)"),
        ("Firefox", r"\b(?:Firefox|FxiOS)/(\d+)"),
        ("Chrome", r"\b(?:Chrome|CriOS|Chromium)/(\d+)"),
        ("Safari", r"\bVersion/(\d+)[\d.]*(?: Mobile/\S+)? Safari/"),
        ("curl", r"^curl/(\d+)"),
        ("Python", r"^python-(?:requests|httpx|urllib\d?)/(\d+)"),
        ("Python", r"^Python-urllib/(\d+)"),
    ]
]
_SYSTEMS: list[tuple[str, re.Pattern[str]]] = [
    (name, re.compile(pattern))
    for name, pattern in [
        ("Android", r"\bAndroid\b"),
        ("iOS", r"\b(?:iPhone|iPad|iPod)\b"),
        ("Windows", r"\bWindows\b"),
        ("macOS", r"\b(?:Macintosh|Mac OS X)\b"),
        ("ChromeOS", r"\bCrOS\b"),
        ("Linux", r"\bLinux\b"),
    ]
]
_MAX_UA = 512  # longer headers are cut before matching: bounded work per request


def user_agent_family(raw: str | None) -> str:
    """ "Firefox 132 / Linux": browser family, major version and operating system only.

    Enough to see which browsers to support; far too little to fingerprint a device.
    """
    text = (raw or "")[:_MAX_UA]
    if not text.strip():
        return ""
    browser = "other"
    for name, pattern in _BROWSERS:
        found = pattern.search(text)
        if found:
            browser = f"{name} {int(found.group(1))}"
            break
    system = next((name for name, pattern in _SYSTEMS if pattern.search(text)), "")
    return f"{browser} / {system}"[:60] if system else browser[:60]


def route_name(request: HttpRequest, match: ResolverMatch | None) -> str | None:
    """The coarse name of what was used: the API operation id, else the URL pattern's name.

    ``None``: not recorded (unresolved paths, health checks, the API description).
    """
    if match is None:
        return None
    if match.view_name in SKIPPED_ROUTES:
        return None
    operation = _operation_id(match.func, request.method or "")
    if operation:
        return operation[:100]
    return (match.view_name or match.route or "")[:100] or None


_OPERATIONS: dict[int, dict[str, str]] = {}


def _operation_id(view: Any, method: str) -> str | None:
    """django-ninja serves all methods of a path from one view; find the method's operation.

    The view closes over ninja's ``PathView``; its operations know their ids. Cached per view.
    """
    key = id(view)
    table = _OPERATIONS.get(key)
    if table is None:
        table = {}
        for cell in getattr(view, "__closure__", None) or ():
            try:
                operations = cell.cell_contents.operations
            except (AttributeError, ValueError):
                continue
            for operation in operations:
                name = operation.operation_id or operation.view_func.__name__
                for op_method in operation.methods:
                    table[op_method.upper()] = name
        _OPERATIONS[key] = table
    return table.get(method.upper())


def usage_record(request: HttpRequest, response: HttpResponse) -> UsageEvent | None:
    """One row for an authenticated request; nothing for anonymous or restricted people.

    One INSERT. A failure is logged, never passed on: usage data must not break a request.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(user, "restricted_at", None):
        return None
    route = route_name(request, getattr(request, "resolver_match", None))
    if route is None:
        return None
    event = UsageEvent(
        tenant_id=user.tenant_id,
        user_id=user.pk,
        at=timezone.now(),
        route=route,
        method=(request.method or "")[:8],
        status=response.status_code,
        user_agent=user_agent_family(request.META.get("HTTP_USER_AGENT")),
        ip=truncate_ip(request.META.get("REMOTE_ADDR")),
    )
    try:
        if connection.in_atomic_block:
            # Inside a transaction (tests, or a view that left one open): a savepoint keeps a
            # failed insert from spoiling it.
            with transaction.atomic():
                event.save(force_insert=True)
        else:
            event.save(force_insert=True)
    except Exception:
        logger.exception("could not record usage")
        return None
    return event


def usage_purge(tenant: Tenant, *, now: dt.datetime | None = None, batch_size: int = 10_000) -> int:
    """Delete the tenant's usage rows older than its retention period; returns the count.

    Set-based, in batches so that SQLite's single writer is never held for long.
    """
    from deskwerk.privacy.settings import privacy_settings

    cutoff = (now or timezone.now()) - dt.timedelta(
        days=privacy_settings(tenant).usage_retention_days
    )
    table = connection.ops.quote_name(UsageEvent._meta.db_table)
    sql = (
        f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table}"  # noqa: S608
        " WHERE tenant_id = %s AND at < %s LIMIT %s)"
    )
    params = [tenant.pk, connection.ops.adapt_datetimefield_value(cutoff), batch_size]
    deleted = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            count = cursor.rowcount
        deleted += count
        if count < batch_size:
            break
    if deleted:
        audit_record(
            tenant=tenant,
            actor=None,
            action="usage.purge",
            object_type="usage.usageevent",
            object_id=deleted,
        )
    return deleted
