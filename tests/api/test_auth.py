"""Who gets in: bearer tokens (scoped, revocable, expiring), sessions with CSRF, live tenants."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from deskwerk.access.models import ApiToken
from deskwerk.access.services import token_create
from deskwerk.core.errors import Forbidden
from deskwerk.tenancy.context import tenant_context
from deskwerk.tenancy.services import tenant_set_status
from tests.api.conftest import (
    ENDPOINTS,
    Endpoint,
    assert_problem,
    booking_count,
    call,
    session_client,
    snapshot,
)
from tests.conftest import ALL_SCOPES, PASSWORD, Api, future

pytestmark = pytest.mark.django_db


def _bearer(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_every_endpoint_refuses_anonymous_callers(endpoint: Endpoint, world):
    before = snapshot()

    response = call(Client(), endpoint, world)

    assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.scope], ids=str)
def test_every_endpoint_checks_the_tokens_scope(endpoint: Endpoint, world, owner):
    """An administrator's token without the operation's scope: 403, and nothing happens."""
    user = world.processor.staff if endpoint.role == "operator" else owner
    lacking = Api(user, scopes=[s for s in ALL_SCOPES if s != endpoint.scope])
    before = snapshot()

    response = call(lacking.client, endpoint, world)

    assert_problem(response, 403, "insufficient_scope")
    assert snapshot() == before


@pytest.mark.parametrize(
    "header",
    [
        "Bearer dwk_not-a-real-token",
        "Bearer not-even-our-prefix",
        "Bearer " + "dwk_" + "x" * 500,
        "Bearer ",
        "Basic b3duZXI6cGFzc3dvcmQ=",
        "dwk_without_scheme",
    ],
)
def test_bad_credentials_are_401(header, world):
    response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/me")

    assert_problem(response, 401, "not_authenticated")


def test_a_revoked_token_is_401(api_member, tenant):
    assert api_member.get("/me").status_code == 200
    ApiToken.unscoped.filter(tenant=tenant).update(revoked_at=timezone.now())

    assert_problem(api_member.get("/me"), 401, "not_authenticated")


def test_an_expired_token_is_401(member, time_machine):
    with tenant_context(member.tenant):
        secret = token_create(
            user=member, name="short", expires_at=timezone.now() + dt.timedelta(hours=1)
        ).secret
    client = _bearer(secret)
    assert client.get("/api/v1/me").status_code == 200

    time_machine.move_to(timezone.now() + dt.timedelta(hours=1, seconds=1))

    assert_problem(client.get("/api/v1/me"), 401, "not_authenticated")


def test_a_deactivated_persons_token_is_401(api_member, member):
    type(member).unscoped.filter(pk=member.pk).update(is_active=False)

    assert_problem(api_member.get("/me"), 401, "not_authenticated")


def test_the_token_is_stored_hashed_and_tells_its_scopes(member, api_member):
    stored = ApiToken.unscoped.get(user=member)
    assert api_member.secret not in (stored.token_hash, stored.prefix)
    assert stored.token_hash != api_member.secret

    me = api_member.get("/me").data
    assert me["scopes"] == ["bookings:read", "bookings:write", "spaces:read"]
    assert me["role"] == "member"


def test_a_member_token_cannot_carry_spaces_admin(member):
    with tenant_context(member.tenant), pytest.raises(Forbidden) as refused:
        token_create(user=member, name="sneaky", scopes=["spaces:read", "spaces:admin"])

    assert refused.value.code == "scope_not_allowed"
    assert not ApiToken.unscoped.filter(user=member).exists()


def test_a_read_only_token_cannot_book(member, site):
    reader = Api(member, scopes=["bookings:read", "spaces:read"])

    response = reader.post(
        "/bookings",
        {
            "resource_id": site.desks[0].pk,
            "starts_at": future(1, 9).isoformat(),
            "ends_at": future(1, 10).isoformat(),
        },
    )

    assert_problem(response, 403, "insufficient_scope")
    assert booking_count() == 0


def test_a_token_of_another_tenant_never_reaches_this_one(world, outsider, api_outsider):
    """The same numeric ids, asked for with tenant B's token, are simply not there."""
    for path in (
        f"/locations/{world.ids['location']}",
        f"/resources/{world.ids['resource']}",
        f"/bookings/{world.ids['booking']}",
    ):
        assert_problem(api_outsider.get(path), 404, "not_found")
    assert api_outsider.get("/me").data["tenant"]["slug"] == outsider.tenant.slug


