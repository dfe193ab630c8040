"""The role concept: the permission matrix, four-eyes grants, expiry, the last owner, the report."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deskwerk.access.models import RoleGrant
from deskwerk.access.roles import (
    PERMISSIONS,
    ROLES,
    active_roles,
    has_permission,
    role_approve,
    role_grant,
    role_reject,
    role_report,
    role_revoke,
    roles_expire,
)
from deskwerk.access.services import token_create
from deskwerk.accounts.models import Membership, User
from deskwerk.accounts.services import user_is_admin
from deskwerk.audit.models import AuditEvent
from deskwerk.core.errors import Conflict, Forbidden
from deskwerk.spaces.models import Location
from deskwerk.spaces.services import space_create
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

# Written out by hand, apart from the code's matrix, so a change to either shows up here.
EXPECTED: dict[str, set[str]] = {
    "owner": {p for p in PERMISSIONS if not p.startswith("operator.")},
    "people_admin": {
        "people.manage",
        "sessions.manage",
        "bookings.book",
        "bookings.book_for_others",
        "bookings.manage_others",
    },
    "space_admin": {"spaces.manage", "bookings.book"},
    "privacy_officer": {
        "privacy.requests",
        "privacy.settings",
        "privacy.records",
        "audit.read",
        "compliance.report",
        "bookings.book",
    },
    "auditor": {"audit.read", "privacy.records", "compliance.report", "bookings.book"},
    "location_manager": {"bookings.book", "bookings.book_for_others", "bookings.manage_others"},
    "receptionist": {"bookings.book", "bookings.book_for_others", "bookings.manage_others"},
    "employee": {"bookings.book"},
    # In a customer tenant an operator role gives nothing of the operator's (tests/processor).
    "operator_admin": {"bookings.book"},
}


def fresh(user: User) -> User:
    """The same person as a new request would load them (no cached roles)."""
    return User.unscoped.select_related("tenant", "membership").get(pk=user.pk)


def only_role(user: User, role: str) -> User:
    RoleGrant.unscoped.filter(user=user).delete()
    RoleGrant.unscoped.create(
        tenant=user.tenant, user=user, role=role, state="active", activated_at=timezone.now()
    )
    return fresh(user)


@pytest.fixture
def second_owner(tenant):
    return make_user(tenant, "second@acme.test", Membership.Role.ADMIN)


def test_every_role_is_in_the_expected_table():
    assert set(EXPECTED) == set(ROLES)


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_may_do_exactly_its_permissions(role, member):
    person = only_role(member, role)

    allowed = {p for p in PERMISSIONS if has_permission(person, p)}

    assert allowed == EXPECTED[role]


def test_roles_are_loaded_once_per_user_object(owner):
    person = fresh(owner)
    with CaptureQueriesContext(connection) as queries:
        for permission in PERMISSIONS:
            has_permission(person, permission)
    assert len(queries.captured_queries) == 1


def test_a_person_may_hold_several_roles(member):
    person = only_role(member, "space_admin")
    RoleGrant.unscoped.create(tenant=member.tenant, user=member, role="auditor", state="active")
    person = fresh(member)

    assert active_roles(person) == {"space_admin", "auditor"}
    assert has_permission(person, "spaces.manage")
    assert has_permission(person, "audit.read")
    assert not has_permission(person, "people.manage")


def test_pending_revoked_and_deactivated_grant_nothing(member, owner):
    person = only_role(member, "employee")
    RoleGrant.unscoped.create(tenant=member.tenant, user=member, role="owner", state="pending")
    RoleGrant.unscoped.create(tenant=member.tenant, user=member, role="owner", state="revoked")
    assert not has_permission(fresh(person), "roles.grant")

    User.unscoped.filter(pk=owner.pk).update(is_active=False)
    assert active_roles(fresh(owner)) == frozenset()


def test_user_is_admin_means_an_owner_grant(owner, member, bound):
    assert user_is_admin(fresh(owner))
    assert not user_is_admin(fresh(member))
    # The old field alone no longer makes anyone an administrator.
    Membership.unscoped.filter(user=member).update(role=Membership.Role.ADMIN)
    assert not user_is_admin(fresh(member))


def test_members_still_cannot_write_spaces_but_space_admins_can(member, bound):
    with pytest.raises(Forbidden):
        space_create(actor=fresh(member), model=Location, data={"name": "Nope"})

    space_admin = only_role(member, "space_admin")
    space_create(actor=space_admin, model=Location, data={"name": "Yes"})
    assert Location.objects.filter(name="Yes").exists()


def test_admin_scopes_follow_the_permissions(member, bound):
    auditor = only_role(member, "auditor")

    token_create(user=auditor, name="audit", scopes=["audit:read"])
    with pytest.raises(Forbidden) as refused:
        token_create(user=auditor, name="spaces", scopes=["spaces:admin"])
    assert refused.value.code == "scope_not_allowed"


# --- four-eyes ---------------------------------------------------------------------------------


def test_an_admin_role_waits_for_a_second_owner(owner, second_owner, member, bound):
    grant = role_grant(actor=owner, person=member, role="people_admin")

    assert grant.state == "pending"
    assert grant.activated_at is None
    assert not has_permission(fresh(member), "people.manage")

    with pytest.raises(Forbidden) as own:
        role_approve(actor=fresh(owner), grant=grant)
    assert own.value.code == "four_eyes"

    approved = role_approve(actor=fresh(second_owner), grant=grant)

    assert approved.state == "active"
    assert approved.approved_by_id == second_owner.pk
    assert approved.activated_at is not None
    assert approved.warning == ""
    assert has_permission(fresh(member), "people.manage")
    events = AuditEvent.unscoped.filter(tenant=owner.tenant, action__startswith="role.")
    assert [e.action for e in events.order_by("seq")] == ["role.grant", "role.approve"]
    assert all(isinstance(f, str) for e in events for f in e.changed_fields)


def test_the_grantee_cannot_approve_their_own_grant(owner, second_owner, bound):
    grant = role_grant(actor=owner, person=second_owner, role="auditor")

    with pytest.raises(Forbidden) as refused:
        role_approve(actor=fresh(second_owner), grant=grant)
    assert refused.value.code == "four_eyes"


def test_a_single_owner_grants_at_once_with_a_warning(owner, member, bound):
    grant = role_grant(actor=owner, person=member, role="space_admin")

    assert grant.state == "active"
    assert grant.approved_by_id is None
    assert "only one owner" in grant.warning
    assert has_permission(fresh(member), "spaces.manage")


def test_operational_roles_need_no_approval(owner, second_owner, member, bound):
    grant = role_grant(actor=owner, person=member, role="receptionist")

    assert grant.state == "active"
    assert grant.warning == ""
    assert has_permission(fresh(member), "bookings.book_for_others")


def test_a_rejected_grant_never_activates(owner, second_owner, member, bound):
    grant = role_grant(actor=owner, person=member, role="owner")
    role_reject(actor=fresh(second_owner), grant=grant)

    with pytest.raises(Conflict) as refused:
        role_approve(actor=fresh(second_owner), grant=grant)
    assert refused.value.code == "grant_not_pending"
    assert not user_is_admin(fresh(member))


def test_members_cannot_grant_and_roles_are_not_granted_twice(owner, member, bound):
    with pytest.raises(Forbidden):
        role_grant(actor=fresh(member), person=member, role="owner")
    with pytest.raises(Conflict) as twice:
        role_grant(actor=owner, person=member, role="employee")
    assert twice.value.code == "role_held"


def test_more_admins_than_the_limit_warn(owner, member, tenant, bound):
    tenant.settings = {"roles": {"max_admins": 1}}
    tenant.save(update_fields=["settings"])
    owner.tenant.settings = tenant.settings

    grant = role_grant(actor=owner, person=member, role="auditor")

    assert "limit of 1" in grant.warning
    assert role_report(actor=owner).warnings == [grant.warning.split("; ")[-1]]


# --- expiry and the last owner -----------------------------------------------------------------


def test_an_expired_grant_stops_counting_at_once(owner, member, bound, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    grant = role_grant(
        actor=owner,
        person=member,
        role="receptionist",
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    assert has_permission(fresh(member), "bookings.book_for_others")

    time_machine.shift(dt.timedelta(days=1, seconds=1))

    assert not has_permission(fresh(member), "bookings.book_for_others")  # before the task
    assert roles_expire() == 1
    grant.refresh_from_db()
    assert grant.state == "expired"
    assert AuditEvent.unscoped.filter(action="role.expire", actor_id=None).count() == 1
    assert roles_expire() == 0


def test_an_expiring_owner_grant_ends_and_membership_follows(
    owner, second_owner, member, bound, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    grant = role_grant(
        actor=owner, person=member, role="owner", expires_at=timezone.now() + dt.timedelta(hours=2)
    )
    role_approve(actor=fresh(second_owner), grant=grant)
    assert Membership.unscoped.get(user=member).role == "admin"

    time_machine.shift(dt.timedelta(hours=3))
    roles_expire()

    assert Membership.unscoped.get(user=member).role == "member"
    assert not user_is_admin(fresh(member))


def test_the_last_owner_cannot_be_revoked(owner, bound):
    grant = RoleGrant.unscoped.get(user=owner, role="owner")

    with pytest.raises(Conflict) as refused:
        role_revoke(actor=owner, grant=grant)

    assert refused.value.code == "last_admin"
    grant.refresh_from_db()
    assert grant.state == "active"


def test_a_temporary_owner_does_not_count_as_the_last(owner, member, bound):
    """An owner grant with an end would expire into a tenant without owners."""
    RoleGrant.unscoped.create(
        tenant=owner.tenant,
        user=member,
        role="owner",
        state="active",
        expires_at=timezone.now() + dt.timedelta(days=5),
    )
    grant = RoleGrant.unscoped.get(user=owner, role="owner")

    with pytest.raises(Conflict):
        role_revoke(actor=fresh(member), grant=grant)


def test_with_two_owners_one_may_be_revoked(owner, second_owner, bound):
    grant = RoleGrant.unscoped.get(user=second_owner, role="owner")

    role_revoke(actor=owner, grant=grant)

    assert not user_is_admin(fresh(second_owner))
    assert Membership.unscoped.get(user=second_owner).role == "member"
    with pytest.raises(Conflict):
        role_revoke(actor=owner, grant=RoleGrant.unscoped.get(user=owner, role="owner"))


# --- the report --------------------------------------------------------------------------------


def test_the_report_tells_who_held_what_when_and_by_whom(owner, second_owner, member, bound):
    grant = role_grant(actor=owner, person=member, role="privacy_officer")
    role_approve(actor=fresh(second_owner), grant=grant)
    role_revoke(actor=fresh(second_owner), grant=grant)

    report = role_report(actor=fresh(owner))

    row = next(g for g in report.grants if g.pk == grant.pk)
    assert (row.user_id, row.role, row.state) == (member.pk, "privacy_officer", "revoked")
    assert row.granted_by_id == owner.pk
    assert row.approved_by_id == second_owner.pk
    assert row.revoked_by_id == second_owner.pk
    assert row.created_at <= row.activated_at <= row.revoked_at
    assert {(g.user_id, g.role) for g in report.grants} >= {
        (owner.pk, "owner"),
        (second_owner.pk, "owner"),
        (member.pk, "employee"),
    }
    assert report.admins == 2
    assert report.max_admins == 3
    assert report.warnings == []


def test_auditors_read_the_report_members_do_not(member, bound):
    with pytest.raises(Forbidden):
        role_report(actor=fresh(member))
    assert role_report(actor=only_role(member, "auditor")).grants


def test_the_data_migration_grants_owner_to_admins_and_employee_to_everyone(owner, member, bound):
    from django.apps import apps

    migration = importlib.import_module("deskwerk.access.migrations.0003_initial_role_grants")
    RoleGrant.unscoped.filter(tenant=owner.tenant).delete()

    migration.forwards(apps, None)
    migration.forwards(apps, None)  # twice: nothing doubles

    held = set(RoleGrant.unscoped.filter(state="active").values_list("user_id", "role"))
    assert held == {(owner.pk, "owner"), (owner.pk, "employee"), (member.pk, "employee")}
    assert RoleGrant.unscoped.filter(tenant=owner.tenant).count() == 3
