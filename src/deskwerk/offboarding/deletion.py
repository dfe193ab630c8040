"""Deleting every copy of a tenant's data that the system controls (DPA § 14 (1)).

Order: collect the markers (slug, name, every e-mail address and name of the tenant's people)
and the names of the tenant's files; drop queued jobs and cache entries that mention the
tenant; delete the rows of every model that holds the tenant's rows (``scope.tenant_models``,
read from the foreign keys) and the tenant row itself, in one transaction; then the files. The
verification scan (``scan.py``) then proves that nothing is left.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, models, transaction

from deskwerk.access.models import RateLimitCounter
from deskwerk.audit.models import AuditChain, AuditEvent
from deskwerk.audit.services import audit_erase_tenant
from deskwerk.offboarding.scope import file_fields, tenant_models, tenant_rows
from deskwerk.privacy.datamap import REGISTRY, Category
from deskwerk.tenancy.models import Tenant

logger = logging.getLogger(__name__)

MIN_MARKER = 4  # shorter strings ("Li", "Ana") would match everywhere
MARKER_CATEGORIES = {Category.MASTER, Category.CONTACT, Category.ACCOUNT}
NOT_MARKERS = re.compile(r"password|hash|secret|token|key", re.IGNORECASE)


@dataclass
class Markers:
    """What identifies the tenant in data that has no tenant column."""

    tenant_id: int
    strings: list[str]  # lower case: slug, name, people's addresses and names
    prefixes: list[str]  # key prefixes naming the tenant id (rate limits, cache keys)

    def pattern(self) -> re.Pattern[str] | None:
        if not self.strings:
            return None
        # Longest first, so the match reported is the most specific one.
        ordered = sorted(set(self.strings), key=len, reverse=True)
        return re.compile("|".join(re.escape(s) for s in ordered))

    def as_dict(self) -> dict[str, Any]:
        return {"strings": len(self.strings), "prefixes": self.prefixes}


def collect_markers(tenant: Tenant) -> Markers:
    """The tenant's slug and name and, from the data map, every string of a master, contact
    or account field of its rows (e-mail addresses, names), credentials left out."""
    strings = {tenant.slug.lower(), tenant.name.lower()}
    for model, lookup in tenant_models():
        declared = REGISTRY.get(model._meta.label)
        if declared is None:
            continue
        names = [
            name
            for name, rule in declared.personal.items()
            if rule.category in MARKER_CATEGORIES
            and not NOT_MARKERS.search(name)
            and isinstance(
                model._meta.get_field(name), models.CharField | models.TextField
            )  # EmailField is a CharField
        ]
        for name in names:
            for value in tenant_rows(model, lookup, tenant.pk).values_list(name, flat=True):
                if isinstance(value, str) and len(value.strip()) >= MIN_MARKER:
                    strings.add(value.strip().lower())
    strings = {s for s in strings if _distinctive(s)} | {tenant.slug.lower(), tenant.name.lower()}
    prefixes = [f"u:{tenant.pk}:", f"t:{tenant.pk}:", f"tenant:{tenant.pk}:"]
    return Markers(tenant_id=tenant.pk, strings=sorted(strings), prefixes=prefixes)


def _distinctive(value: str) -> bool:
    """An e-mail address, or a longer string with a space or digit ("Ina Instruct", a phone
    number). A single word ("member", "Owner") is too common to prove anything by its
    presence, and would fail every scan."""
    if len(value) < MIN_MARKER:
        return False
    return "@" in value or (len(value) >= 6 and any(c == " " or c.isdigit() for c in value))


def _mentions(text: str, markers: Markers, pattern: re.Pattern[str] | None) -> bool:
    low = text.lower()
    if any(p in low for p in markers.prefixes):
        return True
    return pattern is not None and pattern.search(low) is not None


# --- queued jobs -------------------------------------------------------------------------------


def _task_mentions(task: Any, markers: Markers, mail_ids: set[int]) -> bool:
    args, kwargs = tuple(getattr(task, "args", ()) or ()), dict(getattr(task, "kwargs", {}) or {})
    if getattr(task, "name", "").endswith("notify.deliver") and args and args[0] in mail_ids:
        return True
    if kwargs.get("tenant_id") == markers.tenant_id:
        return True
    return _mentions(repr((args, kwargs)), markers, markers.pattern())


def queue_purge(markers: Markers, mail_ids: Iterable[int]) -> int:
    """Drop queued and scheduled jobs mentioning the tenant; returns how many.

    The queue is read, emptied and refilled with the other jobs: a worker that takes a job in
    between runs it early or finds it gone (jobs of the tenant find no rows: ``gone``).
    """
    from huey.contrib.djhuey import HUEY

    ids = set(mail_ids)
    storage = HUEY.storage
    dropped = 0
    queued = list(storage.enqueued_items())
    keep: list[tuple[bytes, Any]] = []
    for data in queued:
        task = HUEY.deserialize_task(data)
        if _task_mentions(task, markers, ids):
            dropped += 1
        else:
            keep.append((data, task.priority))
    if len(keep) != len(queued):
        storage.flush_queue()
        # enqueued_items lists the next job first; enqueue appends: same order again.
        for data, priority in keep:
            storage.enqueue(data, priority)
    scheduled = list(storage.scheduled_items())
    keep_scheduled = []
    for data in scheduled:
        task = HUEY.deserialize_task(data)
        if _task_mentions(task, markers, ids):
            dropped += 1
        else:
            keep_scheduled.append(task)
    if len(keep_scheduled) != len(scheduled):
        storage.flush_schedule()
        for task in keep_scheduled:
            HUEY.add_schedule(task)
    for key in _results_mentioning(markers):
        storage.delete_data(key)
        dropped += 1
    return dropped


def _results_mentioning(markers: Markers) -> list[Any]:
    """Keys of stored job results (the result store) whose value names the tenant."""
    from huey.contrib.djhuey import HUEY

    pattern = markers.pattern()
    found = []
    for key, value in HUEY.storage.result_items().items():
        try:
            text = repr(HUEY.serializer.deserialize(value))
        except Exception:
            text = bytes(value).decode("utf-8", "replace") if value else ""
        if _mentions(f"{key}\n{text}", markers, pattern):
            found.append(key)
    return found


def queue_findings(markers: Markers, mail_ids: Iterable[int]) -> list[str]:
    """Jobs still mentioning the tenant (for the verification scan)."""
    from huey.contrib.djhuey import HUEY

    ids = set(mail_ids)
    found = []
    for data in [*HUEY.storage.enqueued_items(), *HUEY.storage.scheduled_items()]:
        task = HUEY.deserialize_task(data)
        if _task_mentions(task, markers, ids):
            found.append(f"job {getattr(task, 'name', '?')} {task.id}")
    found += [f"job result {key}" for key in _results_mentioning(markers)]
    return found


# --- caches ------------------------------------------------------------------------------------


def _cache_keys(cache: Any) -> list[str] | None:
    """The keys of a cache, where the backend can list them (local memory, Redis)."""
    inner = getattr(cache, "_cache", None)
    if isinstance(inner, dict):  # LocMemCache
        return [str(k) for k in list(inner)]
    client = getattr(inner, "get_client", None)
    if callable(client):  # Django's RedisCache
        try:
            return [k.decode() if isinstance(k, bytes) else str(k) for k in client().scan_iter()]
        except Exception:
            logger.warning("cache keys could not be listed", exc_info=True)
            return None
    return None


def cache_purge(markers: Markers) -> tuple[int, list[str]]:
    """Delete cache entries whose key names the tenant; returns (deleted, caches not listable).

    Keys are matched raw (as stored, with Django's prefix and version): the tenant's id as a
    key prefix, its slug, its people's addresses.
    """
    pattern = markers.pattern()
    deleted = 0
    unlistable = []
    for alias in settings.CACHES:
        cache = caches[alias]
        keys = _cache_keys(cache)
        if keys is None:
            unlistable.append(alias)
            continue
        for raw in keys:
            if _mentions(raw, markers, pattern):
                _delete_raw(cache, raw)
                deleted += 1
    return deleted, unlistable


def _delete_raw(cache: Any, raw: str) -> None:
    inner = cache._cache
    if isinstance(inner, dict):
        with cache._lock:
            inner.pop(raw, None)
            cache._expire_info.pop(raw, None)
    else:
        inner.get_client(raw, write=True).delete(raw)


def cache_findings(markers: Markers) -> list[str]:
    pattern = markers.pattern()
    found = []
    for alias in settings.CACHES:
        for raw in _cache_keys(caches[alias]) or []:
            if _mentions(raw, markers, pattern):
                found.append(f"cache {alias}: a key names the tenant")
    return found


# --- rows and files ----------------------------------------------------------------------------


@dataclass
class StoredFile:
    storage: Any
    name: str
    size: int


@dataclass
class DeletionReport:
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    file_bytes: int = 0
    sessions: int = 0
    jobs: int = 0
    cache_keys: int = 0
    caches_not_listable: list[str] = field(default_factory=list)
    rate_limit_counters: int = 0
    outbox_folders: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": dict(sorted(self.rows.items())),
            "rows_total": sum(self.rows.values()),
            "files": self.files,
            "file_bytes": self.file_bytes,
            "sessions": self.sessions,
            "jobs": self.jobs,
            "cache_keys": self.cache_keys,
            "caches_not_listable": self.caches_not_listable,
            "rate_limit_counters": self.rate_limit_counters,
            "outbox_folders": self.outbox_folders,
        }


def tenant_files(tenant: Tenant) -> list[StoredFile]:
    """Every file a file field of the tenant's rows names (plans, photos, sent mails)."""
    found = []
    for model, lookup in tenant_models():
        for f in file_fields(model):
            qs = tenant_rows(model, lookup, tenant.pk).exclude(**{f.attname: ""})
            for name in qs.values_list(f.attname, flat=True).iterator():
                if not name:
                    continue
                try:
                    size = f.storage.size(name) if f.storage.exists(name) else 0
                except OSError:
                    size = 0
                found.append(StoredFile(storage=f.storage, name=name, size=size))
    return found


def delete_rows(tenant: Tenant, report: DeletionReport) -> None:
    """Delete every row of the tenant and the tenant itself; call inside a transaction.

    Models go in deletion order (a booking before its resource); one still referenced by a
    row of a model later in the order (a cycle) is tried again after the others.
    """
    report.rows[AuditEvent._meta.label] = AuditEvent.unscoped.filter(tenant=tenant).count()
    report.rows[AuditChain._meta.label] = AuditChain.unscoped.filter(tenant=tenant).count()
    audit_erase_tenant(tenant)  # the audit log refuses ordinary deletes
    pending = [(m, lk) for m, lk in tenant_models() if m not in (AuditEvent, AuditChain)]
    refusals = (models.ProtectedError, models.RestrictedError, DatabaseError)
    for _attempt in range(len(pending) + 1):
        blocked = []
        for model, lookup in pending:
            try:
                with transaction.atomic():
                    _, per_model = tenant_rows(model, lookup, tenant.pk).delete()
            except refusals:
                blocked.append((model, lookup))
                continue
            for label, count in per_model.items():
                report.rows[label] = report.rows.get(label, 0) + count
        pending = blocked
        if not pending:
            break
    else:
        names = ", ".join(m._meta.label for m, _ in pending)
        raise RuntimeError(f"rows of {names} could not be deleted")
    report.rate_limit_counters = _delete_counters(tenant)
    Tenant.objects.filter(pk=tenant.pk).delete()
    report.rows[Tenant._meta.label] = 1
    report.sessions = report.rows.get("websessions.WebSession", 0)


def _delete_counters(tenant: Tenant) -> int:
    """Rate-limit counters are keyed ``u:<tenant>:<user>`` / ``t:<tenant>:<token>``."""
    q = models.Q()
    for prefix in (f"u:{tenant.pk}:", f"t:{tenant.pk}:"):
        q |= models.Q(bucket__startswith=prefix)
    deleted, _ = RateLimitCounter.objects.filter(q).delete()
    return deleted


def delete_files(files: list[StoredFile], tenant_id: int, report: DeletionReport) -> None:
    """Delete the files (after the rows are committed) and the tenant's outbox folder."""
    for stored in files:
        try:
            if stored.storage.exists(stored.name):
                stored.storage.delete(stored.name)
                report.files += 1
                report.file_bytes += stored.size
        except OSError:
            logger.exception("file %s of an offboarded tenant could not be deleted", stored.name)
    from deskwerk.notify.storage import outbox_storage

    outbox = outbox_storage()
    folder = str(tenant_id)
    if outbox.exists(folder):
        _remove_tree(outbox, folder, report)
        report.outbox_folders += 1


def _remove_tree(storage: Any, folder: str, report: DeletionReport) -> None:
    dirs, names = storage.listdir(folder)
    for name in names:
        path = f"{folder}/{name}"
        report.files += 1
        report.file_bytes += storage.size(path)
        storage.delete(path)
    for sub in dirs:
        _remove_tree(storage, f"{folder}/{sub}", report)
    storage.delete(folder)  # FileSystemStorage removes an empty folder
