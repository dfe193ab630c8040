"""Restriction of processing (Art. 18): data kept, processing stopped, until an admin lifts it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from deskwerk.accounts.models import User
from deskwerk.audit.models import AuditEvent
from deskwerk.bookings.models import Booking
from deskwerk.bookings.services import booking_create
from deskwerk.core.errors import Conflict, Forbidden
from deskwerk.privacy.requests.erasure import person_erase
from deskwerk.privacy.requests.restriction import (
    processable_people,
    processing_allowed,
    restriction_lift,
    restriction_set,
)
from deskwerk.privacy.requests.services import request_create
from deskwerk.tenancy.context import tenant_context
from tests.api.conftest import assert_problem
from tests.conftest import future
from tests.privacy.people import make_past

pytestmark = pytest.mark.django_db


@pytest.fixture
def bookings(site, member, owner, tenant):
    with tenant_context(tenant):
        past = booking_create(
            actor=member, resource=site.desks[0], starts_at=future(1, 9), ends_at=future(1, 10)
        )
        make_past([past])
        upcoming = [
            booking_create(
                actor=member, resource=site.desks[0], starts_at=future(3, 9), ends_at=future(3, 10)
            ),
            booking_create(
                actor=owner,
                resource=site.room,
                starts_at=future(4, 9),
                ends_at=future(4, 10),
                booked_for=member,
            ),
        ]
        colleague = booking_create(
            actor=owner, resource=site.desks[1], starts_at=future(3, 9), ends_at=future(3, 10)
        )
    return {"past": past, "future": upcoming, "colleague": colleague}


def _restrict(api_owner, member, owner):
    with tenant_context(member.tenant):
        request = request_create(
            actor=owner, tenant=member.tenant, subject=member, kind="restriction"
        )
    return api_owner.post(f"/privacy/requests/{request.pk}/execute", {})


def test_restricting_cancels_future_bookings_with_notice(api_owner, member, owner, bookings):
    response = _restrict(api_owner, member, owner)

    assert response.status_code == 200, response.data
    assert response.data["status"] == "completed"
    cancelled = response.data["result"]["cancelled_bookings"]
    assert [c["booking_id"] for c in cancelled] == [b.pk for b in bookings["future"]]
    assert all(c["starts_at"] and c["resource_id"] for c in cancelled)
    states = dict(Booking.unscoped.values_list("pk", "state"))
    assert {states[b.pk] for b in bookings["future"]} == {"cancelled"}
    assert states[bookings["past"].pk] == "completed"  # history stays as it was
    assert states[bookings["colleague"].pk] == "confirmed"
    member.refresh_from_db()
    assert member.restricted_at is not None
    cancels = AuditEvent.unscoped.filter(action="booking.cancel", actor_id=owner.pk)
    assert cancels.count() == 2
    assert AuditEvent.unscoped.filter(action="person.restrict", object_id=str(member.pk)).exists()


def test_the_data_stays_stored(api_owner, member, owner, bookings):
    _restrict(api_owner, member, owner)

    assert User.unscoped.filter(pk=member.pk, email=member.email).exists()
    assert Booking.unscoped.filter(booked_for=member).count() == 3


def test_a_restricted_person_gets_no_new_bookings(api_owner, api_member, member, owner, site):
    _restrict(api_owner, member, owner)

    response = api_member.post(
        "/bookings",
        {
            "resource_id": site.desks[2].pk,
            "starts_at": future(6, 9).isoformat(),
            "ends_at": future(6, 10).isoformat(),
        },
    )
    assert_problem(response, 409, "person_restricted")
    for_them = api_owner.post(
        "/bookings",
        {
            "resource_id": site.desks[2].pk,
            "starts_at": future(6, 9).isoformat(),
            "ends_at": future(6, 10).isoformat(),
            "booked_for_id": member.pk,
        },
    )
    assert_problem(for_them, 409, "person_restricted")


def test_later_features_have_one_helper_to_respect_it(member, owner, tenant):
    with tenant_context(tenant):
        assert processing_allowed(member)
        assert set(processable_people()) == {member, owner}
        restriction_set(actor=owner, person=member)
        member.refresh_from_db()

        assert not processing_allowed(member)
        assert set(processable_people()) == {owner}
        assert set(processable_people(User.objects.filter(pk=member.pk))) == set()


def test_an_admin_lifts_it_and_processing_resumes(api_owner, api_member, member, owner, site):
    _restrict(api_owner, member, owner)

    response = api_owner.delete(f"/people/{member.pk}/restriction")

    assert response.status_code == 200
    assert response.data == {"id": member.pk, "restricted_at": None, "changed": True}
    member.refresh_from_db()
    assert member.restricted_at is None
    assert AuditEvent.unscoped.filter(action="person.restriction_lift").count() == 1
    booked = api_member.post(
        "/bookings",
        {
            "resource_id": site.desks[2].pk,
            "starts_at": future(6, 9).isoformat(),
            "ends_at": future(6, 10).isoformat(),
        },
    )
    assert booked.status_code == 201


def test_setting_and_lifting_twice_changes_nothing(member, owner, tenant, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    with tenant_context(tenant):
        first = restriction_set(actor=owner, person=member)
        time_machine.shift(3600)
        second = restriction_set(actor=owner, person=member)
        assert second.changed is False
        assert second.person.restricted_at == first.person.restricted_at
        assert restriction_lift(actor=owner, person=member).changed is True
        assert restriction_lift(actor=owner, person=member).changed is False
    actions = list(AuditEvent.unscoped.values_list("action", flat=True))
    assert actions.count("person.restrict") == 1
    assert actions.count("person.restriction_lift") == 1


def test_only_admins_restrict_and_lift(api_member, api_outsider, member, owner, tenant):
    with tenant_context(tenant), pytest.raises(Forbidden):
        restriction_set(actor=member, person=owner)
    with tenant_context(tenant):
        restriction_set(actor=owner, person=member)

    assert_problem(api_member.delete(f"/people/{member.pk}/restriction"), 403, "permission_denied")
    assert_problem(api_outsider.delete(f"/people/{member.pk}/restriction"), 404, "not_found")
    member.refresh_from_db()
    assert member.restricted_at is not None


def test_unknown_people_are_404(api_owner):
    assert_problem(api_owner.delete(f"/people/{10**9}/restriction"), 404, "not_found")


def test_a_checked_in_booking_running_now_is_cancelled_too(site, member, owner, tenant):
    with tenant_context(tenant):
        running = booking_create(
            actor=member, resource=site.desks[0], starts_at=future(1, 9), ends_at=future(1, 10)
        )
    now = timezone.now()
    Booking.unscoped.filter(pk=running.pk).update(
        starts_at=now - dt.timedelta(minutes=30),
        ends_at=now + dt.timedelta(minutes=30),
        state="checked_in",
    )
    with tenant_context(tenant):
        result = restriction_set(actor=owner, person=member)

    assert [c["booking_id"] for c in result.cancelled] == [running.pk]
    assert Booking.unscoped.get(pk=running.pk).state == "cancelled"


def test_a_restricted_person_can_still_be_erased(member, owner, tenant, bookings):
    with tenant_context(tenant):
        restriction_set(actor=owner, person=member)
        person_erase(actor=owner, person=member)
        with pytest.raises(Conflict):
            person_erase(actor=owner, person=member)
