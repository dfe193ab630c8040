"""The support app's compliance documentation, kept after offboarding (DPA § 14 (3)):
every instruction with its whole history and every support grant with its course."""

from __future__ import annotations

from typing import Any

from deskwerk.support.models import Instruction, InstructionEvent, SupportGrant, SupportGrantStaff
from deskwerk.tenancy.models import Tenant


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def instructions_documentation(tenant: Tenant) -> list[dict[str, Any]]:
    """One row per instruction, oldest first, each with its events."""
    events: dict[int, list[dict[str, Any]]] = {}
    for e in InstructionEvent.unscoped.filter(tenant=tenant).order_by("at", "pk"):
        events.setdefault(e.instruction_id, []).append(
            {
                "action": e.action,
                "at": _iso(e.at),
                "actor_id": e.actor_id,
                "by_operator": e.by_operator,
                "version": e.version,
                "text": e.text,
                "note": e.note,
                "status_after": e.status_after,
            }
        )
    return [
        {
            "id": i.pk,
            "text": i.text,
            "version": i.version,
            "given_on": i.given_on.isoformat(),
            "channel": i.channel,
            "given_by_name": i.given_by_name,
            "authorised_person_id": i.given_by_person_id,
            "given_by_id": i.given_by_user_id,
            "recorded_by_operator": i.recorded_by_operator,
            "status": i.status,
            "flag_reason": i.flag_reason,
            "created_at": _iso(i.created_at),
            "updated_at": _iso(i.updated_at),
            "history": events.get(i.pk, []),
        }
        for i in Instruction.unscoped.filter(tenant=tenant).order_by("created_at", "pk")
    ]


def support_grants_documentation(tenant: Tenant) -> list[dict[str, Any]]:
    """One row per grant, oldest first: whom, why, how long, and how it ended."""
    staff: dict[int, list[int | None]] = {}
    for link in SupportGrantStaff.unscoped.filter(tenant=tenant).order_by("pk"):
        staff.setdefault(link.grant_id, []).append(link.staff_id)
    return [
        {
            "id": g.pk,
            "purpose": g.purpose,
            "level": g.level,
            "staff_ids": staff.get(g.pk, []),
            "starts_at": _iso(g.starts_at),
            "ends_at": _iso(g.ends_at),
            "granted_by_id": g.granted_by_id,
            "created_at": _iso(g.created_at),
            "revoked_at": _iso(g.revoked_at),
            "revoked_by_id": g.revoked_by_id,
            "expired_at": _iso(g.expired_at),
            "state": g.state(),
        }
        for g in SupportGrant.unscoped.filter(tenant=tenant).order_by("created_at", "pk")
    ]
