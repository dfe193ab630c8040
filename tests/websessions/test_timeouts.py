"""Idle and absolute timeouts, per tenant, enforced on every request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from deskwerk.audit.models import AuditEvent
from deskwerk.core.errors import Forbidden, InvalidInput
from deskwerk.tenancy.context import tenant_context
from deskwerk.websessions.models import WebSession
from deskwerk.websessions.timeouts import session_timeouts, session_timeouts_update
from tests.websessions.conftest import browser_login, signed_in_as

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    return time_machine


def test_an_idle_session_ends_after_the_idle_timeout(member, keys, clock):
    browser = browser_login(member)

    clock.shift(59 * MINUTE)
    assert signed_in_as(browser) == member.email  # activity: the idle clock starts again
    clock.shift(59 * MINUTE)
    assert signed_in_as(browser) == member.email
    clock.shift(60 * MINUTE)

    assert signed_in_as(browser) == 401
    assert not WebSession.objects.exists()


def test_an_active_session_ends_at_the_absolute_timeout(member, keys, clock):
    browser = browser_login(member)
    for _ in range(12 * 2 - 1):
        clock.shift(30 * MINUTE)
        assert signed_in_as(browser) == member.email
    clock.shift(30 * MINUTE)  # 12 hours after sign-in

    assert signed_in_as(browser) == 401
    assert not WebSession.objects.exists()


def test_the_tenants_own_timeouts_apply(member, owner, tenant, keys, clock):
    with tenant_context(tenant):
        session_timeouts_update(
            actor=owner, tenant=tenant, changes={"idle_minutes": 5, "absolute_hours": 1}
        )
    idle, busy = browser_login(member), browser_login(owner)
    assert WebSession.objects.get(user=member).expires_at == timezone.now() + dt.timedelta(hours=1)

    clock.shift(4 * MINUTE)
    assert signed_in_as(busy) == owner.email
    clock.shift(2 * MINUTE)
    assert signed_in_as(idle) == 401
    assert signed_in_as(busy) == owner.email
    for _ in range(12):
        clock.shift(4 * MINUTE)
        assert signed_in_as(busy) == owner.email
    clock.shift(6 * MINUTE)  # one hour after sign-in
    assert signed_in_as(busy) == 401


def test_shortening_the_absolute_timeout_applies_to_running_sessions(
    member, owner, tenant, keys, clock
):
    browser = browser_login(member)
    clock.shift(50 * MINUTE)
    assert signed_in_as(browser) == member.email
    with tenant_context(tenant):
        session_timeouts_update(actor=owner, tenant=tenant, changes={"absolute_hours": 1})

    clock.shift(11 * MINUTE)

    assert signed_in_as(browser) == 401


def test_the_cookie_lives_as_long_as_the_tenant_allows(member, owner, tenant, keys):
    with tenant_context(tenant):
        session_timeouts_update(actor=owner, tenant=tenant, changes={"absolute_hours": 36})
    browser = browser_login(member)

    assert browser.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 36 * 3600


def test_last_activity_is_written_at_most_once_a_minute(member, keys, clock):
    browser = browser_login(member)
    signed_in = WebSession.objects.get().last_activity

    clock.shift(30)
    signed_in_as(browser)
    assert WebSession.objects.get().last_activity == signed_in
    clock.shift(31)
    signed_in_as(browser)
    assert WebSession.objects.get().last_activity == timezone.now()


@pytest.mark.parametrize(
    "changes",
    [
        {"idle_minutes": 4},
        {"idle_minutes": 481},
        {"absolute_hours": 0},
        {"absolute_hours": 73},
        {"absolute_hours": "12"},
        {"idle_minutes": True},
        {"forever": 1},
    ],
)
def test_timeouts_are_bounded(changes, owner, tenant):
    with tenant_context(tenant), pytest.raises(InvalidInput):
        session_timeouts_update(actor=owner, tenant=tenant, changes=changes)
    tenant.refresh_from_db()
    assert "sessions" not in tenant.settings


def test_changing_timeouts_is_for_administrators_and_audited(member, owner, tenant):
    with tenant_context(tenant):
        with pytest.raises(Forbidden):
            session_timeouts_update(actor=member, tenant=tenant, changes={"idle_minutes": 30})
        session_timeouts_update(actor=owner, tenant=tenant, changes={"idle_minutes": 30})
    tenant.refresh_from_db()

    assert session_timeouts(tenant).idle_minutes == 30
    assert session_timeouts(tenant).absolute_hours == 12
    event = AuditEvent.unscoped.get(action="tenant.session_settings")
    assert (event.actor_id, event.changed_fields) == (owner.pk, ["idle_minutes"])


def test_stored_values_out_of_bounds_fall_back_to_the_defaults(tenant):
    tenant.settings = {"sessions": {"idle_minutes": 100000, "absolute_hours": "x"}}

    assert session_timeouts(tenant).idle_minutes == 60
    assert session_timeouts(tenant).absolute_hours == 12
