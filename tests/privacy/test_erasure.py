"""Erasure: driven by the data map, in one transaction, audited under the pseudonym."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connections
from django.test import Client

from deskwerk.access.models import ApiToken
from deskwerk.accounts.models import ContactDetails, Membership, User
from deskwerk.audit.models import AuditEvent
from deskwerk.bookings.models import Booking
from deskwerk.bookings.services import booking_create
from deskwerk.core.errors import Conflict, NotFound
from deskwerk.privacy.datamap import (
    KEY,
    REGISTRY,
    Action,
    Category,
    Hold,
    ModelMap,
    Personal,
)
from deskwerk.privacy.models import DataSubjectRequest, RequestEvent
from deskwerk.privacy.pseudonyms import person_pseudonym
from deskwerk.privacy.requests import erasure
from deskwerk.privacy.requests.erasure import erasure_plans, person_erase, plan_for
from deskwerk.privacy.requests.services import request_create, request_execute
from deskwerk.spaces.models import Floor
from deskwerk.tenancy.context import tenant_context
from deskwerk.websessions.models import WebSession
from tests.api.conftest import assert_problem
from tests.conftest import PASSWORD, future, make_user
from tests.privacy.people import make_past

pytestmark = pytest.mark.django_db


def _erasure_request(subject, actor):
    with tenant_context(subject.tenant):
        return request_create(actor=actor, tenant=subject.tenant, subject=subject, kind="erasure")


def _execute(api, request, confirm=True):
    return api.post(f"/privacy/requests/{request.pk}/execute", {"confirm": confirm})


@pytest.fixture
def history(site, member, owner, tenant):
    """The member's bookings: two past (one made by the owner for them), one future."""
    with tenant_context(tenant):
        past = [
            booking_create(
                actor=member,
                resource=site.desks[0],
                starts_at=future(1, 9),
                ends_at=future(1, 10),
                note="my past note",
            ),
            booking_create(
                actor=owner,
                resource=site.desks[1],
                starts_at=future(2, 9),
                ends_at=future(2, 10),
                booked_for=member,
                note="booked for you",
            ),
        ]
        make_past(past)
        upcoming = booking_create(
            actor=member, resource=site.desks[0], starts_at=future(5, 9), ends_at=future(5, 10)
        )
    return {"past": past, "future": upcoming}


def test_erasure_follows_the_data_map(api_owner, member, owner, tenant, history):
    client = Client()
    assert client.login(tenant=tenant, email=member.email, password=PASSWORD)
    with tenant_context(tenant):
        ContactDetails.objects.create(user=member, phone="+49 1", org_unit="Sales")
    pseudonym = person_pseudonym(tenant, member.pk)
    request = _erasure_request(member, owner)

    response = _execute(api_owner, request)

    assert response.status_code == 200, response.data
    result = response.data["result"]
    assert response.data["status"] == "completed"
    assert result["pseudonym"] == pseudonym
    assert not User.unscoped.filter(pk=member.pk).exists()
    assert not ContactDetails.unscoped.filter(user_id=member.pk).exists()
    assert not Membership.unscoped.filter(user_id=member.pk).exists()
    assert not ApiToken.unscoped.filter(user_id=member.pk).exists()
    assert not WebSession.objects.exists()
    assert result["deleted"]["websessions.WebSession"] == 1
    # Booking history survives, pseudonymised, without its free text.
    kept = Booking.unscoped.filter(pk__in=[b.pk for b in history["past"]] + [history["future"].pk])
    assert kept.count() == 3
    for booking in kept:
        assert booking.booked_for_id is None
        assert booking.booked_by_id is None
        assert booking.person_pseudonym == pseudonym
        assert booking.pseudonymised_at is not None
        assert booking.note == ""
    # The future booking was cancelled first, with notice.
    assert kept.get(pk=history["future"].pk).state == "cancelled"
    assert [c["booking_id"] for c in result["cancelled_bookings"]] == [history["future"].pk]
    # Legal holds are kept and listed, with reason and period.
    holds = {h["model"]: h for h in result["legal_holds"]}
    assert "audit.AuditEvent" in holds
    assert holds["audit.AuditEvent"]["reason"]
    assert holds["audit.AuditEvent"]["period"]
    assert AuditEvent.unscoped.filter(actor_id=member.pk).exists()  # kept under the hold


def test_the_erasure_is_audited_under_the_pseudonym(api_owner, member, owner, tenant):
    request = _erasure_request(member, owner)
    _execute(api_owner, request)

    event = AuditEvent.unscoped.get(tenant=tenant, action="person.erase")
    assert event.object_id == person_pseudonym(tenant, member.pk)
    assert event.actor_id == owner.pk
    assert "accounts.User" in event.changed_fields


