"""Data map of the breaches app: the incident record and the notices are compliance
documentation (DPA § 12, § 14 (3)); the texts describe an incident, the contact point names the
operator's data protection officer or contact, and staff are named as who recorded or sent."""

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
    reason="documentation of breaches and of the notices the DPA requires (§ 12, § 14 (3))",
    period="as long as the compliance documentation is kept",
)
INCIDENT = NotPersonal("describes an incident in categories and numbers, not a person")


def _staff(purpose: str) -> Personal:
    return Personal(
        Category.ACCOUNT,
        purpose,
        "as long as the breach is documented",
        on_erasure=Action.PSEUDONYMISE,
    )


def _text(purpose: str) -> Personal:
    return Personal(
        Category.CONTENT,
        purpose,
        "as long as the compliance documentation is kept (DPA § 14 (3))",
        on_erasure=Action.LEGAL_HOLD,
        hold=HOLD,
    )


declare(
    "breaches.Breach",
    description="Personal data breaches and suspected ones recorded by the operator (DPA § 12).",
    links=("recorded_by",),
    fields={
        "id": KEY,
        "kind": INCIDENT,
        "became_known_at": INCIDENT,
        "nature": _text("Art. 33 (3) a: the nature of the breach, sent to the tenants"),
        "data_subject_categories": INCIDENT,
        "data_subjects_approx": INCIDENT,
        "record_categories": INCIDENT,
        "records_approx": INCIDENT,
        # Free text naming the data protection officer or a contact point (a role address
        # where possible): content of the notice, kept with it.
        "contact_point": _text(
            "Art. 33 (3) b: the data protection officer or contact point for more information"
        ),
        "likely_consequences": _text("Art. 33 (3) c: the likely consequences"),
        "measures": _text("Art. 33 (3) d: the measures taken or proposed"),
        "status": TECHNICAL,
        "recorded_by": _staff("which operator staff member recorded the breach"),
        "created_at": TECHNICAL,
        "updated_at": TECHNICAL,
        "closed_at": TECHNICAL,
        "closing_note": _text("why the operator closed the breach"),
    },
)

declare(
    "breaches.BreachTenant",
    description="Which tenants a breach concerns and when each was first notified.",
    fields={
        "id": KEY,
        "tenant": TENANT,
        "breach": KEY,
        "added_at": TECHNICAL,
        "first_notified_at": TECHNICAL,
    },
)

declare(
    "breaches.BreachNotice",
    description="Every breach notice sent to a tenant (phase 1, follow-ups), as sent.",
    links=("sent_by",),
    fields={
        "id": KEY,
        "tenant": TENANT,
        "breach": KEY,
        "phase": TECHNICAL,
        "sent_at": TECHNICAL,
        "contents": _text("the Art. 33 (3) contents as sent to the tenant"),
        "changed": TECHNICAL,
        "missing": TECHNICAL,
        "note": _text("the operator's note to the tenant in this phase"),
        "sent_by": _staff("which operator staff member sent the notice"),
    },
)

declare(
    "breaches.BreachReminder",
    description="Reminders to operator staff at 12 h and 20 h after knowledge, sent once each.",
    fields={
        "id": KEY,
        "breach": KEY,
        "hours": TECHNICAL,
        "sent_at": TECHNICAL,
    },
)
