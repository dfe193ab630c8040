"""Offboarding at the end of the contract (DPA § 14, § 16): return, deletion, proof.

1. ``offboarding_start`` — when the operator terminates a tenant (``tenant_lifecycle_set``):
   the record is created in the operator tenant and the export job queued.
2. ``offboarding_export`` (job) — builds the archive, stores only the hash of a 256-bit
   download secret, and sends the link to the tenant's authorised persons (mail + notice).
3. ``archive_open`` / ``receipt_confirm`` — the public download page, every download audited.
4. ``offboarding_delete`` — after ``OFFBOARDING_EXPORT_DAYS`` (daily job) or earlier by the
   operator once the tenant confirmed receipt: keeps the compliance documentation, deletes
   every row, file, job and cache entry of the tenant, then runs the verification scan. Only a
   clean scan gives status ``deleted`` and a certificate; otherwise ``failed`` with findings.
5. ``documentation_purge`` (daily job) — the kept documentation after
   ``COMPLIANCE_DOCS_RETENTION_DAYS``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from deskwerk.accounts.models import User
from deskwerk.audit.services import audit_record, audit_seal
from deskwerk.core.errors import Conflict, NotFound
from deskwerk.offboarding.archive import build_archive
from deskwerk.offboarding.deletion import (
    DeletionReport,
    cache_purge,
    collect_markers,
    delete_files,
    delete_rows,
    queue_purge,
    tenant_files,
)
from deskwerk.offboarding.documentation import documentation_sources
from deskwerk.offboarding.models import KeptDocument, Offboarding, archive_storage
from deskwerk.offboarding.scan import scan
from deskwerk.processor.selectors import authorised_recipients, operator_tenant
from deskwerk.processor.services import require_operator
from deskwerk.tenancy.models import Tenant

logger = logging.getLogger(__name__)

PERMISSION = "operator.tenants"


class Gone(Exception):
    """The link is valid but its period is over, or the data is deleted: HTTP 410."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def site_url() -> str:
    """Scheme and host for links in jobs (no request there): ``SITE_URL``, else the first
    concrete ``ALLOWED_HOSTS`` entry."""
    if settings.SITE_URL:
        return str(settings.SITE_URL)
    hosts = [h for h in settings.ALLOWED_HOSTS if h and not h.startswith((".", "*"))]
    scheme = "https" if settings.PRODUCTION else "http"
    return f"{scheme}://{hosts[0] if hosts else 'localhost'}"


def _audit(action: str, offboarding: Offboarding, actor: User | None = None) -> None:
    audit_record(tenant=offboarding.tenant, actor=actor, action=action, obj=offboarding)


# --- 1. start ----------------------------------------------------------------------------------


def offboarding_start(*, tenant: Tenant, actor: User | None) -> Offboarding:
    """Record the offboarding and queue the export; call in the transaction that terminates."""
    keeper = operator_tenant()
    if keeper is None or tenant.is_operator:
        raise Conflict("no operator tenant keeps the record", code="operator_tenant_protected")
    existing = Offboarding.unscoped.filter(customer_id=tenant.pk).first()
    if existing is not None:
        return existing
    offboarding = Offboarding.unscoped.create(
        tenant=keeper,
        customer_id=tenant.pk,
        customer_name=tenant.name,
        customer_slug=tenant.slug,
        contract_end=timezone.now(),
        started_by_id=actor.pk if actor is not None else None,
        recipients=[{"name": r.name, "email": r.email} for r in authorised_recipients(tenant)],
    )
    _audit("offboarding.start", offboarding, actor)
    transaction.on_commit(lambda: _enqueue_export(offboarding.pk), robust=True)
    return offboarding


def _enqueue_export(offboarding_id: int) -> None:
    from deskwerk.offboarding.tasks import offboarding_export_job

    offboarding_export_job(offboarding_id)


# --- 2. export ---------------------------------------------------------------------------------


