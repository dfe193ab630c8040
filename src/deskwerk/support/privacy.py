"""Data map of the support app: grants and instructions are compliance documentation of the
processing agreement (DPA § 7, § 14 (3)); they name people only as who granted, gave or acted."""

from deskwerk.privacy.datamap import (
    KEY,
    TECHNICAL,
    TENANT,
    Action,
    Category,
    Hold,
    NotPersonal,
    Personal,
    declare,
)

DOCUMENTATION = "as long as the compliance documentation is kept (DPA § 14 (3))"
HOLD = Hold(
    reason="documentation of the controller's instructions and of support access (DPA § 7)",
    period="as long as the compliance documentation is kept",
)


def _who(purpose: str) -> Personal:
    """A link to the person who acted: cut at their erasure, the documentation stays."""
    return Personal(Category.ACCOUNT, purpose, DOCUMENTATION, on_erasure=Action.PSEUDONYMISE)


def _held(category: Category, purpose: str) -> Personal:
    return Personal(category, purpose, DOCUMENTATION, on_erasure=Action.LEGAL_HOLD, hold=HOLD)


declare(
    "support.SupportGrant",
    description="Time-boxed support access of named operator staff, granted by the tenant (§ 7).",
    links=("granted_by",),
    fields={
        "id": KEY,
        "tenant": TENANT,
        "purpose": _held(Category.CONTENT, "why the controller let operator staff in"),
        "level": NotPersonal("read or read and write: the scope of an access, not a person"),
        "starts_at": TECHNICAL,
        "ends_at": TECHNICAL,
        "granted_by": _who("who granted support access on the tenant's behalf"),
        "created_at": TECHNICAL,
        "revoked_at": TECHNICAL,
        "revoked_by": _who("who ended support access on the tenant's behalf"),
        "expired_at": TECHNICAL,
    },
)

declare(
    "support.SupportGrantStaff",
    description="The operator staff a support grant names (accounts of the operator tenant).",
    fields={
        "id": KEY,
        "tenant": TENANT,
        "grant": KEY,
        "staff": NotPersonal(
            "an account of the operator tenant: the operator's own staff, not the tenant's data "
            "subjects (its data is mapped in the operator tenant)"
        ),
    },
)

declare(
    "support.Instruction",
    description="The tenant's documented instructions to the operator (§ 7), current version.",
    links=("given_by_user",),
    fields={
        "id": KEY,
        "tenant": TENANT,
        "text": _held(Category.CONTENT, "the controller's instruction (may name people)"),
        "version": TECHNICAL,
        "given_on": TECHNICAL,
        "channel": TECHNICAL,
        "given_by_person": KEY,
        "given_by_user": _who("the system administrator who gave the instruction (§ 6 (4))"),
        "given_by_name": _held(Category.MASTER, "who gave the instruction, as documented"),
        "recorded_by_operator": TECHNICAL,
        "status": TECHNICAL,
        "flag_reason": _held(Category.CONTENT, "the operator's concern about the instruction"),
        "created_at": TECHNICAL,
        "updated_at": TECHNICAL,
    },
)

declare(
    "support.InstructionEvent",
    description="History of each instruction: recorded, confirmed, flagged, amended, withdrawn.",
    links=("actor",),
    fields={
        "id": KEY,
        "tenant": TENANT,
        "instruction": KEY,
        "action": TECHNICAL,
        "at": TECHNICAL,
        "actor": _who("who took the step (a person of the tenant or operator staff)"),
        "by_operator": TECHNICAL,
        "version": TECHNICAL,
        "text": _held(Category.CONTENT, "the instruction's text of that version"),
        "note": _held(Category.CONTENT, "the reason of a flag or a withdrawal"),
        "status_after": TECHNICAL,
    },
)
