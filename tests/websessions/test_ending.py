"""Sessions end: by their person, by an administrator, at deactivation and suspension."""

from __future__ import annotations

import pytest

from deskwerk.accounts.models import User
from deskwerk.accounts.services import user_deactivate
from deskwerk.audit.models import AuditEvent
from deskwerk.core.errors import Conflict, NotFound
from deskwerk.tenancy.context import tenant_context
from deskwerk.tenancy.services import tenant_set_status
from deskwerk.websessions.models import WebSession
from tests.api.conftest import assert_problem
from tests.conftest import Api
from tests.websessions.conftest import browser_login, csrf, signed_in_as

pytestmark = pytest.mark.django_db

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def _actions() -> list[str]:
    return list(AuditEvent.unscoped.order_by("pk").values_list("action", flat=True))


# --- deactivation and suspension -------------------------------------------------------------


def test_deactivation_ends_every_session_of_the_person_at_once(member, owner, tenant, keys):
    laptop, phone = browser_login(member), browser_login(member, agent=CHROME)
    theirs = browser_login(owner)

    with tenant_context(tenant):
        user_deactivate(actor=owner, person=member)

    assert not WebSession.objects.filter(user=member).exists()
    assert signed_in_as(laptop) == signed_in_as(phone) == 401
    assert signed_in_as(theirs) == owner.email
    assert not User.unscoped.get(pk=member.pk).is_active
    assert _actions()[-2:] == ["user.deactivate", "session.end_all"]
    # Nor can the person sign in again.
    refused = laptop.post(
        f"/t/{tenant.slug}/login/",
        {"email": member.email, "password": "a long enough test password"},
        headers=csrf(laptop),
    )
    assert refused.status_code == 401
    assert not WebSession.objects.filter(user=member).exists()


def test_only_administrators_deactivate_and_never_the_last_one(member, owner, tenant, keys):
    browser_login(owner)
    with tenant_context(tenant):
        with pytest.raises(NotFound):
            user_deactivate(actor=member, person=owner)
        with pytest.raises(Conflict) as last:
            user_deactivate(actor=owner, person=owner)

    assert last.value.code == "last_admin"
    assert User.unscoped.get(pk=owner.pk).is_active
    assert WebSession.objects.filter(user=owner).exists()


@pytest.mark.parametrize("status", ["suspended", "terminated"])
def test_suspending_a_tenant_ends_its_sessions_and_only_its(status, member, outsider, tenant, keys):
    ours, theirs = browser_login(member), browser_login(outsider)

    tenant_set_status(tenant=tenant, status=status)

    assert list(WebSession.objects.values_list("user_id", flat=True)) == [outsider.pk]
    assert signed_in_as(ours) == 401
    assert signed_in_as(theirs) == outsider.email
    assert AuditEvent.unscoped.filter(tenant=tenant, action="session.end_tenant").count() == 1
    tenant_set_status(tenant=tenant, status="active")
    assert signed_in_as(ours) == 401  # reactivation brings no session back


# --- the API --------------------------------------------------------------------------------


def test_people_list_their_own_sessions_with_the_current_one_marked(member, owner, keys):
    laptop = browser_login(member)
    browser_login(member, agent=CHROME, ip="2001:db8:abcd:12::1")
    browser_login(owner)

    items = laptop.get("/api/v1/sessions").json()["items"]

    assert len(items) == 2
    assert {i["device"] for i in items} == {"Firefox 132 / Linux", "Chrome 131 / Windows"}
    assert {i["ip"] for i in items} == {"203.0.113.0", "2001:db8:abcd::"}
    current = [i for i in items if i["current"]]
    assert [i["device"] for i in current] == ["Firefox 132 / Linux"]
    own = set(WebSession.objects.filter(user=member).values_list("public_id", flat=True))
    assert {i["id"] for i in items} == own
    assert set(items[0]) == {
        "id", "device", "ip", "created_at", "last_activity", "expires_at", "current",
    }  # fmt: skip


def test_a_token_lists_the_persons_sessions_with_none_current(member, keys):
    browser_login(member)

    items = Api(member).get("/sessions").data["items"]

    assert [i["current"] for i in items] == [False]


