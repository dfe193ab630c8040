"""The deletion certificate (DPA § 14 (1)): HTML and PDF from the stored record, and the mail
that sends the PDF to the authorised persons collected before the deletion.

The PDF uses fpdf2's core font (Helvetica, Latin-1), which covers the German umlauts and ß;
characters outside Latin-1 are replaced by close equivalents.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from deskwerk.offboarding.models import Offboarding
from deskwerk.processor.selectors import notice_language

LATIN1 = str.maketrans({"–": "-", "—": "-", "…": "...", "„": '"', "“": '"', "”": '"', "’": "'"})


def certificate_data(offboarding: Offboarding) -> dict[str, Any]:
    """What the certificate states, as data (kept with the documentation, hashed)."""
    report = offboarding.report or {}
    scan = offboarding.scan or {}
    deleted = offboarding.deleted_at
    backups_expire = (
        deleted + dt.timedelta(days=settings.BACKUP_RETENTION_DAYS) if deleted else None
    )
    return {
        "customer": {
            "id": offboarding.customer_id,
            "name": offboarding.customer_name,
            "slug": offboarding.customer_slug,
        },
        "contract_end": offboarding.contract_end.isoformat(),
        "deleted_at": deleted.isoformat() if deleted else None,
        "rows": report.get("rows", {}),
        "rows_total": report.get("rows_total", 0),
        "files": report.get("files", 0),
        "file_bytes": report.get("file_bytes", 0),
        "sessions": report.get("sessions", 0),
        "jobs": report.get("jobs", 0),
        "cache_keys": report.get("cache_keys", 0),
        "rate_limit_counters": report.get("rate_limit_counters", 0),
        "export": {
            "ready_at": _iso(offboarding.export_ready_at),
            "until": _iso(offboarding.export_until),
            "sha256": offboarding.export_sha256,
            "bytes": offboarding.export_bytes,
            "downloads": len(offboarding.downloads or []),
            "receipt_confirmed_at": _iso(offboarding.receipt_confirmed_at),
        },
        "scan": {
            "ok": scan.get("ok", False),
            "at": scan.get("at"),
            "tables": scan.get("tables", 0),
            "columns": scan.get("columns", 0),
            "rows": scan.get("rows", 0),
            "files": scan.get("files", 0),
            "findings": scan.get("findings", []),
            "coincidences": len(scan.get("coincidences", [])),
        },
        "backups": {
            "retention_days": settings.BACKUP_RETENTION_DAYS,
            "expire_by": _iso(backups_expire),
        },
        "kept_until": _iso(offboarding.keep_until),
        "operator": settings.OPERATOR_NAME,
    }


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _ready(offboarding: Offboarding) -> None:
    from deskwerk.core.errors import Conflict

    if offboarding.status != Offboarding.Status.DELETED:
        raise Conflict(
            "a certificate exists only after a verified deletion", code="certificate_not_ready"
        )


def certificate_html(offboarding: Offboarding) -> str:
    """A standalone HTML page (also linked from the operator console)."""
    _ready(offboarding)
    return render_to_string(
        "offboarding/certificate_document.html",
        {"o": offboarding, "c": certificate_data(offboarding)},
    )


def _lines(offboarding: Offboarding) -> list[tuple[str, str]]:
    """(style, text) lines of the PDF: "h" heading, "b" bold, "" plain."""
    c = certificate_data(offboarding)
    fmt = "%Y-%m-%d %H:%M UTC"
    deleted = offboarding.deleted_at.strftime(fmt) if offboarding.deleted_at else ""
    lines: list[tuple[str, str]] = [
        ("h", _("Deletion certificate")),
        ("", _("Data processing agreement § 14 (1): deletion after the end of the contract")),
        ("", ""),
        ("b", _("Customer")),
        ("", f"{offboarding.customer_name} ({offboarding.customer_slug})"),
        ("", _("End of contract: %(date)s") % {"date": offboarding.contract_end.strftime(fmt)}),
        ("", _("Deleted: %(date)s") % {"date": deleted}),
        ("", _("Processor: %(name)s") % {"name": settings.OPERATOR_NAME}),
        ("", ""),
        ("b", _("Return of the data")),
    ]
    export = c["export"]
    if export["ready_at"]:
        lines += [
            (
                "",
                _("Export archive available from %(start)s until %(end)s")
                % {"start": export["ready_at"][:16], "end": (export["until"] or "")[:16]},
            ),
            ("", _("SHA-256: %(hash)s") % {"hash": export["sha256"]}),
            ("", _("Downloads: %(count)s") % {"count": export["downloads"]}),
        ]
    if export["receipt_confirmed_at"]:
        lines.append(
            ("", _("Receipt confirmed: %(date)s") % {"date": export["receipt_confirmed_at"][:16]})
        )
    lines += [
        ("", ""),
        ("b", _("What was deleted")),
        (
            "",
            _("%(rows)s database rows in %(tables)s tables")
            % {"rows": c["rows_total"], "tables": len(c["rows"])},
        ),
        (
            "",
            _("%(files)s files (%(bytes)s bytes), including the export archive")
            % {"files": c["files"], "bytes": c["file_bytes"]},
        ),
        (
            "",
            _("%(sessions)s sessions, %(jobs)s queued jobs, %(keys)s cache entries")
            % {"sessions": c["sessions"], "jobs": c["jobs"], "keys": c["cache_keys"]},
        ),
    ]
    for label, count in c["rows"].items():
        if count:
            lines.append(("", f"    {label}: {count}"))
    scan = c["scan"]
    lines += [
        ("", ""),
        ("b", _("Verification")),
        (
            "",
            _(
                "Scan of %(tables)s tables (%(columns)s text columns, %(rows)s rows) and "
                "%(files)s files: %(result)s"
            )
            % {
                "tables": scan["tables"],
                "columns": scan["columns"],
                "rows": scan["rows"],
                "files": scan["files"],
                "result": _("nothing of the customer found") if scan["ok"] else _("remains found"),
            },
        ),
        ("", ""),
        ("b", _("Backups")),
        (
            "",
            _(
                "Backups are not rewritten. Their copies expire after %(days)s days, by "
                "%(date)s at the latest."
            )
            % {
                "days": c["backups"]["retention_days"],
                "date": (c["backups"]["expire_by"] or "")[:10],
            },
        ),
        ("", ""),
        ("b", _("Kept")),
        (
            "",
            _(
                "Compliance documentation (DPA § 14 (3)): the audit log with its verification, "
                "notices, objections, authorised persons, this certificate; kept until %(date)s."
            )
            % {"date": (c["kept_until"] or "")[:10]},
        ),
    ]
    return lines


def certificate_pdf(offboarding: Offboarding, *, language: str | None = None) -> bytes:
    """The certificate as PDF (fpdf2, core font)."""
    from fpdf import FPDF

    _ready(offboarding)
    with translation.override(language or translation.get_language() or "en"):
        lines = _lines(offboarding)
    pdf = FPDF(format="A4")
    pdf.set_title(f"Deletion certificate {offboarding.customer_slug}")
    pdf.set_author(
        settings.OPERATOR_NAME.translate(LATIN1).encode("latin-1", "replace").decode("latin-1")
    )
    pdf.add_page()
    pdf.set_auto_page_break(auto=True, margin=15)
    for style, text in lines:
        safe = text.translate(LATIN1).encode("latin-1", "replace").decode("latin-1")
        if style == "h":
            pdf.set_font("Helvetica", "B", 16)
            pdf.multi_cell(0, 9, safe, new_x="LMARGIN", new_y="NEXT")
        elif style == "b":
            pdf.set_font("Helvetica", "B", 11)
            pdf.multi_cell(0, 6, safe, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.set_font("Helvetica", "", 10)
            pdf.multi_cell(0, 5, safe or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def send_certificate(offboarding: Offboarding) -> int:
    """Mail the PDF to the recipients collected before the deletion, from the operator tenant
    (the customer tenant no longer exists). Call inside the transaction."""
    from deskwerk.notify.services import send_mail_message

    to = [r["email"] for r in offboarding.recipients or [] if r.get("email")]
    if not to:
        return 0
    language = notice_language(offboarding.tenant)
    pdf = certificate_pdf(offboarding, language=language)
    mails = send_mail_message(
        tenant=offboarding.tenant,
        to=to,
        template="offboarding_certificate",
        context={
            "customer_name": offboarding.customer_name,
            "customer_slug": offboarding.customer_slug,
            "deleted_at": offboarding.deleted_at,
            "backup_days": settings.BACKUP_RETENTION_DAYS,
        },
        language=language,
        attachments=[
            (f"deletion-certificate-{offboarding.customer_slug}.pdf", pdf, "application/pdf")
        ],
    )
    return len(mails)
