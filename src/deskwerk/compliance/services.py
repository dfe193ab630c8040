"""Generating the compliance report: the permission check and the audit event (DPA § 15)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from deskwerk.access.roles import require_permission
from deskwerk.accounts.models import User
from deskwerk.audit.services import audit_record
from deskwerk.compliance.report import build, collect
from deskwerk.tenancy.services import assert_same_tenant

FORMATS = ("json", "html", "pdf")


def compliance_report(
    *, actor: User, fmt: str = "json", now: dt.datetime | None = None
) -> dict[str, Any]:
    """The actor's tenant's report, generated now; owners, auditors and privacy officers.

    Every generation is audited (``compliance.report``, the format as object id): who looked at
    the tenant's compliance evidence is itself evidence.
    """
    assert_same_tenant(actor.tenant)
    require_permission(actor, "compliance.report")
    assert fmt in FORMATS
    report = build(collect(actor=actor, now=now))
    with transaction.atomic():
        audit_record(
            tenant=actor.tenant,
            actor=actor,
            action="compliance.report",
            object_type="compliance.report",
            object_id=fmt,
        )
    return report
