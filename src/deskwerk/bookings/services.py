"""Booking writes. The rule that matters most: active bookings of a resource never overlap.

PostgreSQL: the resource row is locked (SELECT … FOR UPDATE) before the overlap check, and an
exclusion constraint rejects whatever slips past. SQLite: every transaction is BEGIN IMMEDIATE
(see settings), so check-then-insert runs one writer at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from deskwerk.access.roles import has_permission
from deskwerk.accounts.models import User
from deskwerk.audit.services import audit_record
from deskwerk.bookings.models import Booking
from deskwerk.bookings.timeslots import DayPart, day_window
from deskwerk.core.errors import BookingConflict, Conflict, Forbidden, InvalidInput, NotFound
from deskwerk.spaces.models import Resource
from deskwerk.tenancy.services import assert_same_tenant

EXCLUSION_CONSTRAINT = "booking_no_overlap"
_LOCK_RESOURCE = (
    f"SELECT id FROM {Resource._meta.db_table} WHERE id = %s AND tenant_id = %s FOR UPDATE"  # noqa: S608
)
_LOCK_PERSON = f"SELECT id FROM {User._meta.db_table} WHERE id = %s AND tenant_id = %s FOR UPDATE"  # noqa: S608
MAX_DAYS_PER_REQUEST = 31


def _validate_interval(starts_at: dt.datetime, ends_at: dt.datetime, *, now: dt.datetime) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise InvalidInput("times need a UTC offset", code="naive_datetime")
    if ends_at <= starts_at:
        raise InvalidInput("the end must be after the start", code="end_before_start")
    if ends_at - starts_at > dt.timedelta(hours=settings.BOOKING_MAX_HOURS):
        raise InvalidInput(
            f"a booking may last at most {settings.BOOKING_MAX_HOURS} hours; "
            "book several days for longer",
            code="duration_too_long",
        )
    if ends_at <= now:
        raise InvalidInput("the booking would be over already", code="booking_in_past")
    if starts_at > now + dt.timedelta(days=settings.BOOKING_HORIZON_DAYS):
        raise InvalidInput(
            f"bookings open {settings.BOOKING_HORIZON_DAYS} days ahead", code="beyond_horizon"
        )


def _check_target(actor: User, resource: Resource, booked_for: User) -> None:
    assert_same_tenant(actor.tenant, resource, booked_for)
    if booked_for.pk != actor.pk and not has_permission(actor, "bookings.book_for_others"):
        raise Forbidden(
            "your roles do not allow booking for colleagues", code="cannot_book_for_others"
        )
    if not booked_for.is_active:
        raise InvalidInput("that person is deactivated", code="person_inactive")
    if booked_for.restricted_at is not None:
        # Art. 18: the person's data is restricted; no new processing until it is lifted.
        raise Conflict("processing of this person's data is restricted", code="person_restricted")
    if not resource.bookable:
        raise Conflict("this resource cannot be booked", code="resource_not_bookable")


def _lock_and_check(
    *,
    resource: Resource,
    booked_for: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    exclude_pk: int | None = None,
) -> None:
    """Inside the transaction: serialise on the resource, then look for overlaps."""
    if connection.features.has_select_for_update:
        # PostgreSQL: lock the resource row, then the person's (always in this order, so two
        # writers cannot deadlock), so a racing writer waits here until this one commits.
        # SQLite needs nothing: the IMMEDIATE transaction already excludes other writers.
        with connection.cursor() as cursor:
            cursor.execute(_LOCK_RESOURCE, [resource.pk, resource.tenant_id])
            cursor.execute(_LOCK_PERSON, [booked_for.pk, booked_for.tenant_id])
    overlapping = Booking.objects.filter(
        state__in=Booking.ACTIVE_STATES, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if exclude_pk is not None:
        overlapping = overlapping.exclude(pk=exclude_pk)
    # One query for both rules: the resource is free, and the person holds no other resource of
    # this kind then (one desk, one parking spot at a time). The resource rule wins.
    clashes = set(
        overlapping.filter(
            Q(resource_id=resource.pk)
            | Q(booked_for_id=booked_for.pk, resource__kind=resource.kind)
        ).values_list("resource_id", flat=True)
    )
    if resource.pk in clashes:
        raise BookingConflict("the resource is already booked for part of that time")
    if clashes:
        raise BookingConflict(
            f"{booked_for} already has a {resource.get_kind_display()} at that time",
            code="person_conflict",
        )


def _save_booking(booking: Booking) -> None:
    """Insert or update; an exclusion-constraint violation is a conflict, not a 500."""
    try:
        # No savepoint: a violation aborts the whole booking transaction anyway.
        with transaction.atomic(savepoint=False):
            booking.save()
    except IntegrityError as exc:
        if EXCLUSION_CONSTRAINT in str(exc):
            raise BookingConflict("the resource is already booked for part of that time") from exc
        raise


def booking_create(
    *,
    actor: User,
    resource: Resource,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    booked_for: User | None = None,
    note: str = "",
) -> Booking:
    """Book ``resource`` for [starts_at, ends_at) on behalf of ``booked_for`` (default: actor)."""
    booked_for = booked_for or actor
    _validate_interval(starts_at, ends_at, now=timezone.now())
    _check_target(actor, resource, booked_for)
    with transaction.atomic():
        _lock_and_check(
            resource=resource, booked_for=booked_for, starts_at=starts_at, ends_at=ends_at
        )
        booking = Booking(
            tenant=actor.tenant,
            resource=resource,
            floor_id=resource.floor_id,
            booked_for=booked_for,
            # A service token (deskwerk.access.principals) is nobody: no booked_by.
            booked_by=actor if isinstance(actor, User) else None,
            starts_at=starts_at.astimezone(dt.UTC),
            ends_at=ends_at.astimezone(dt.UTC),
            note=note.strip(),
        )
        _save_booking(booking)
        audit_record(
            tenant=actor.tenant,
            actor=actor,
            action="booking.create",
            obj=booking,
            changed_fields=["resource", "booked_for", "starts_at", "ends_at", "note"],
        )
    return booking


def booking_create_days(
    *,
    actor: User,
    resource: Resource,
    days: Iterable[dt.date],
    part: DayPart = DayPart.FULL,
    booked_for: User | None = None,
    note: str = "",
) -> list[Booking]:
    """Book whole or half working days, one booking per day, all or nothing."""
    unique_days = sorted(set(days))
    if not unique_days:
        raise InvalidInput("name at least one day", code="no_days")
    if len(unique_days) > MAX_DAYS_PER_REQUEST:
        raise InvalidInput(f"at most {MAX_DAYS_PER_REQUEST} days at once", code="too_many_days")
    location = resource.floor.building.location
    windows = [day_window(location, day, part) for day in unique_days]
    bookings: list[Booking] = []
    with transaction.atomic():
        for (starts_at, ends_at), day in zip(windows, unique_days, strict=True):
            try:
                bookings.append(
                    booking_create(
                        actor=actor,
                        resource=resource,
                        starts_at=starts_at,
                        ends_at=ends_at,
                        booked_for=booked_for,
                        note=note,
                    )
                )
            except BookingConflict as exc:
                raise type(exc)(
                    f"{day.isoformat()}: {exc.detail}", code=exc.code, day=day.isoformat()
                ) from exc
    return bookings


def _editable(actor: User, booking: Booking) -> None:
    assert_same_tenant(actor.tenant, booking)
    if actor.pk not in (booking.booked_for_id, booking.booked_by_id) and not has_permission(
        actor, "bookings.manage_others"
    ):
        # Someone else's booking: as invisible as another tenant's.
        raise NotFound("booking not found")
    if booking.pseudonymised_at is not None:
        raise Conflict("the booking is pseudonymised history", code="booking_pseudonymised")
    if not booking.is_active:
        raise Conflict(f"the booking is {booking.state}", code="booking_not_active")


def booking_change(
    *,
    actor: User,
    booking: Booking,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    resource: Resource | None = None,
    note: str | None = None,
) -> Booking:
    """Move a booking in time or to another resource, or change its note."""
    _editable(actor, booking)
    new_start = starts_at or booking.starts_at
    new_end = ends_at or booking.ends_at
    new_resource = resource or booking.resource
    changed: list[str] = []
    if (new_start, new_end) != (
        booking.starts_at,
        booking.ends_at,
    ) or new_resource.pk != booking.resource_id:
        _validate_interval(new_start, new_end, now=timezone.now())
        if booking.state == Booking.State.CHECKED_IN and new_resource.pk != booking.resource_id:
            raise Conflict("check out before moving to another resource", code="booking_checked_in")
        booked_for = User.unscoped.get(pk=booking.booked_for_id)
        _check_target(actor, new_resource, booked_for)
        changed += [
            name
            for name, old, new in (
                ("starts_at", booking.starts_at, new_start),
                ("ends_at", booking.ends_at, new_end),
                ("resource", booking.resource_id, new_resource.pk),
            )
            if old != new
        ]
    if note is not None and note.strip() != booking.note:
        changed.append("note")
    if not changed:
        return booking
    with transaction.atomic():
        if {"starts_at", "ends_at", "resource"} & set(changed):
            assert booking.booked_for is not None  # pseudonymised bookings were refused above
            _lock_and_check(
                resource=new_resource,
                booked_for=booking.booked_for,
                starts_at=new_start,
                ends_at=new_end,
                exclude_pk=booking.pk,
            )
        # Re-read inside the transaction: a concurrent cancel must not be undone.
        current = Booking.objects.select_for_update().get(pk=booking.pk)
        if not current.is_active:
            raise Conflict(f"the booking is {current.state}", code="booking_not_active")
        booking.starts_at = new_start.astimezone(dt.UTC)
        booking.ends_at = new_end.astimezone(dt.UTC)
        booking.resource = new_resource
        booking.floor_id = new_resource.floor_id
        if note is not None:
            booking.note = note.strip()
        _save_booking(booking)
        audit_record(
            tenant=actor.tenant,
            actor=actor,
            action="booking.change",
            obj=booking,
            changed_fields=changed,
        )
    return booking


def booking_cancel(*, actor: User, booking: Booking) -> Booking:
    """Cancel; the row stays (state ``cancelled``) so history and statistics stay honest."""
    assert_same_tenant(actor.tenant, booking)
    if actor.pk not in (booking.booked_for_id, booking.booked_by_id) and not has_permission(
        actor, "bookings.manage_others"
    ):
        raise NotFound("booking not found")
    with transaction.atomic():
        current = Booking.objects.select_for_update().get(pk=booking.pk)
        if current.state == Booking.State.CANCELLED:
            return current  # cancelling twice is harmless
        if not current.is_active:
            raise Conflict(f"the booking is {current.state}", code="booking_not_active")
        current.state = Booking.State.CANCELLED
        current.save(update_fields=["state", "updated_at"])
        audit_record(
            tenant=actor.tenant,
            actor=actor,
            action="booking.cancel",
            obj=current,
            changed_fields=["state"],
        )
    return current