# --- sessions -------------------------------------------------------------------------------


def test_a_session_works_and_has_no_token_scopes(member):
    response = session_client(member).get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["email"] == member.email
    assert response.json()["scopes"] is None


def _booking_body(site, day: int = 1) -> dict[str, object]:
    return {
        "resource_id": site.desks[0].pk,
        "starts_at": future(day, 9).isoformat(),
        "ends_at": future(day, 10).isoformat(),
    }


def test_a_session_write_without_csrf_token_is_refused(member, site):
    client = session_client(member)

    response = client.post("/api/v1/bookings", _booking_body(site), content_type="application/json")

    assert_problem(response, 403, "csrf_failed")
    assert booking_count() == 0


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_other_unsafe_session_methods_need_csrf_too(method, world, owner):
    client = session_client(owner)
    path = f"/api/v1/amenities/{world.ids['spare_amenity']}"
    before = snapshot()

    response = client.generic(method, path, '{"name": "x"}', content_type="application/json")

    assert_problem(response, 403, "csrf_failed")
    assert snapshot() == before


def test_a_session_write_with_csrf_token_is_accepted(member, site, tenant):
    client = session_client(member)
    client.get(f"/t/{tenant.slug}/login/")  # sets the CSRF cookie, as a page load does
    csrf = client.cookies["csrftoken"].value

    response = client.post(
        "/api/v1/bookings",
        _booking_body(site),
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )

    assert response.status_code == 201, response.content
    assert booking_count() == 1


def test_web_login_then_api(member, site, tenant):
    """The whole browser path: load the login page, sign in, call the API with CSRF."""
    client = Client(enforce_csrf_checks=True)
    login_url = f"/t/{tenant.slug}/login/"
    client.get(login_url)
    csrf = client.cookies["csrftoken"].value
    signed_in = client.post(
        login_url, {"email": member.email, "password": PASSWORD, "csrfmiddlewaretoken": csrf}
    )
    assert signed_in.status_code == 302
    csrf = client.cookies["csrftoken"].value  # rotated at login

    me = client.get("/api/v1/me")
    created = client.post(
        "/api/v1/bookings",
        _booking_body(site),
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )

    assert me.status_code == 200
    assert me.json()["tenant"]["slug"] == tenant.slug
    assert created.status_code == 201, created.content


def test_a_bearer_token_needs_no_csrf_token(api_member, site):
    api_member.client = Client(
        enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {api_member.secret}"
    )

    response = api_member.post("/bookings", _booking_body(site))

    assert response.status_code == 201, response.content


def test_a_member_session_cannot_administer(world, member, tenant):
    client = session_client(member)
    client.get(f"/t/{tenant.slug}/login/")
    before = snapshot()

    response = client.post(
        "/api/v1/amenities",
        {"code": "x", "name": "X"},
        content_type="application/json",
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )

    assert_problem(response, 403, "permission_denied")
    assert snapshot() == before


# --- tenant status --------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["suspended", "terminated"])
def test_an_inactive_tenants_tokens_and_sessions_are_401(status, tenant, member, api_member):
    session = session_client(member)
    assert api_member.get("/me").status_code == 200
    assert session.get("/api/v1/me").status_code == 200

    tenant_set_status(tenant=tenant, status=status)

    assert_problem(api_member.get("/me"), 401, "not_authenticated")
    assert_problem(session.get("/api/v1/me"), 401, "not_authenticated")


def test_reactivating_a_tenant_restores_its_tokens(tenant, api_member):
    tenant_set_status(tenant=tenant, status="suspended")
    assert api_member.get("/me").status_code == 401

    tenant_set_status(tenant=tenant, status="active")

    assert api_member.get("/me").status_code == 200


def test_suspending_one_tenant_leaves_the_other_alone(tenant, api_member, api_outsider):
    tenant_set_status(tenant=tenant, status="suspended")

    assert api_member.get("/me").status_code == 401
    assert api_outsider.get("/me").status_code == 200