def offboarding_export(offboarding_id: int) -> Offboarding:
    """Build the archive, make the link, tell the tenant. Safe to run twice."""
    offboarding = Offboarding.unscoped.select_related("tenant").get(pk=offboarding_id)
    if offboarding.status != Offboarding.Status.EXPORTING:
        return offboarding
    tenant = Tenant.objects.get(pk=offboarding.customer_id)
    storage = archive_storage()
    name = f"{offboarding.pk}-{secrets.token_hex(8)}.zip"
    # Written in place (owner-only folder), not via a temporary file elsewhere: no further copy.
    path = Path(storage.path(name))
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        with path.open("w+b") as out:
            path.chmod(0o600)
            result = build_archive(tenant, out)
            out.seek(0)
            sha = hashlib.sha256()
            while chunk := out.read(1024 * 1024):
                sha.update(chunk)
    except Exception as exc:
        logger.exception("export of tenant %s failed", offboarding.customer_slug)
        path.unlink(missing_ok=True)
        offboarding.status = Offboarding.Status.FAILED
        # The type only: a message could quote the customer's data (see the server log).
        offboarding.error = f"export failed: {type(exc).__name__}"
        offboarding.save(update_fields=["status", "error"])
        return offboarding
    saved = name
    token = secrets.token_urlsafe(32)  # 256 bits
    now = timezone.now()
    with transaction.atomic():
        offboarding.export_file.name = saved
        offboarding.export_sha256 = sha.hexdigest()
        offboarding.export_bytes = storage.size(saved)
        offboarding.export_ready_at = now
        offboarding.export_until = now + dt.timedelta(days=settings.OFFBOARDING_EXPORT_DAYS)
        offboarding.token_hash = _hash(token)
        offboarding.status = Offboarding.Status.READY
        offboarding.report = {"export_models": result.models, "export_files": len(result.files)}
        offboarding.save()
        _audit("offboarding.export_ready", offboarding)
        from deskwerk.processor.services import notify_tenant

        notify_tenant(
            tenant,
            "offboarding_export_ready",
            {
                "link": f"{site_url()}/offboarding/{token}/",
                "until": offboarding.export_until,
                "size_mb": round(offboarding.export_bytes / 1_000_000, 1),
                "sha256": offboarding.export_sha256,
            },
        )
    return offboarding


# --- 3. download -------------------------------------------------------------------------------


def offboarding_by_token(token: str, *, now: dt.datetime | None = None) -> Offboarding:
    """The offboarding of a download link: NotFound for an unknown secret, Gone after the
    period or the deletion."""
    if not token or len(token) > 100:
        raise NotFound("not found")
    offboarding = (
        Offboarding.unscoped.select_related("tenant").filter(token_hash=_hash(token)).first()
    )
    if offboarding is None:
        raise NotFound("not found")
    now = now or timezone.now()
    if (
        offboarding.status != Offboarding.Status.READY
        or offboarding.export_until is None
        or now >= offboarding.export_until
        or not offboarding.export_file
    ):
        raise Gone("the download period is over")
    return offboarding


def archive_open(token: str) -> tuple[Offboarding, Any]:
    """Open the archive for a download and record it (audited in the operator tenant)."""
    offboarding = offboarding_by_token(token)
    with transaction.atomic():
        locked = Offboarding.unscoped.select_for_update().get(pk=offboarding.pk)
        # Only the time: the (truncated) address is in the audit event, under its own rules.
        locked.downloads = [*locked.downloads, {"at": timezone.now().isoformat()}]
        locked.save(update_fields=["downloads"])
        _audit("offboarding.download", locked)
    return locked, archive_storage().open(locked.export_file.name, "rb")


