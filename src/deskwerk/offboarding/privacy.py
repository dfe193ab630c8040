"""Data map of the offboarding app: the operator's record of an ended contract. It names the
customer (a company) and, as compliance documentation (DPA § 14 (3)), the persons who received
the notices and the certificate, the downloads of the archive and the kept documents."""

from deskwerk.privacy.datamap import (
    KEY,
    TECHNICAL,
    TENANT,
    Action,
    Category,
    Hold,
    NotPersonal,
    Personal,
    Subject,
    declare,
)

COMPANY = NotPersonal("about the offboarded customer (a company), not a natural person")
HOLD = Hold(
    reason="compliance documentation of the ended contract (DPA § 14 (3)): proof of return, "
    "deletion and of the processing before it",
    period="COMPLIANCE_DOCS_RETENTION_DAYS (default 1095 days) after the deletion, then purged",
)
KEPT = "COMPLIANCE_DOCS_RETENTION_DAYS after the deletion (default 1095 days)"


def _held(category: Category, purpose: str) -> Personal:
    return Personal(
        category, purpose, KEPT, on_erasure=Action.LEGAL_HOLD, subject=Subject.EMPLOYEE, hold=HOLD
    )


declare(
    "offboarding.Offboarding",
    description="The end of a customer's contract: export archive, deletion, certificate.",
    unlinked=(
        "the customer's accounts are deleted: the names and addresses of its authorised "
        "persons are kept as documentation of who received the archive and the certificate"
    ),
    fields={
        "id": KEY,
        "tenant": TENANT,
        "customer_id": COMPANY,
        "customer_name": COMPANY,
        "customer_slug": COMPANY,
        "status": TECHNICAL,
        "contract_end": COMPANY,
        "started_by_id": NotPersonal("id of an operator account (the operator's own staff)"),
        "export_file": NotPersonal("name of the archive file (deleted with the archive)"),
        "export_sha256": TECHNICAL,
        "export_bytes": TECHNICAL,
        "export_ready_at": TECHNICAL,
        "export_until": TECHNICAL,
        "export_deleted_at": TECHNICAL,
        "token_hash": NotPersonal("SHA-256 of the download link's secret"),
        "receipt_confirmed_at": TECHNICAL,
        "recipients": _held(
            Category.CONTACT,
            "names and e-mail addresses of the customer's authorised persons: who was given "
            "the archive and the deletion certificate",
        ),
        "downloads": NotPersonal("times of the archive's downloads (no address, no person)"),
        "deletion_requested_by_id": NotPersonal("id of an operator account"),
        "deleted_at": TECHNICAL,
        "report": NotPersonal("row counts per table, file counts and bytes: no values"),
        "scan": NotPersonal("verification findings: table and column names and counts"),
        "error": TECHNICAL,
        "keep_until": TECHNICAL,
        "created_at": TECHNICAL,
    },
)

declare(
    "offboarding.KeptDocument",
    description="Compliance documentation of an offboarded customer (audit log, notices, "
    "objections, instructions, support grants, breach notices).",
    unlinked=(
        "exported documentation of a deleted customer: it may name authorised persons and "
        "operator staff in their role; no account remains that a link could reach"
    ),
    fields={
        "id": KEY,
        "tenant": TENANT,
        "offboarding": KEY,
        "name": TECHNICAL,
        "content": _held(
            Category.CONTENT,
            "the documents as exported: may name authorised persons, operator staff and "
            "account ids of the customer's people",
        ),
        "rows": TECHNICAL,
        "sha256": TECHNICAL,
        "created_at": TECHNICAL,
    },
)