def test_the_request_survives_with_the_pseudonym_and_without_its_note(
    api_owner, member, owner, tenant
):
    with tenant_context(tenant):
        request = request_create(
            actor=member, tenant=tenant, subject=member, kind="erasure", note="erase me, Max"
        )
    _execute(api_owner, request)

    request.refresh_from_db()
    assert request.subject_id is None
    assert request.created_by_id is None
    assert request.note == ""
    assert request.person_pseudonym == person_pseudonym(tenant, member.pk)
    assert request.status == "completed"
    events = RequestEvent.unscoped.filter(request=request).order_by("pk")
    assert [e.status for e in events] == ["received", "in_progress", "completed"]


def test_references_are_cut_and_the_rest_of_the_row_stays(site, owner, member, tenant):
    """An admin who booked for a colleague is erased: the colleague's booking stays theirs."""
    second_admin = make_user(tenant, "second@acme.test", Membership.Role.ADMIN)
    with tenant_context(tenant):
        booking = booking_create(
            actor=owner,
            resource=site.desks[0],
            starts_at=future(2, 9),
            ends_at=future(2, 10),
            booked_for=member,
            note="desk for you",
        )
        result = person_erase(actor=second_admin, person=owner)

    booking.refresh_from_db()
    assert booking.booked_for_id == member.pk
    assert booking.booked_by_id is None
    assert booking.note == "desk for you"
    assert booking.state == "confirmed"
    assert result.references_cut == {"bookings.Booking.booked_by": 1}


def test_a_second_erasure_is_refused_clearly_and_changes_nothing(api_owner, member, owner, tenant):
    first = _erasure_request(member, owner)
    second = _erasure_request(member, owner)
    access = _erasure_request(member, owner)
    access.kind = "access"
    access.save(update_fields=["kind"])
    assert _execute(api_owner, first).status_code == 200
    events = AuditEvent.unscoped.count()

    again = _execute(api_owner, first)
    other = _execute(api_owner, second)

    body = assert_problem(again, 409, "already_erased")
    assert body["pseudonym"] == person_pseudonym(tenant, member.pk)
    assert_problem(other, 409, "already_erased")
    second.refresh_from_db()
    access.refresh_from_db()
    # Other open requests of the erased person were closed by the erasure.
    assert second.status == "completed"
    assert second.result == {"erased_by_request": first.pk}
    assert access.status == "rejected"
    assert str(first.pk) in access.reason
    assert AuditEvent.unscoped.count() == events  # the refusals wrote nothing


def test_erasing_an_already_erased_person_object_is_refused(member, owner, tenant):
    with tenant_context(tenant):
        person_erase(actor=owner, person=member)
        with pytest.raises(Conflict) as refused:
            person_erase(actor=owner, person=member)
    assert refused.value.code == "already_erased"


def test_the_last_admin_cannot_be_erased(api_owner, owner, member, tenant, history):
    request = _erasure_request(owner, owner)

    response = _execute(api_owner, request)

    assert_problem(response, 409, "last_admin")
    assert User.unscoped.filter(pk=owner.pk).exists()
    request.refresh_from_db()
    assert request.status == "received"  # rolled back with everything else
    assert not AuditEvent.unscoped.filter(action="person.erase").exists()


def test_an_admin_may_be_erased_when_another_remains(owner, tenant):
    other = make_user(tenant, "other@acme.test", Membership.Role.ADMIN)
    with tenant_context(tenant):
        person_erase(actor=other, person=owner)
    assert not User.unscoped.filter(pk=owner.pk).exists()


def test_erasure_needs_confirmation(api_owner, member, owner):
    request = _erasure_request(member, owner)

    assert_problem(_execute(api_owner, request, confirm=False), 422, "confirmation_required")
    assert User.unscoped.filter(pk=member.pk).exists()


def test_a_failure_midway_leaves_everything_as_it_was(member, owner, tenant, history, monkeypatch):
    def broken(person, result):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(erasure, "_delete_sessions", broken)
    request = _erasure_request(member, owner)

    with tenant_context(tenant), pytest.raises(RuntimeError):
        request_execute(actor=owner, request=request, confirm=True)

    assert User.unscoped.filter(pk=member.pk).exists()
    past = Booking.unscoped.get(pk=history["past"][0].pk)
    assert past.booked_for_id == member.pk
    assert past.note == "my past note"
    assert Booking.unscoped.get(pk=history["future"].pk).state == "confirmed"