def receipt_confirm(token: str) -> Offboarding:
    """The tenant confirms it received the archive: the operator may delete before the end of
    the period."""
    offboarding = offboarding_by_token(token)
    with transaction.atomic():
        locked = Offboarding.unscoped.select_for_update().get(pk=offboarding.pk)
        if locked.receipt_confirmed_at is None:
            locked.receipt_confirmed_at = timezone.now()
            locked.save(update_fields=["receipt_confirmed_at"])
            _audit("offboarding.receipt_confirmed", locked)
    return locked


# --- 4. deletion -------------------------------------------------------------------------------


def offboarding_get(actor: User, offboarding_id: int) -> Offboarding:
    require_operator(actor, PERMISSION)
    offboarding = Offboarding.unscoped.filter(pk=offboarding_id).first()
    if offboarding is None:
        raise NotFound("offboarding not found")
    return offboarding


def offboarding_delete_early(*, actor: User, offboarding: Offboarding) -> Offboarding:
    """The operator deletes before the period ends: only once the tenant confirmed receipt.
    A deletion that failed and was rolled back (the tenant still exists) may be tried again."""
    require_operator(actor, PERMISSION)
    retry = (
        offboarding.status == Offboarding.Status.FAILED
        and offboarding.deleted_at is None
        and offboarding.export_ready_at is not None
        and Tenant.objects.filter(pk=offboarding.customer_id).exists()
    )
    if retry:
        return offboarding_delete(offboarding, actor=actor, claim_from=Offboarding.Status.FAILED)
    if offboarding.status != Offboarding.Status.READY:
        raise Conflict(
            f"an offboarding in status {offboarding.status} cannot be deleted now",
            code="offboarding_not_ready",
        )
    if offboarding.receipt_confirmed_at is None:
        raise Conflict(
            "the tenant has not confirmed receipt of the archive; deletion follows at the "
            "end of the download period",
            code="receipt_not_confirmed",
        )
    return offboarding_delete(offboarding, actor=actor)


def _rows_of(manager: Any, **lookup: Any) -> list[dict[str, Any]]:
    rows = list(manager.filter(**lookup).order_by("pk").values())
    return json.loads(json.dumps(rows, default=str))


def _documentation(
    tenant: Tenant, markers: Any
) -> dict[str, list[dict[str, Any]] | dict[str, Any]]:
    """Everything kept beyond the contract end (§ 14 (3)), read before the deletion."""
    from deskwerk.audit.models import AuditEvent
    from deskwerk.audit.selectors import audit_verify
    from deskwerk.processor.models import AuthorisedPerson, Notice, Objection

    audit_seal(tenant)
    check = audit_verify(tenant)
    events = json.loads(
        json.dumps(
            list(AuditEvent.unscoped.filter(tenant=tenant).order_by("seq", "id").values()),
            default=str,
        )
    )
    docs: dict[str, Any] = {
        "audit_log": {
            "verification": {
                "ok": check.ok,
                "checked": check.checked,
                "first_seq": check.first_seq,
                "head_seq": check.head_seq,
                "head_hash": check.head_hash,
                "unsealed": check.unsealed,
                "findings": [str(f) for f in check.findings],
            },
            "events": events,
        },
        "notices": _rows_of(Notice.unscoped, tenant=tenant),
        "objections": _rows_of(Objection.unscoped, tenant=tenant),
        "authorised_persons": _rows_of(AuthorisedPerson.unscoped, tenant=tenant),
    }
    for name, source in sorted(documentation_sources().items()):
        docs[name] = json.loads(json.dumps(source(tenant), default=str))
    return docs