def test_ending_one_of_ones_own_sessions(member, keys):
    laptop, phone = browser_login(member), browser_login(member, agent=CHROME)
    phone_id = next(
        i["id"] for i in laptop.get("/api/v1/sessions").json()["items"] if not i["current"]
    )

    response = laptop.delete(f"/api/v1/sessions/{phone_id}", headers=csrf(laptop))

    assert response.status_code == 204
    assert signed_in_as(phone) == 401
    assert signed_in_as(laptop) == member.email
    event = AuditEvent.unscoped.get(action="session.end")
    assert (event.actor_id, event.object_id) == (member.pk, str(phone_id))


def test_ending_the_current_session_signs_out(member, keys):
    laptop = browser_login(member)
    (mine,) = laptop.get("/api/v1/sessions").json()["items"]

    assert laptop.delete(f"/api/v1/sessions/{mine['id']}", headers=csrf(laptop)).status_code == 204
    assert signed_in_as(laptop) == 401


def test_members_cannot_end_or_see_colleagues_sessions(member, owner, keys):
    browser_login(owner)
    theirs = WebSession.objects.get(user=owner).public_id
    api = Api(member)

    assert_problem(api.delete(f"/sessions/{theirs}"), 404, "not_found")
    assert_problem(api.get(f"/people/{owner.pk}/sessions"), 403, "permission_denied")
    assert_problem(api.delete(f"/people/{owner.pk}/sessions"), 403, "permission_denied")
    assert WebSession.objects.filter(user=owner).exists()
    assert [i["id"] for i in api.get("/sessions").data["items"]] == []


def test_administrators_see_and_end_anyones_sessions(member, owner, keys):
    laptop, phone = browser_login(member), browser_login(member, agent=CHROME)
    admin = Api(owner)

    listed = admin.get(f"/people/{member.pk}/sessions").data["items"]
    assert len(listed) == 2
    assert not any(i["current"] for i in listed)
    one = listed[0]["id"]
    assert admin.delete(f"/sessions/{one}").status_code == 204
    assert len(admin.get(f"/people/{member.pk}/sessions").data["items"]) == 1

    ended = admin.delete(f"/people/{member.pk}/sessions")

    assert ended.data == {"ended": 1}
    assert signed_in_as(laptop) == signed_in_as(phone) == 401
    assert _actions()[-2:] == ["session.end", "session.end_all"]
    assert AuditEvent.unscoped.get(action="session.end_all").object_id == str(member.pk)


def test_an_admin_token_needs_the_sessions_scope_for_others(member, owner, keys):
    browser_login(member)
    browser_login(owner)
    narrow = Api(owner, scopes=["bookings:read"])
    theirs = WebSession.objects.get(user=member).public_id

    assert_problem(narrow.delete(f"/sessions/{theirs}"), 403, "insufficient_scope")
    assert_problem(narrow.get(f"/people/{member.pk}/sessions"), 403, "insufficient_scope")
    assert len(narrow.get("/sessions").data["items"]) == 1  # its own: no scope needed
    assert WebSession.objects.count() == 2


def test_outsiders_get_404_for_this_tenants_sessions_and_people(member, outsider, keys):
    browser = browser_login(member)
    session_id = WebSession.objects.get(user=member).public_id
    foreign = Api(outsider)

    assert_problem(foreign.delete(f"/sessions/{session_id}"), 404, "not_found")
    assert_problem(foreign.get(f"/people/{member.pk}/sessions"), 404, "not_found")
    assert_problem(foreign.delete(f"/people/{member.pk}/sessions"), 404, "not_found")
    assert foreign.get("/sessions").data["items"] == []
    assert signed_in_as(browser) == member.email


def test_ending_another_own_session_over_an_old_sign_in_needs_reauthentication(member, keys):
    """ASVS 7.5.2 over the API: a session must prove itself again; a token is not asked."""
    import datetime as dt

    import time_machine
    from django.utils import timezone

    laptop, phone = browser_login(member), browser_login(member, agent=CHROME)
    items = laptop.get("/api/v1/sessions").json()["items"]
    phone_id = next(i["id"] for i in items if not i["current"])
    mine = next(i["id"] for i in items if i["current"])

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        response = laptop.delete(f"/api/v1/sessions/{phone_id}", headers=csrf(laptop))
        assert response.status_code == 403
        assert response.json()["code"] == "reauthentication_required"
        assert signed_in_as(phone) == member.email
        # By token: no session to prove, the token is the credential (decision 0020).
        assert Api(member).delete(f"/sessions/{phone_id}").status_code == 204
        # Signing oneself out needs no proof.
        assert laptop.delete(f"/api/v1/sessions/{mine}", headers=csrf(laptop)).status_code == 204
