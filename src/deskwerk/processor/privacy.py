"""Data map of the processor app: authorised persons are contact data, kept apart (Annex 1 I.6);
the subprocessor registry is about companies."""

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

COMPANY = NotPersonal("about a company (the subprocessor), not a natural person")
AUTHORISED_RETENTION = (
    "while the person is named as authorised: deleted when the tenant removes them, at "
    "erasure or at tenant offboarding"
)


def _authorised(category: Category, purpose: str) -> Personal:
    return Personal(
        category,
        purpose,
        AUTHORISED_RETENTION,
        on_erasure=Action.DELETE_ROW,
        subject=Subject.EMPLOYEE,
    )


declare(
    "processor.Subprocessor",
    description="The operator's subprocessors (DPA § 10, Annex 2): one list for every tenant.",
    fields={
        "id": KEY,
        "name": COMPANY,
        "address": COMPANY,
        "country": COMPANY,
        "eu_eea": COMPANY,
        "service": COMPANY,
        "status": COMPANY,
        "announced_at": COMPANY,
        "objection_deadline": COMPANY,
        "activated_at": COMPANY,
        "withdrawn_at": COMPANY,
        "created_at": TECHNICAL,
    },
)

declare(
    "processor.SubprocessorChange",
    description="History of the subprocessor registry (listed, announced, activated, withdrawn).",
    fields={
        "id": KEY,
        "subprocessor": KEY,
        "action": COMPANY,
        "at": COMPANY,
        "note": NotPersonal("the operator's note about the change of a company's engagement"),
    },
)

declare(
    "processor.AuthorisedPerson",
    description=(
        "Persons of the tenant entitled to give instructions (DPA § 6 (3)); contact data in a "
        "table of its own."
    ),
    links=("user",),
    fields={
        "id": KEY,
        "tenant": TENANT,
        "user": KEY,
        "first_name": _authorised(Category.MASTER, "naming who may instruct the operator"),
        "last_name": _authorised(Category.MASTER, "naming who may instruct the operator"),
        "org_unit": _authorised(Category.MASTER, "the authorised person's unit (DPA § 6 (3))"),
        "email": _authorised(
            Category.CONTACT, "notices of the operator (subprocessors, breaches, instructions)"
        ),
        "phone": _authorised(Category.CONTACT, "reaching the authorised person (DPA § 6 (3))"),
        "created_at": TECHNICAL,
        "updated_at": TECHNICAL,
    },
)

declare(
    "processor.Objection",
    description="The tenant's objections to planned subprocessors (DPA § 10 (2) c).",
    links=("objected_by",),
    fields={
        "id": KEY,
        "tenant": TENANT,
        "subprocessor": KEY,
        "objected_by": Personal(
            Category.ACCOUNT,
            "who objected on the tenant's behalf",
            "as long as the objection is documented",
            on_erasure=Action.PSEUDONYMISE,
        ),
        "reason": Personal(
            Category.CONTENT,
            "the controller's grounds for objecting, sent to the operator",
            "as long as the subprocessor's record is kept",
            on_erasure=Action.LEGAL_HOLD,
            hold=Hold(
                reason="documentation of the controller's objection (DPA § 10 (2) c, § 14 (3))",
                period="as long as the compliance documentation is kept",
            ),
        ),
        "created_at": TECHNICAL,
        "resolved_at": TECHNICAL,
        "resolution": NotPersonal("the operator's answer about a company's engagement"),
    },
)

declare(
    "processor.Notice",
    description=(
        "Notices between operator and tenant (subprocessors, instructions, breaches, support "
        "access, offboarding) as shown in the app; the same text went out by e-mail."
    ),
    unlinked=(
        "a notice's text may name authorised persons or operator staff in their role; it is "
        "documentation of what was notified and is kept as such, not data about the person"
    ),
    fields={
        "id": KEY,
        "tenant": TENANT,
        "template": TECHNICAL,
        "subject": NotPersonal("the notice's title: names the matter, not a person"),
        "body": Personal(
            Category.CONTENT,
            "the notice the DPA requires (may name authorised persons or operator staff)",
            "as long as the compliance documentation is kept (DPA § 14 (3))",
            on_erasure=Action.LEGAL_HOLD,
            hold=Hold(
                reason="documentation of the notices the DPA requires (§§ 7, 10, 12, § 14 (3))",
                period="as long as the compliance documentation is kept",
            ),
        ),
        "created_at": TECHNICAL,
    },
)