def _move_operator_mentions(keeper: Tenant, markers: Any) -> dict[str, Any]:
    """Notices and mail log rows *of the operator tenant* that name the customer (changes of
    its authorised persons, its objections): moved into the kept documentation, so the
    operator's working tables hold nothing of the customer."""
    from deskwerk.notify.models import OutgoingMail
    from deskwerk.offboarding.deletion import _mentions
    from deskwerk.processor.models import Notice

    pattern = markers.pattern()
    notices = [
        n
        for n in Notice.unscoped.filter(tenant=keeper)
        if _mentions(f"{n.subject}\n{n.body}", markers, pattern)
    ]
    mails = [
        m
        for m in OutgoingMail.unscoped.filter(tenant=keeper)
        if _mentions(f"{m.to}\n{m.subject}", markers, pattern)
    ]
    kept = {
        "notices": json.loads(
            json.dumps(
                [
                    {
                        "created_at": n.created_at,
                        "template": n.template,
                        "subject": n.subject,
                        "body": n.body,
                    }
                    for n in notices
                ],
                default=str,
            )
        ),
        "mails": json.loads(
            json.dumps(
                [
                    {
                        "created_at": m.created_at,
                        "to": m.to,
                        "template": m.template,
                        "subject": m.subject,
                        "status": m.status,
                    }
                    for m in mails
                ],
                default=str,
            )
        ),
    }
    Notice.unscoped.filter(pk__in=[n.pk for n in notices]).delete()
    names = [m.eml.name for m in mails if m.eml]
    OutgoingMail.unscoped.filter(pk__in=[m.pk for m in mails]).delete()
    storage = OutgoingMail._meta.get_field("eml").storage

    def delete_files() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete_files)
    return kept


def _error_text(what: str, exc: Exception, markers: Any) -> str:
    """The error for the record, without the message when it names the customer's people
    (a database error lists the rows it refused): the record outlives the data."""
    from deskwerk.offboarding.deletion import _mentions

    message = str(exc)
    if _mentions(message, markers, markers.pattern()):
        message = "(message withheld: it names the customer's data; see the server log)"
    return f"{what}: {type(exc).__name__}: {message}"[:2000]


def _keep(offboarding: Offboarding, name: str, content: Any) -> None:
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, default=str)
    rows = len(content) if isinstance(content, list) else len(content.get("events", content))
    KeptDocument.unscoped.update_or_create(
        offboarding=offboarding,
        name=name,
        defaults={
            "tenant": offboarding.tenant,
            "content": content,
            "rows": rows,
            "sha256": hashlib.sha256(text.encode()).hexdigest(),
        },
    )