def test_members_and_outsiders_cannot_erase(api_member, api_outsider, member, owner, outsider):
    request = _erasure_request(member, owner)

    assert_problem(_execute(api_member, request), 403, "permission_denied")
    assert_problem(_execute(api_outsider, request), 404, "not_found")
    with tenant_context(outsider.tenant), pytest.raises(NotFound):
        person_erase(actor=outsider, person=member)
    assert User.unscoped.filter(pk=member.pk).exists()


def test_file_fields_lose_their_files_once_committed(site, django_capture_on_commit_callbacks):
    """Generic over file fields (a future profile photo), shown with a floor plan file."""
    floor = Floor.unscoped.get(pk=site.floor.pk)
    floor.plan_image.save("plan.svg", ContentFile(b"<svg/>"))
    name = floor.plan_image.name
    rows = Floor.unscoped.filter(pk=floor.pk)

    with django_capture_on_commit_callbacks(execute=False) as pending:
        erasure.delete_files_on_commit(
            Floor, "plan_image", erasure.file_names(rows, ["plan_image"])
        )
    assert default_storage.exists(name)  # nothing before the commit
    for callback in pending:
        callback()

    assert not default_storage.exists(name)


# -- the data map must make sense for erasure ------------------------------------------------


def test_every_declared_model_has_a_coherent_erasure_plan():
    plans = {plan.label: plan for plan in erasure_plans()}

    assert plans["bookings.Booking"].updates["note"] == Action.CLEAR
    assert plans["bookings.Booking"].updates["booked_for"] == Action.PSEUDONYMISE
    assert plans["accounts.ContactDetails"].delete_rows
    assert plans["audit.AuditEvent"].holds
    assert "accounts.User" not in plans  # goes last, by itself


def _rule(action, **extra):
    return Personal(Category.CONTENT, "p", "r", on_erasure=action, **extra)


@pytest.mark.parametrize(
    ("links", "fields", "message"),
    [
        (
            ("booked_for",),
            {"booked_for": _rule(Action.DELETE_ROW), "note": _rule(Action.KEEP)},
            "deleted and partly kept",
        ),
        (("booked_for",), {"booked_for": KEY, "note": _rule(Action.CLEAR)}, "cut the link"),
        (
            ("booked_for", "resource"),
            {"booked_for": _rule(Action.PSEUDONYMISE), "resource": _rule(Action.PSEUDONYMISE)},
            "must be nullable",
        ),
    ],
)
def test_incoherent_declarations_are_refused(links, fields, message):
    model_map = ModelMap(label="bookings.Booking", description="", links=links, fields=fields)

    with pytest.raises(ImproperlyConfigured, match=message):
        plan_for(model_map)


def test_holds_are_listed_by_reason(member, owner, tenant, history):
    with tenant_context(tenant):
        result = person_erase(actor=owner, person=member)
    audit = [h for h in result.legal_holds if h.model == "audit.AuditEvent"]
    declared = REGISTRY["audit.AuditEvent"].personal

    assert len(audit) == 1
    assert set(audit[0].fields) == {n for n, r in declared.items() if r.hold}
    assert isinstance(declared["at"].hold, Hold)
    assert audit[0].reason == declared["at"].hold.reason


def test_erasure_is_refused_while_the_request_is_rejected(api_owner, member, owner):
    request = _erasure_request(member, owner)
    api_owner.post(
        f"/privacy/requests/{request.pk}/transition", {"status": "rejected", "reason": "no id"}
    )

    assert_problem(_execute(api_owner, request), 409, "request_closed")
    assert DataSubjectRequest.unscoped.get(pk=request.pk).subject_id == member.pk


@pytest.mark.django_db(transaction=True)
def test_two_erasures_of_one_person_at_once_neither_deadlock_nor_double(
    site, member, owner, tenant
):
    """Each thread has its own connection: the database's locks are under test."""
    with tenant_context(tenant):
        booking_create(
            actor=member, resource=site.desks[0], starts_at=future(2, 9), ends_at=future(2, 10)
        )
    requests = [_erasure_request(member, owner), _erasure_request(member, owner)]
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list[str] = []

    def erase(request) -> None:
        try:
            barrier.wait()
            with tenant_context(tenant):
                request_execute(actor=owner, request=request, confirm=True)
            outcomes.append("erased")
        except Conflict as exc:
            outcomes.append(exc.code)
        except Exception as exc:  # a deadlock or anything else fails the test
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=erase, args=(r,), daemon=True) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["already_erased", "erased"]
    assert not User.unscoped.filter(pk=member.pk).exists()
    assert AuditEvent.unscoped.filter(action="person.erase").count() == 1
