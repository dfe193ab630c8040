"""Support fixtures shared with the API test kit: a live support grant and instructions in the
states the endpoints need (made directly, without notices)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from deskwerk.accounts.models import User
from deskwerk.processor.models import AuthorisedPerson
from deskwerk.support.models import Instruction, InstructionEvent, SupportGrant, SupportGrantStaff
from deskwerk.tenancy.models import Tenant


def make_grant(
    tenant: Tenant,
    staff: User,
    *,
    level: str = "read",
    hours: int = 24,
    granted_by: User | None = None,
) -> SupportGrant:
    now = timezone.now()
    grant = SupportGrant.unscoped.create(
        tenant=tenant,
        purpose="Ticket 4711: bookings look wrong",
        level=level,
        starts_at=now,
        ends_at=now + dt.timedelta(hours=hours),
        granted_by=granted_by,
    )
    SupportGrantStaff.unscoped.create(tenant=tenant, grant=grant, staff=staff)
    return grant


def make_instruction(
    tenant: Tenant, person: AuthorisedPerson, *, status: str = "in_force", channel: str = "in_app"
) -> Instruction:
    instruction = Instruction.unscoped.create(
        tenant=tenant,
        text="Delete visitor data after 30 days.",
        given_on=timezone.localdate(),
        channel=channel,
        given_by_person=person,
        given_by_name=f"{person.first_name} {person.last_name}",
        recorded_by_operator=status == "awaiting_confirmation",
        status=status,
    )
    InstructionEvent.unscoped.create(
        tenant=tenant,
        instruction=instruction,
        action="recorded",
        version=1,
        text=instruction.text,
        status_after=status,
    )
    return instruction


class SupportWorld:
    def __init__(self, tenant: Tenant, owner: User, staff: User, person: AuthorisedPerson) -> None:
        self.grant = make_grant(tenant, staff, granted_by=owner)
        self.instruction = make_instruction(tenant, person)
        self.awaiting = make_instruction(
            tenant, person, status="awaiting_confirmation", channel="phone"
        )
        self.ids = {
            "support_grant": self.grant.pk,
            "instruction": self.instruction.pk,
            "awaiting_instruction": self.awaiting.pk,
        }