def offboarding_delete(
    offboarding: Offboarding,
    *,
    actor: User | None = None,
    now: dt.datetime | None = None,
    claim_from: str = Offboarding.Status.READY,
) -> Offboarding:
    """Keep the documentation, delete everything else of the tenant, verify, certify.

    The record is claimed first (``claim_from`` → ``deleting`` in one UPDATE), so the daily job
    and an operator's early deletion never run twice for one tenant.
    """
    tenant = Tenant.objects.filter(pk=offboarding.customer_id).first()
    claimed = Offboarding.unscoped.filter(pk=offboarding.pk, status=claim_from).update(
        status=Offboarding.Status.DELETING
    )
    if tenant is None or not claimed:
        raise Conflict(
            "this offboarding is not ready for deletion (or being deleted now)",
            code="offboarding_not_ready",
        )
    offboarding.refresh_from_db()
    markers = collect_markers(tenant)
    files = tenant_files(tenant)
    from deskwerk.notify.models import OutgoingMail

    mail_ids = list(OutgoingMail.unscoped.filter(tenant=tenant).values_list("pk", flat=True))
    report = DeletionReport()
    keeper = offboarding.tenant
    try:
        with transaction.atomic():
            for name, content in _documentation(tenant, markers).items():
                _keep(offboarding, name, content)
            _keep(offboarding, "operator_mentions", _move_operator_mentions(keeper, markers))
            delete_rows(tenant, report)
            offboarding.deletion_requested_by_id = actor.pk if actor is not None else None
            offboarding.save(update_fields=["deletion_requested_by_id"])
    except Exception as exc:
        logger.exception("deletion of tenant %s failed", offboarding.customer_slug)
        offboarding.status = Offboarding.Status.FAILED
        offboarding.error = _error_text("deletion failed", exc, markers)
        offboarding.save(update_fields=["status", "error"])
        _audit("offboarding.failed", offboarding, actor)
        return offboarding
    # Committed: now the copies outside the database.
    delete_files(files, tenant.pk, report)
    if offboarding.export_file:
        archive = archive_storage()
        if archive.exists(offboarding.export_file.name):
            report.files += 1
            report.file_bytes += archive.size(offboarding.export_file.name)
            archive.delete(offboarding.export_file.name)
    report.jobs = queue_purge(markers, mail_ids)
    report.cache_keys, report.caches_not_listable = cache_purge(markers)
    result = scan(markers, files, mail_ids=mail_ids)
    done = timezone.now()
    offboarding.report = {**offboarding.report, **report.as_dict(), "markers": markers.as_dict()}
    offboarding.scan = {**result.as_dict(), "at": done.isoformat()}
    offboarding.export_deleted_at = done
    offboarding.deleted_at = done
    offboarding.keep_until = done + dt.timedelta(days=settings.COMPLIANCE_DOCS_RETENTION_DAYS)
    # The link's hash stays: a late visitor learns "gone" (410), not "unknown" (404).
    offboarding.status = Offboarding.Status.DELETED if result.ok else Offboarding.Status.FAILED
    offboarding.error = "" if result.ok else "verification scan found remains: see scan"
    with transaction.atomic():
        offboarding.save()
        _audit(
            "offboarding.deleted" if result.ok else "offboarding.scan_failed", offboarding, actor
        )
        if result.ok:
            from deskwerk.offboarding.certificate import certificate_data, send_certificate

            _keep(offboarding, "deletion_certificate", certificate_data(offboarding))
            send_certificate(offboarding)
    return offboarding


def exports_retry(*, now: dt.datetime | None = None) -> int:
    """Build archives again whose job was lost (still ``exporting`` after an hour) or failed
    (daily job): the tenant cannot be deleted before it was offered its data."""
    now = now or timezone.now()
    lost = Offboarding.unscoped.filter(
        status=Offboarding.Status.EXPORTING, created_at__lt=now - dt.timedelta(hours=1)
    )
    failed = Offboarding.unscoped.filter(
        status=Offboarding.Status.FAILED, export_ready_at__isnull=True, deleted_at__isnull=True
    )
    count = 0
    for offboarding in [*lost, *failed]:
        if not Tenant.objects.filter(pk=offboarding.customer_id).exists():
            continue
        Offboarding.unscoped.filter(pk=offboarding.pk).update(
            status=Offboarding.Status.EXPORTING, error=""
        )
        offboarding_export(offboarding.pk)
        count += 1
    return count


def offboardings_due(*, now: dt.datetime | None = None) -> list[Offboarding]:
    """Delete every tenant whose download period is over (daily job)."""
    now = now or timezone.now()
    done = []
    due = Offboarding.unscoped.filter(status=Offboarding.Status.READY, export_until__lte=now)
    for offboarding in due.order_by("pk"):
        try:
            done.append(offboarding_delete(offboarding, now=now))
        except Conflict:  # taken by an operator's early deletion meanwhile
            continue
    return done


# --- 5. purge of the documentation -------------------------------------------------------------


def documentation_purge(*, now: dt.datetime | None = None) -> int:
    """Delete offboarding records and their documentation past ``keep_until``."""
    now = now or timezone.now()
    due = list(Offboarding.unscoped.filter(keep_until__isnull=False, keep_until__lte=now))
    for offboarding in due:
        with transaction.atomic():
            audit_record(
                tenant=offboarding.tenant,
                actor=None,
                action="offboarding.documentation_purged",
                obj=offboarding,
            )
            if offboarding.export_file and archive_storage().exists(offboarding.export_file.name):
                archive_storage().delete(offboarding.export_file.name)
            offboarding.delete()
    return len(due)
