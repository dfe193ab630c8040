"""API tokens: personal tokens over the API, tenant service tokens, expiry and revocation."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from deskwerk.access.models import ApiToken
from deskwerk.access.services import service_token_create, token_create
from deskwerk.audit.models import AuditEvent
from deskwerk.bookings.models import Booking
from deskwerk.tenancy.context import tenant_context
from tests.api.conftest import ENDPOINTS, World, assert_problem, call
from tests.conftest import Site, future

pytestmark = pytest.mark.django_db


class Bearer:
    """A client for a raw secret (service tokens have no person for ``Api``)."""

    def __init__(self, secret: str) -> None:
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def get(self, path: str, **params: object):
        return call_raw(self.client, "GET", path, params)

    def post(self, path: str, body: object = None, **headers: str):
        return call_raw(self.client, "POST", path, body, **headers)


def call_raw(client: Client, method: str, path: str, body: object, **headers: str):
    import json

    if method == "GET":
        response = client.get("/api/v1" + path, body or {})
    else:
        response = client.post(
            "/api/v1" + path,
            json.dumps(body) if body is not None else "",
            content_type="application/json",
            headers=headers,
        )
    response.data = json.loads(response.content) if response.content else None
    return response


def service(owner, scopes: list[str] | None = None, **kw) -> tuple[ApiToken, Bearer]:
    with tenant_context(owner.tenant):
        issued = service_token_create(actor=owner, name="integration", scopes=scopes, **kw)
    return issued.token, Bearer(issued.secret)


def booking_body(site: Site, **extra: object) -> dict[str, object]:
    return {
        "resource_id": site.desks[2].pk,
        "starts_at": future(4, 9).isoformat(),
        "ends_at": future(4, 12).isoformat(),
        **extra,
    }


# --- personal tokens over the API --------------------------------------------------------------


def test_the_secret_is_in_the_create_answer_once_and_only_its_hash_is_stored(api_member, member):
    created = api_member.post("/tokens", {"name": "laptop", "scopes": ["bookings:read"]})

    assert created.status_code == 201
    secret = created.data["secret"]
    stored = ApiToken.unscoped.get(pk=created.data["id"])
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(list(ApiToken.unscoped.values()))
    assert created.data["prefix"] == secret[:12]
    assert stored.kind == "personal"
    listed = api_member.get("/tokens").data["items"]
    assert {t["name"] for t in listed} == {"test", "laptop"}
    assert all("secret" not in t and "token_hash" not in t for t in listed)
    assert Bearer(secret).get("/bookings").status_code == 200
    assert AuditEvent.unscoped.filter(action="api_token.create", object_id=str(stored.pk)).exists()


def test_a_member_cannot_create_a_token_with_an_admin_scope(api_member, member):
    refused = api_member.post("/tokens", {"name": "x", "scopes": ["spaces:admin"]})

    assert_problem(refused, 403, "scope_not_allowed")
    assert ApiToken.unscoped.filter(user=member).count() == 1


def test_a_narrow_token_cannot_mint_a_wider_one(member):
    from tests.conftest import Api

    narrow = Api(member, scopes=["bookings:read"])

    refused = narrow.post("/tokens", {"name": "wider", "scopes": ["bookings:write"]})

    assert_problem(refused, 403, "insufficient_scope")
    assert narrow.post("/tokens", {"name": "same", "scopes": ["bookings:read"]}).status_code == 201


def test_personal_expiry_is_bounded_and_expired_tokens_get_401(api_member, settings):
    too_far = (timezone.now() + dt.timedelta(days=366)).isoformat()
    assert_problem(
        api_member.post("/tokens", {"name": "x", "expires_at": too_far}), 422, "expiry_too_far"
    )
    soon = (timezone.now() + dt.timedelta(days=1)).isoformat()
    created = api_member.post("/tokens", {"name": "x", "expires_at": soon})
    assert created.status_code == 201
    token = Bearer(created.data["secret"])
    assert token.get("/bookings").status_code == 200

    with time_machine.travel(timezone.now() + dt.timedelta(days=1, seconds=1)):
        assert token.get("/bookings").status_code == 401


def test_people_revoke_their_own_tokens_and_owners_anyones(api_member, api_owner, member, owner):
    with tenant_context(member.tenant):
        issued = token_create(user=member, name="old")
        owners = token_create(user=owner, name="owners")
    assert_problem(api_member.post(f"/tokens/{owners.token.pk}/revoke"), 404, "not_found")

    revoked = api_member.post(f"/tokens/{issued.token.pk}/revoke")

    assert revoked.status_code == 200
    assert revoked.data["revoked_at"]
    assert Bearer(issued.secret).get("/bookings").status_code == 401
    assert_problem(api_member.post(f"/tokens/{issued.token.pk}/revoke"), 409, "token_revoked")
    assert AuditEvent.unscoped.filter(action="api_token.revoke").count() == 1
    # An owner (tokens.manage) revokes a member's token, e.g. of someone who left.
    assert api_owner.post(f"/tokens/{api_member_token(member).pk}/revoke").status_code == 200
    assert api_member.get("/bookings").status_code == 401


def api_member_token(member) -> ApiToken:
    return ApiToken.unscoped.get(user=member, name="test")


def test_last_use_is_recorded(api_member, member):
    assert api_member_token(member).last_used_at is None

    api_member.get("/bookings")

    assert api_member_token(member).last_used_at is not None


# --- tenant service tokens ---------------------------------------------------------------------


def test_only_tokens_manage_creates_service_tokens(api_owner, api_member):
    assert_problem(api_member.post("/service-tokens", {"name": "x"}), 403, "permission_denied")

    created = api_owner.post("/service-tokens", {"name": "hr sync"})

    assert created.status_code == 201
    stored = ApiToken.unscoped.get(pk=created.data["id"])
    assert stored.user_id is None
    assert stored.kind == "service"
    assert stored.created_by_id == api_owner.user.pk
    assert stored.scopes == ["bookings:write", "spaces:read"]
    assert [t["id"] for t in api_owner.get("/service-tokens").data["items"]] == [stored.pk]
    assert stored.pk not in {t["id"] for t in api_owner.get("/tokens").data["items"]}
    assert AuditEvent.unscoped.filter(action="api_token.create_service").count() == 1


@pytest.mark.parametrize("scope", ["bookings:read", "roles:admin", "audit:read"])
def test_service_tokens_hold_only_service_scopes(api_owner, scope):
    refused = api_owner.post("/service-tokens", {"name": "x", "scopes": [scope]})

    assert_problem(refused, 403, "scope_not_allowed")


def test_a_service_token_books_only_for_a_named_person(owner, member, tenant):
    site = Site(tenant)
    token, bot = service(owner)

    assert_problem(bot.post("/bookings", booking_body(site)), 422, "booked_for_required")
    booked = bot.post("/bookings", booking_body(site, booked_for_id=member.pk))

    assert booked.status_code == 201, booked.data
    booking = Booking.unscoped.get(pk=booked.data["id"])
    assert booking.booked_for_id == member.pk
    assert booking.booked_by_id is None
    # The audit log names the token that acted (no person did).
    event = AuditEvent.unscoped.get(
        tenant=tenant, action="booking.create", object_id=str(booking.pk)
    )
    assert (event.actor_id, event.actor_label) == (None, f"service token {token.prefix}")
    # Its scopes imply managing others' bookings: it may cancel what it booked.
    assert bot.post(f"/bookings/{booking.pk}/cancel").status_code == 200


def test_a_service_token_acts_within_its_scopes_only(owner, tenant, member):
    site = Site(tenant)
    _, reader = service(owner, scopes=["spaces:read"])

    assert reader.get("/locations").status_code == 200
    refused = reader.post("/bookings", booking_body(site, booked_for_id=member.pk))
    assert_problem(refused, 403, "insufficient_scope")
    assert_problem(reader.post("/locations", {"name": "x"}), 403, "permission_denied")
    # Endpoints about "the caller's own" data have no person to answer for.
    assert_problem(reader.get("/me"), 403, "person_required")
    assert_problem(reader.get("/tokens"), 403, "person_required")


@pytest.fixture
def world(tenant, owner, member, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path
    return World(tenant, owner, member)


def test_service_tokens_never_500_on_any_endpoint(owner, tenant, member, world):
    """Every endpoint, called by a service token with every scope it may hold: a clear answer."""
    _, bot = service(owner, scopes=["bookings:write", "spaces:read", "spaces:admin"])
    for endpoint in ENDPOINTS:
        response = call(bot.client, endpoint, world)
        assert response.status_code < 500, (str(endpoint), response.content[:300])


def test_a_revoked_or_expired_service_token_gets_401(api_owner, owner):
    _token, bot = service(owner, expires_at=timezone.now() + dt.timedelta(hours=1))
    assert bot.get("/locations").status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        assert bot.get("/locations").status_code == 401

    token2, bot2 = service(owner)
    assert api_owner.post(f"/service-tokens/{token2.pk}/revoke").status_code == 200

    assert bot2.get("/locations").status_code == 401
    # A personal token id is not a service token: 404 on the service route.
    assert_problem(
        api_owner.post(f"/service-tokens/{api_member_token_of(owner).pk}/revoke"),
        404,
        "not_found",
    )


def api_member_token_of(user) -> ApiToken:
    return ApiToken.unscoped.filter(user=user).first()


def test_a_service_token_of_tenant_a_never_reaches_tenant_b(owner, outsider, tenant, other_tenant):
    ours, theirs = Site(tenant), Site(other_tenant)
    _, bot = service(outsider, scopes=["bookings:write", "spaces:read", "spaces:admin"])

    assert_problem(bot.get(f"/locations/{ours.location.pk}"), 404, "not_found")
    assert bot.get(f"/locations/{theirs.location.pk}").status_code == 200
    booked = bot.post("/bookings", booking_body(ours, booked_for_id=owner.pk))
    assert booked.status_code == 404
    assert not Booking.unscoped.filter(tenant=tenant).exists()


def test_service_token_cannot_use_idempotency_keys_yet(owner, tenant, member):
    site = Site(tenant)
    _, bot = service(owner)

    refused = bot.post(
        "/bookings", booking_body(site, booked_for_id=member.pk), **{"Idempotency-Key": "k1"}
    )

    assert_problem(refused, 422, "idempotency_unsupported")


def test_the_token_command_lists_service_tokens(owner, tenant):
    from io import StringIO

    from django.core.management import call_command

    service(owner)
    out = StringIO()

    call_command("token", "list", "--tenant", tenant.slug, stdout=out)

    assert "(service)" in out.getvalue()
