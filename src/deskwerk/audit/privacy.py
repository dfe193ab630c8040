"""Data map of the audit log: kept as evidence of input control, under a legal hold."""

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

HOLD = Hold(
    reason="input control (Annex 1 II): who entered, changed or removed personal data, and when",
    period="the tenant's audit retention (default 365 days), then purged",
)
RETENTION = "the tenant's audit retention period (default 365 days)"
# A checksum adds nothing beyond the row it is computed from (and is kept and purged with it).
CHAIN = NotPersonal("tamper evidence: position in the hash chain and SHA-256 checksums")
EVENT = NotPersonal("what happened, to which kind of record: no personal values, only field names")

declare(
    "audit.AuditEvent",
    description="Append-only log of changes to personal data and privileged reads.",
    links=("actor_id",),
    fields={
        "id": KEY,
        "tenant": TENANT,
        "at": Personal(
            Category.BOOKING,
            "input control: when",
            RETENTION,
            on_erasure=Action.LEGAL_HOLD,
            hold=HOLD,
        ),
        "actor_id": Personal(
            Category.BOOKING,
            "input control: by whom (an id, not a name)",
            RETENTION,
            on_erasure=Action.LEGAL_HOLD,
            hold=HOLD,
        ),
        "actor_label": Personal(
            Category.BOOKING,
            "input control: service token or operator account that acted",
            RETENTION,
            on_erasure=Action.LEGAL_HOLD,
            hold=HOLD,
        ),
        "action": EVENT,
        "object_type": EVENT,
        "object_id": EVENT,
        "changed_fields": EVENT,
        "request_id": NotPersonal("random id correlating log lines of one request"),
        "ip": Personal(
            Category.DEVICE,
            "security: where a change came from (truncated)",
            RETENTION,
            on_erasure=Action.LEGAL_HOLD,
            hold=HOLD,
        ),
        "seq": CHAIN,
        "prev_hash": CHAIN,
        "hash": CHAIN,
    },
)

declare(
    "audit.AuditChain",
    description="Start (after purges) and end of each tenant's audit hash chain.",
    fields={
        "id": KEY,
        "tenant": TENANT,
        "head_seq": CHAIN,
        "head_hash": CHAIN,
        "anchor_seq": CHAIN,
        "anchor_hash": CHAIN,
        "sealed_at": TECHNICAL,
        "purged_at": TECHNICAL,
    },
)
