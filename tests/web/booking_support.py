"""Helpers shared by the booking page tests: signed-in clients, days, forms, htmx headers."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import zoneinfo
from typing import Any

from django.test import Client

from deskwerk.accounts.models import User
from deskwerk.bookings.models import Booking
from deskwerk.bookings.services import booking_create
from deskwerk.bookings.timeslots import DayPart, day_window
from deskwerk.spaces.models import Resource
from deskwerk.tenancy.context import tenant_context

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
HTMX = {"HX-Request": "true"}


def signed_in(user: User, **options: Any) -> Client:
    client = Client(**options)
    client.force_login(user)
    return client


def day(offset: int = 2) -> dt.date:
    """A working day ahead at the Berlin site (never today: its hours may be over)."""
    return dt.datetime.now(BERLIN).date() + dt.timedelta(days=offset)


def token() -> str:
    return secrets.token_urlsafe(18)


def book_form(resource: Resource, when: dt.date, **extra: Any) -> dict[str, Any]:
    data = {
        "resource": resource.pk,
        "token": token(),
        "date": when.isoformat(),
        "window": "full",
        "floor": resource.floor_id,
    }
    data.update(extra)
    return data


def htmx(target: str) -> dict[str, str]:
    return {**HTMX, "HX-Target": target}


def book_via_service(actor: User, resource: Resource, when: dt.date, part: str = "full") -> Booking:
    with tenant_context(actor.tenant):
        location = resource.floor.building.location
        start, end = day_window(location, when, DayPart(part))
        return booking_create(actor=actor, resource=resource, starts_at=start, ends_at=end)


def marker(html: str, resource: Resource) -> str:
    """The plan's <button> of ``resource``."""
    found = re.search(rf'<button[^>]*name="resource" value="{resource.pk}"[^>]*>', html)
    assert found, f"no marker for {resource.name}"
    return found.group(0)


def shown(html: str, resource: Resource) -> bool:
    """Whether the plan or the list offers ``resource``."""
    return f'name="resource" value="{resource.pk}"' in html


def bookings_of(resource: Resource) -> list[Booking]:
    with tenant_context(resource.tenant):
        return list(Booking.objects.filter(resource=resource).order_by("id"))
