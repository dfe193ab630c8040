"""Records of processing activities (GDPR Art. 30 (2)), generated from the data map.

Nothing here is written by hand per field: what the map declares is what the records say, so
the records cannot drift from the code.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from deskwerk.privacy.datamap import CATEGORY_LETTER, REGISTRY, Category, Personal
from deskwerk.tenancy.models import Tenant

CATEGORY_TITLES = {
    Category.MASTER: "Master data (e.g. name)",
    Category.ACCOUNT: "Account data (e.g. user name, password)",
    Category.PROFILE: "Profile data (e.g. photo, language, favourites)",
    Category.CONTACT: "Contact data (e.g. e-mail, phone, address)",
    Category.CONTENT: "Content data (e.g. text entries)",
    Category.USAGE: "Usage data (e.g. pages visited, access times)",
    Category.PAYMENT: "Payment data (e.g. invoices, payment method)",
    Category.CONTRACT: "Contract data (e.g. subscriptions)",
    Category.DEVICE: "Device and server data (e.g. device information, IP addresses)",
    Category.BOOKING: "Booking data (e.g. type and period of a booking, check-in, logs)",
}

MEASURES = [
    "Logical tenant separation that fails closed: no query on tenant data without a bound tenant.",
    "Keyed pseudonymisation of booking and usage data after a deadline the tenant sets.",
    "Contact data kept in tables of their own.",
    "Passwords salted and hashed with Argon2id; API tokens stored only as SHA-256 hashes.",
    "Append-only audit log of changes to personal data, written in the same transaction.",
    "IP addresses truncated (IPv4 /24, IPv6 /48) before they are stored.",
    "TLS in production (HSTS, secure __Host- cookies).",
]


def map_as_rows() -> list[dict[str, Any]]:
    """Every declared field, one row each: the data map as a table."""
    rows = []
    for label in sorted(REGISTRY):
        model_map = REGISTRY[label]
        for name, rule in model_map.fields.items():
            row: dict[str, Any] = {"model": label, "field": name}
            if isinstance(rule, Personal):
                row |= {
                    "personal": True,
                    "category": rule.category.value,
                    "letter": CATEGORY_LETTER[rule.category],
                    "subject": rule.subject.value,
                    "purpose": rule.purpose,
                    "retention": rule.retention,
                    "on_pseudonymise": rule.on_pseudonymise.value,
                    "on_erasure": rule.on_erasure.value,
                    "hold": asdict(rule.hold) if rule.hold else None,
                }
                if model_map.unlinked:
                    row["unlinked"] = model_map.unlinked
            else:
                row |= {"personal": False, "reason": rule.reason}
            rows.append(row)
    return rows


def records(tenant: Tenant | None = None) -> dict[str, Any]:
    """The records as data: processor, controller(s), categories with their fields, measures."""
    by_category: dict[Category, list[dict[str, Any]]] = defaultdict(list)
    for label in sorted(REGISTRY):
        for name, rule in REGISTRY[label].personal.items():
            by_category[rule.category].append(
                {
                    "field": f"{label}.{name}",
                    "subjects": rule.subject.value,
                    "purpose": rule.purpose,
                    "retention": rule.retention,
                    "on_erasure": rule.on_erasure.value,
                    "on_pseudonymise": rule.on_pseudonymise.value,
                    "legal_hold": asdict(rule.hold) if rule.hold else None,
                }
            )
    controllers = [tenant] if tenant is not None else list(Tenant.objects.order_by("slug"))
    return {
        "title": "Records of processing activities (GDPR Art. 30 (2))",
        "generated_at": timezone.now().isoformat(),
        "processor": {
            "name": settings.OPERATOR_NAME,
            "contact": settings.OPERATOR_CONTACT,
            "data_protection_officer": settings.OPERATOR_DPO,
        },
        "controllers": [{"name": t.name, "slug": t.slug, "status": t.status} for t in controllers],
        "categories": [
            {
                "category": category.value,
                "letter": CATEGORY_LETTER[category],
                "title": CATEGORY_TITLES[category],
                "subjects": sorted({f["subjects"] for f in by_category[category]}),
                "fields": by_category[category],
            }
            for category in Category
            if by_category[category]
        ],
        "third_country_transfers": "none: processing takes place only in the EU/EEA (DPA § 5)",
        "technical_and_organisational_measures": MEASURES,
    }


def records_html(tenant: Tenant | None = None) -> str:
    return render_to_string("privacy/records.html", {"records": records(tenant)})
