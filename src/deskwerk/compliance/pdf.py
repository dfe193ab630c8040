"""The compliance report as a PDF, drawn with fpdf2's core fonts (decision 0027).

Core fonts (Helvetica) cover Latin-1, so German umlauts and "§" print as they are; the few
typographic characters outside it (dashes, arrows, quotes) are mapped to Latin-1 look-alikes,
anything else becomes "?" rather than failing the download.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from deskwerk.compliance.report import ATTENTION, OK, when
from deskwerk.tenancy.models import Tenant

LATIN1_LOOKALIKES = str.maketrans(
    {
        "—": "-",
        "–": "-",
        "‑": "-",
        "…": "...",
        "→": "->",
        "≥": ">=",
        "≤": "<=",
        "„": '"',
        "“": '"',
        "”": '"',
        "‚": "'",
        "‘": "'",
        "’": "'",
        "•": "*",
        "\u00a0": " ",
    }
)
MARK = {OK: "[ok]", ATTENTION: "[!]"}


def latin1(text: object) -> str:
    """``text`` as the core fonts can print it."""
    return str(text).translate(LATIN1_LOOKALIKES).encode("latin-1", "replace").decode("latin-1")


class _Pdf(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", size=8)
        self.set_text_color(100)
        self.cell(0, 8, latin1(f"{self.footer_text} - {self.page_no()}/{{nb}}"), align="C")
        self.set_text_color(0)


class _Writer:
    def __init__(self, tenant: Tenant, footer: str) -> None:
        self.tenant = tenant
        self.pdf = _Pdf(format="A4")
        self.pdf.footer_text = footer
        self.pdf.set_margins(18, 16, 18)
        self.pdf.set_auto_page_break(True, margin=18)
        self.pdf.add_page()

    def text(self, value: object, *, size: float = 10, style: str = "", indent: float = 0) -> None:
        pdf = self.pdf
        pdf.set_font("helvetica", style=style, size=size)
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(
            pdf.epw - indent, size * 0.5, latin1(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )

    def heading(self, value: str, level: int = 1) -> None:
        self.pdf.ln(3 if level > 1 else 5)
        self.text(value, size=14 if level == 1 else 11.5, style="B")
        self.pdf.ln(1)

    def table(self, head: list[str], rows: list[list[object]], widths: tuple[int, ...]) -> None:
        if not rows:
            self.text(_("None."), size=9)
            return
        pdf = self.pdf
        pdf.set_font("helvetica", size=8.5)
        with pdf.table(
            col_widths=widths,
            text_align="LEFT",
            line_height=4.2,
            first_row_as_headings=True,
            headings_style=FontFace(emphasis="BOLD", fill_color=(235, 238, 243)),
        ) as table:
            row = table.row()
            for cell in head:
                row.cell(latin1(cell))
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(latin1(value))
        pdf.ln(2)

    def time(self, value: dt.datetime | None) -> str:
        return when(value, self.tenant)


def report_pdf(report: dict[str, Any], tenant: Tenant, *, compress: bool = True) -> bytes:
    """The report (as built by ``report.build``) as PDF bytes (uncompressed for tests)."""
    w = _Writer(tenant, f"{report['title']} - {tenant.name} - {report['generated_at_text']}")
    w.pdf.set_compression(compress)
    w.text(report["title"], size=18, style="B")
    w.text(tenant.name, size=13)
    w.text(
        _("Generated %(when)s from the live state of the system (DPA § 15).")
        % {"when": report["generated_at_text"]},
        size=9,
    )
    p = report["processor"]
    w.text(
        _("Processor: %(name)s, %(contact)s. Data protection officer: %(dpo)s")
        % {"name": p["name"], "contact": p["contact"], "dpo": p["data_protection_officer"]},
        size=9,
    )
    s = report["summary"]
    w.text(
        _(
            "%(measures)d measures of Annex 1: %(checked)d with evidence from the system, "
            "%(organisational)d organisational; %(attention)d findings need attention."
        )
        % s,
        size=10,
        style="B",
    )

    w.heading(_("Technical and organisational measures (Annex 1)"))
    for section in report["sections"]:
        w.heading(f"{section['ref']} {section['title']}", 2)
        for measure in section["measures"]:
            w.text(f"- {measure['title']}", size=9.5, style="B" if measure["checked"] else "")
            if not measure["checked"]:
                w.text(measure["note"], size=8.5, indent=4)
            for e in measure["evidence"]:
                mark = MARK.get(e["status"], "")
                w.text(f"{mark} {e['label']}: {e['value']}".strip(), size=8.5, indent=4)

    w.heading(_("Data location (DPA § 5)"))
    w.table(
        [_("Service"), _("Setting"), _("Region"), _("EU/EEA")],
        [
            [d["service"], d["setting"], d["region"] or _("not declared"), _yes(d["eu_eea"])]
            for d in report["data_location"]
        ],
        (60, 40, 25, 20),
    )

    subs = report["subprocessors"]
    w.heading(_("Subprocessors (DPA § 10, Annex 2)"))
    w.table(
        [_("Name"), _("Address"), _("Country"), _("Service"), _("Status"), _("Objection deadline")],
        [
            [
                x["name"],
                x["address"],
                x["country"],
                x["service"],
                x["status"],
                w.time(x["objection_deadline"]) if x["objection_deadline"] else "",
            ]
            for x in subs["current"]
        ],
        (30, 40, 14, 50, 18, 28),
    )
    w.heading(_("History"), 2)
    w.table(
        [_("When"), _("Subprocessor"), _("Change"), _("Note")],
        [[w.time(c["at"]), c["subprocessor"], c["action"], c["note"]] for c in subs["history"]],
        (32, 50, 25, 60),
    )
    w.heading(_("Objections of this tenant"), 2)
    w.table(
        [_("Subprocessor"), _("Reason"), _("Raised"), _("Resolved"), _("Resolution")],
        [
            [
                o["subprocessor"],
                o["reason"],
                w.time(o["created_at"]),
                w.time(o["resolved_at"]),
                o["resolution"],
            ]
            for o in subs["objections"]
        ],
        (30, 45, 28, 28, 40),
    )

    w.heading(_("Recipients of the operator's notices (DPA § 6)"))
    w.table(
        [_("Name"), _("E-mail"), _("Named authorised person")],
        [[r["name"], r["email"], _yes(r["named"])] for r in report["authorised_recipients"]],
        (50, 70, 40),
    )

    w.heading(_("Records of processing (Art. 30 (2) GDPR)"))
    for c in report["records"]["categories"]:
        w.text(f"§ 4 (1) {c['letter']} - {c['title']}", size=9.5, style="B")
        w.text(_("Data subjects: %(subjects)s") % {"subjects": ", ".join(c["subjects"])}, size=8.5)
        w.text(", ".join(c["fields"]), size=7.5, indent=4)
    w.text(report["records"]["third_country_transfers"], size=9)

    roles = report["roles"]
    w.heading(_("Role documentation"))
    w.text(
        _("%(admins)d people hold administrative roles (limit %(limit)d).")
        % {"admins": roles["admins"], "limit": roles["max_admins"]},
        size=9,
    )
    for warning in roles["warnings"]:
        w.text(f"[!] {warning}", size=9)
    w.table(
        [
            _("Person"),
            _("Role"),
            _("State"),
            _("From"),
            _("Until"),
            _("Granted by"),
            _("Approved by"),
        ],
        [
            [
                g["person"],
                g["role"],
                g["state"],
                w.time(g["activated_at"]),
                w.time(g["revoked_at"] or g["expires_at"]),
                g["granted_by"],
                g["approved_by"],
            ]
            for g in roles["grants"]
        ],
        (30, 24, 16, 26, 26, 26, 26),
    )

    audit = report["audit"]
    w.heading(_("Audit log"))
    chain = audit["chain"]
    w.text(
        (
            _("Hash chain intact: %(n)d sealed events checked, %(u)d waiting to be sealed.")
            if chain["ok"]
            else _("Hash chain: %(f)d findings (%(n)d events checked).")
        )
        % {"n": chain["checked"], "u": chain["unsealed"], "f": len(chain["findings"])},
        size=9,
        style="B",
    )
    for finding in chain["findings"]:
        w.text(f"[!] {finding}", size=8.5, indent=4)
    w.text(
        _("Events since %(since)s: %(total)d")
        % {"since": w.time(audit["since"]), "total": audit["total"]},
        size=9,
    )
    w.table(
        [_("Action"), _("Events")],
        [[c["action"], c["count"]] for c in audit["counts"]],
        (120, 30),
    )

    requests = report["requests"]
    w.heading(_("Open data-subject requests"))
    w.table(
        [_("Number"), _("Kind"), _("Status"), _("Received"), _("Due"), _("Overdue")],
        [
            [
                r["id"],
                r["kind"],
                r["status"],
                w.time(r["received_at"]),
                w.time(r["due_at"]),
                _yes(r["overdue"]),
            ]
            for r in requests["open"]
        ],
        (18, 30, 25, 35, 35, 20),
    )

    w.heading(_("Personal data breaches (DPA § 12)"))
    if report["breaches"] is None:
        w.text(_("The breach register is not installed."), size=9)
    else:
        w.table(
            [_("Number"), _("Kind"), _("Known since"), _("Deadline"), _("Notified"), _("Status")],
            [
                [
                    b["id"],
                    b["kind"],
                    w.time(b["became_known_at"]),
                    w.time(b["deadline"]),
                    w.time(b["notified_at"]),
                    b["status"],
                ]
                for b in report["breaches"]
            ],
            (18, 25, 35, 35, 35, 25),
        )
    return bytes(w.pdf.output())


def _yes(flag: bool) -> str:
    return _("yes") if flag else _("no")
