"""Every endpoint, tried by the tenant's owner, a member, and an administrator of another tenant."""

from __future__ import annotations

import json

import pytest

from deskwerk.spaces.models import Amenity
from deskwerk.tenancy.context import tenant_context
from tests.api.conftest import ENDPOINTS, Endpoint, assert_problem, call, snapshot

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_owner_may_use_every_endpoint(endpoint: Endpoint, world, api_owner, tenant):
    # The operator console's "owner" is operator staff.
    caller = world.processor.staff_api if endpoint.role == "operator" else api_owner
    response = call(caller.client, endpoint, world)

    assert response.status_code == endpoint.ok, response.content[:300]
    if endpoint.method == "POST" and endpoint.ok == 201 and endpoint.path != "/bookings/days":
        assert response.data["id"] > 0


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_member_reads_and_books_but_never_administers(endpoint: Endpoint, world, api_member):
    before = snapshot()
    # The operator console's "member": an account of the operator tenant without operator role.
    caller = world.processor.plain_api if endpoint.role == "operator" else api_member

    response = call(caller.client, endpoint, world)

    if endpoint.role == "admin":
        assert_problem(response, 403, "permission_denied")
        assert snapshot() == before
    elif endpoint.role == "operator":
        assert_problem(response, 404, "not_found")
        assert snapshot() == before
    else:
        assert response.status_code == endpoint.ok, response.content[:300]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_outsider_never_reaches_the_tenant(endpoint: Endpoint, world, api_outsider, tenant):
    """An administrator of another tenant: 404 for every object of this one, and no writes."""
    before = snapshot(tenant)

    response = call(api_outsider.client, endpoint, world)

    assert snapshot(tenant) == before
    if endpoint.outsider == 404:
        assert_problem(response, 404, "not_found")
        return
    assert response.status_code == endpoint.outsider, response.content[:300]
    if endpoint.path == "/me":
        assert response.data["tenant"]["slug"] == "globex"
    elif endpoint.path == "/privacy/records":
        assert [c["slug"] for c in response.data["controllers"]] == ["globex"]
    elif endpoint.path == "/tenant/privacy-settings":  # the outsider's own tenant's settings
        assert response.data["pseudonymise_after_days"] in (30, 60)
    elif endpoint.path == "/audit-events/export":  # streamed: the outsider's own log only
        events = json.loads(b"".join(response.streaming_content))
        assert "audit.export" in {e["action"] for e in events}
        assert {e["actor_id"] for e in events} <= {None, api_outsider.user.pk}
    elif endpoint.path == "/tokens" and endpoint.method == "GET":  # the outsider's own
        assert {t["prefix"] for t in response.data["items"]} == {api_outsider.secret[:12]}
    elif endpoint.path == "/roles/report":  # the outsider's own tenant's grants only
        assert {g["person_id"] for g in response.data["grants"]} == {api_outsider.user.pk}
    elif endpoint.path == "/compliance/report":  # the outsider's own tenant's report
        assert response.data["tenant"]["slug"] == "globex"
    elif endpoint.path == "/tenant/password-policy":  # the outsider's own tenant's policy
        assert response.data["min_length"] in (12, 14)
    elif endpoint.path.startswith("/processor/subprocessors"):  # one registry for all tenants
        assert response.data["items"]
        assert not response.data.get("objections")  # but the outsider's tenant objected to none
    elif endpoint.path == "/me/password":  # the outsider's own password, in their own tenant
        assert response.status_code == 204
    elif endpoint.path == "/me/mfa":  # the outsider's own factors and their tenant's policy
        assert response.data["setup_url"] == "/t/globex/accounts/2fa/"
    elif endpoint.path == "/me/reauthenticate":  # tokens are never asked to re-authenticate
        assert_problem(response, 403, "session_required")
    elif endpoint.path == "/tenant/mfa-policy":  # the outsider's own tenant's policy
        assert response.data["required_for"] in ("nobody", "admins")
    elif endpoint.path.startswith(("/me/profile", "/tenant/people-settings")):
        # The outsider's own profile and their own tenant's finder mode.
        assert response.status_code == endpoint.outsider
        if response.data and "email" in response.data:
            assert response.data["email"] == api_outsider.user.email
    elif endpoint.method == "GET":
        assert response.data["items"] == []  # the outsider's own tenant has nothing yet
    else:  # a parentless create lands in the outsider's own tenant
        assert response.status_code == 201


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if "{" in e.path], ids=str)
def test_outsider_404_is_indistinguishable_from_a_missing_id(
    endpoint: Endpoint, world, api_outsider
):
    """No oracle: another tenant's id answers exactly like an id that never existed."""
    foreign = call(api_outsider.client, endpoint, world)
    world.ids = {k: 10**9 + v for k, v in world.ids.items()}
    missing = call(api_outsider.client, endpoint, world)

    assert foreign.status_code == missing.status_code == 404
    assert foreign.data == missing.data


def test_member_cannot_see_a_colleagues_booking(world, api_member):
    path = f"/bookings/{world.owner_booking.pk}"
    before = snapshot()

    assert_problem(api_member.get(path), 404, "not_found")
    assert_problem(api_member.patch(path, {"note": "mine now"}), 404, "not_found")
    assert_problem(api_member.post(path + "/cancel"), 404, "not_found")
    assert snapshot() == before


def test_member_lists_only_their_own_bookings(world, api_member, api_owner):
    mine = api_member.get("/bookings").data["items"]
    owners = api_owner.get("/bookings").data["items"]

    assert [b["id"] for b in mine] == [world.member_booking.pk]
    assert [b["id"] for b in owners] == [world.owner_booking.pk]


def test_lists_show_only_the_tenants_own_objects(world, other_site, api_owner, api_outsider):
    ours = {r["id"] for r in api_owner.get("/resources").data["items"]}
    theirs = {r["id"] for r in api_outsider.get("/resources").data["items"]}

    assert ours
    assert ours.isdisjoint(theirs)
    assert theirs == {r.pk for r in [*other_site.desks, other_site.room]}


def test_created_objects_belong_to_the_callers_tenant(world, api_owner, api_outsider, tenant):
    ours = api_owner.post("/amenities", {"code": "wifi", "name": "Wi-Fi"})
    theirs = api_outsider.post("/amenities", {"code": "wifi", "name": "Wi-Fi"})

    assert ours.status_code == theirs.status_code == 201
    with tenant_context(tenant):
        assert Amenity.objects.filter(pk=ours.data["id"]).exists()
        assert not Amenity.objects.filter(pk=theirs.data["id"]).exists()
