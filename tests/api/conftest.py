"""API test kit: a populated tenant, the table of every /api/v1 endpoint, and row snapshots.

The endpoint table is the single list the role, authentication and scope tests iterate over;
``test_openapi`` checks that it names every operation of the OpenAPI document, so a new
endpoint cannot slip in untested.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import models
from django.test import Client

from deskwerk.access.models import ApiToken, RoleGrant
from deskwerk.access.services import service_token_create, token_create
from deskwerk.accounts.invitations import invitation_create
from deskwerk.accounts.models import User
from deskwerk.bookings.models import Booking
from deskwerk.bookings.services import booking_create
from deskwerk.privacy.requests.services import request_create
from deskwerk.spaces.models import Amenity, Building, Floor, Location, Resource, Zone
from deskwerk.tenancy.context import tenant_context
from deskwerk.tenancy.models import Tenant, TenantOwned
from deskwerk.usage.models import UsageEvent
from deskwerk.websessions.models import WebSession
from tests.breaches.kit import BreachWorld
from tests.conftest import PASSWORD, Site, future
from tests.offboarding.kit import offboarding_world
from tests.processor.kit import ProcessorWorld
from tests.profiles.kit import MULTIPART, multipart_photo
from tests.support.kit import SupportWorld

PROBLEM = "application/problem+json"
PLAN_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"></svg>'


class World:
    """``Site`` plus what every endpoint needs: an amenity, a plan, bookings, spare objects.

    The spare objects have no dependants, so a delete of them succeeds.
    """

    # Set by test_errors' ``bad_world``.
    foreign: dict[str, int]
    unbookable: Resource
    pacific: Resource  # at a location 11 hours behind UTC

    def __init__(self, tenant: Tenant, owner: User, member: User) -> None:
        self.tenant = tenant
        self.site = Site(tenant)
        site = self.site
        with tenant_context(tenant):
            self.amenity = Amenity.objects.create(code="monitor", name="Monitor")
            site.desks[0].amenities.through.objects.create(
                tenant=tenant, resource=site.desks[0], amenity=self.amenity
            )
            site.floor.plan_image.save("plan.svg", ContentFile(PLAN_SVG))
            self.spare = {
                "location": Location.objects.create(name="Spare"),
                "building": Building.objects.create(location=site.location, name="Spare"),
                "floor": Floor.objects.create(building=site.building, name="Spare"),
                "zone": Zone.objects.create(floor=site.floor, name="Spare"),
                "amenity": Amenity.objects.create(code="spare", name="Spare"),
                "resource": Resource.objects.create(floor=site.floor, name="Spare"),
            }
            self.member_booking = booking_create(
                actor=member, resource=site.desks[0], starts_at=future(2, 9), ends_at=future(2, 12)
            )
            self.owner_booking = booking_create(
                actor=owner, resource=site.desks[1], starts_at=future(2, 9), ends_at=future(2, 12)
            )
            self.member_request = request_create(
                actor=member, tenant=tenant, subject=member, kind="access"
            )
            # A pending grant made by the system (no granter), so the owner may approve it.
            self.pending_grant = RoleGrant.objects.create(user=member, role="auditor")
            self.member_grant = RoleGrant.objects.get(user=member, role="employee")
            self.member_token = token_create(user=member, name="spare").token
            self.service_token = service_token_create(actor=owner, name="spare").token
            self.invitation, _ = invitation_create(
                actor=owner, email="invited@acme.test", site_url="http://testserver"
            )
            # Single sign-on: a provider of the tenant, and a spare one to delete.
            self.sso_provider = _sso_provider(owner, "corp")
            self.spare_sso_provider = _sso_provider(owner, "spare")
        Client().force_login(member)  # a signed-in browser of the member's
        self.member_session = WebSession.objects.get(user=member)
        self.ids: dict[str, int] = {
            "location": site.location.pk,
            "building": site.building.pk,
            "floor": site.floor.pk,
            "zone": site.zone.pk,
            "amenity": self.amenity.pk,
            "resource": site.desks[0].pk,
            "booking": self.member_booking.pk,
            "privacy_request": self.member_request.pk,
            "person": member.pk,
            "session": self.member_session.public_id,
            "role_grant": self.pending_grant.pk,
            "spare_role_grant": self.member_grant.pk,
            "token": self.member_token.pk,
            "service_token": self.service_token.pk,
            "invitation": self.invitation.pk,
            "sso_provider": self.sso_provider.pk,
            "spare_sso_provider": self.spare_sso_provider.pk,
            **{f"spare_{k}": v.pk for k, v in self.spare.items()},
        }
        # The processing agreement: operator staff, subprocessors, an objection, authorised persons.
        self.processor = ProcessorWorld(tenant, owner)
        self.ids.update(self.processor.ids)
        self.ids.update(offboarding_world(self.processor.operator_tenant))
        # Support access and instructions (DPA § 7): a live grant, an instruction in force and
        # one awaiting confirmation.
        self.support = SupportWorld(tenant, owner, self.processor.staff, self.processor.person)
        self.ids.update(self.support.ids)
        # Breaches (DPA § 12): a notified one concerning the tenant, a spare one not yet notified.
        self.breaches = BreachWorld(tenant, self.processor.staff)
        self.ids.update(self.breaches.ids)

    def window(self, days: int = 3) -> dict[str, str]:
        """An availability window as query parameters (with offsets, as the API demands)."""
        return {
            "starts_at": future(days, 8).isoformat(),
            "ends_at": future(days, 18).isoformat(),
        }


def _sso_provider(owner: User, slug: str) -> Any:
    from deskwerk.sso.services import ProviderInput, provider_create

    return provider_create(
        actor=owner,
        data=ProviderInput(
            slug=slug,
            name=slug.title(),
            issuer="https://login.example.com",
            client_id=f"deskwerk-{slug}",
            client_secret="s3cret of the client",
            allowed_domains=["example.com"],
        ),
    )


@pytest.fixture
def world(tenant: Tenant, owner: User, member: User, settings: Any, tmp_path: Path) -> World:
    settings.MEDIA_ROOT = tmp_path
    return World(tenant, owner, member)


Body = Callable[[World], Any]


@dataclass(frozen=True)
class Endpoint:
    """One operation of /api/v1 and what each kind of caller should get from it.

    ``role``: "read" (members may), "admin" (members get 403), "book" (members may, own data),
    "operator" (the operator console: used by operator staff, 404 for everyone else).
    ``outsider``: the status an administrator of another tenant gets (404 for anything of
    the tenant, 200/201 where the call only touches the caller's own tenant).
    """

    method: str
    path: str
    scope: str | None
    role: str
    body: Body | None = None
    ok: int = 200
    outsider: int = 404
    content_type: str = "application/json"

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def template(self) -> str:
        """The path as the OpenAPI document spells it."""
        return self.path.replace("{spare_", "{")


def _space(
    path: str, create: Body, *, parent: bool, extra: list[Endpoint] | None = None
) -> list[Endpoint]:
    """The five CRUD operations of one kind of space."""
    key = "amenity" if path == "amenities" else path[:-1]
    return [
        Endpoint("GET", f"/{path}", "spaces:read", "read", outsider=200),
        Endpoint("GET", f"/{path}/{{{key}}}", "spaces:read", "read"),
        Endpoint("POST", f"/{path}", "spaces:admin", "admin", create, 201, 404 if parent else 201),
        Endpoint(
            "PATCH", f"/{path}/{{{key}}}", "spaces:admin", "admin", lambda w: {"name": "Renamed"}
        ),
        Endpoint("DELETE", f"/{path}/{{spare_{key}}}", "spaces:admin", "admin", ok=204),
        *(extra or []),
    ]


ENDPOINTS: list[Endpoint] = [
    Endpoint("GET", "/me", None, "read", outsider=200),
    *_space("locations", lambda w: {"name": "New", "timezone": "Europe/Berlin"}, parent=False),
    *_space(
        "buildings",
        lambda w: {"location_id": w.ids["location"], "name": "New"},
        parent=True,
        extra=[
            Endpoint(
                "GET", "/buildings/{building}/availability", "bookings:read", "read", World.window
            )
        ],
    ),
    *_space(
        "floors",
        lambda w: {"building_id": w.ids["building"], "name": "New"},
        parent=True,
        extra=[
            Endpoint("GET", "/floors/{floor}/plan", "spaces:read", "read"),
            Endpoint(
                "PUT",
                "/floors/{floor}/plan",
                "spaces:admin",
                "admin",
                lambda w: PLAN_SVG,
                content_type="image/svg+xml",
            ),
            Endpoint("GET", "/floors/{floor}/availability", "bookings:read", "read", World.window),
        ],
    ),
    *_space(
        "zones",
        lambda w: {"floor_id": w.ids["floor"], "name": "New"},
        parent=True,
        extra=[
            Endpoint("GET", "/zones/{zone}/availability", "bookings:read", "read", World.window)
        ],
    ),
    *_space("amenities", lambda w: {"code": "new", "name": "New"}, parent=False),
    *_space(
        "resources",
        lambda w: {
            "floor_id": w.ids["floor"],
            "zone_id": w.ids["zone"],
            "name": "New",
            "amenity_ids": [w.ids["amenity"]],
        },
        parent=True,
    ),
    Endpoint(
        "POST",
        "/bookings",
        "bookings:write",
        "book",
        lambda w: {
            "resource_id": w.site.desks[2].pk,
            "starts_at": future(4, 9).isoformat(),
            "ends_at": future(4, 12).isoformat(),
        },
        ok=201,
    ),
    Endpoint(
        "POST",
        "/bookings/days",
        "bookings:write",
        "book",
        lambda w: {"resource_id": w.site.desks[2].pk, "days": [str(future(5).date())]},
        ok=201,
    ),
    Endpoint("GET", "/bookings", "bookings:read", "book", outsider=200),
    Endpoint("GET", "/bookings/{booking}", "bookings:read", "book"),
    Endpoint("PATCH", "/bookings/{booking}", "bookings:write", "book", lambda w: {"note": "hi"}),
    Endpoint("POST", "/bookings/{booking}/cancel", "bookings:write", "book"),
    Endpoint("GET", "/privacy/records", "privacy:admin", "admin", outsider=200),
    # Privacy settings: read by everyone, changed by admins; the outsider meets their own.
    Endpoint("GET", "/tenant/privacy-settings", None, "read", outsider=200),
    Endpoint(
        "PATCH",
        "/tenant/privacy-settings",
        "privacy:admin",
        "admin",
        lambda w: {"pseudonymise_after_days": 60},
        outsider=200,
    ),
    # Data-subject requests: the world's request is the member's own access request.
    Endpoint("GET", "/privacy/requests", None, "book", outsider=200),
    Endpoint("POST", "/privacy/requests", None, "book", lambda w: {"kind": "access"}, 201, 201),
    Endpoint("GET", "/privacy/requests/{privacy_request}", None, "book"),
    Endpoint(
        "POST",
        "/privacy/requests/{privacy_request}/transition",
        "privacy:admin",
        "admin",
        lambda w: {"status": "in_progress"},
    ),
    Endpoint(
        "POST",
        "/privacy/requests/{privacy_request}/execute",
        "privacy:admin",
        "admin",
        lambda w: {"confirm": False},
    ),
    Endpoint("GET", "/privacy/requests/{privacy_request}/export", "privacy:admin", "admin"),
    Endpoint("DELETE", "/people/{person}/restriction", "privacy:admin", "admin"),
    # People: the world's person is the member (themselves for the member, 404 for outsiders).
    # Invitations: the outsider lists and invites in their own tenant, never revokes ours.
    Endpoint("GET", "/people/invitations", "privacy:admin", "admin", outsider=200),
    Endpoint(
        "POST",
        "/people/invitations",
        "privacy:admin",
        "admin",
        lambda w: {"email": "new.person@example.test", "full_name": "New Person"},
        201,
        201,
    ),
    Endpoint("POST", "/people/invitations/{invitation}/revoke", "privacy:admin", "admin"),
    Endpoint("GET", "/people/{person}", None, "book"),
    Endpoint("PATCH", "/people/{person}", None, "book", lambda w: {"phone": "+49 30 1234"}),
    Endpoint(
        "GET",
        "/audit-events",
        "audit:read",
        "admin",
        # The history of one booking of the tenant: the outsider's own log has none of it.
        lambda w: {"object_type": "bookings.booking", "object_id": w.ids["booking"]},
        outsider=200,
    ),
    Endpoint("GET", "/audit-events/export", "audit:read", "admin", outsider=200),
    # The processing agreement, the tenant's side: authorised persons (owners); the subprocessor
    # registry and its history (everyone, the same list in every tenant); objections (system
    # admins and authorised persons; the outsider objects in their own tenant).
    Endpoint("GET", "/processor/authorised-persons", "processor:admin", "admin", outsider=200),
    Endpoint(
        "POST",
        "/processor/authorised-persons",
        "processor:admin",
        "admin",
        lambda w: {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@acme.test"},
        201,
        201,
    ),
    Endpoint(
        "PATCH",
        "/processor/authorised-persons/{authorised_person}",
        "processor:admin",
        "admin",
        lambda w: {"phone": "+49 30 1234"},
    ),
    Endpoint(
        "DELETE",
        "/processor/authorised-persons/{spare_authorised_person}",
        "processor:admin",
        "admin",
        ok=204,
    ),
    Endpoint("GET", "/processor/subprocessors", None, "read", outsider=200),
    Endpoint("GET", "/processor/subprocessors/history", None, "read", outsider=200),
    Endpoint(
        "POST",
        "/processor/objections",
        None,
        "admin",
        lambda w: {"subprocessor_id": w.ids["spare_subprocessor"], "reason": "We need to check."},
        201,
        201,
    ),
    # The operator console: called by operator staff (``World.processor.staff_api``).
    Endpoint("GET", "/operator/tenants", "operator:admin", "operator"),
    Endpoint("GET", "/operator/tenants/{tenant}", "operator:admin", "operator"),
    Endpoint(
        "POST",
        "/operator/tenants/{tenant}/status",
        "operator:admin",
        "operator",
        lambda w: {"status": "suspended"},
    ),
    Endpoint("GET", "/operator/subprocessors", "operator:admin", "operator"),
    Endpoint(
        "POST",
        "/operator/subprocessors",
        "operator:admin",
        "operator",
        lambda w: {"name": "New", "address": "Weg 1, Wien", "country": "AT", "service": "x"},
        201,
    ),
    Endpoint(
        "POST", "/operator/subprocessors/{subprocessor}/activate", "operator:admin", "operator"
    ),
    Endpoint(
        "POST",
        "/operator/subprocessors/{spare_subprocessor}/withdraw",
        "operator:admin",
        "operator",
        lambda w: {"note": "not needed"},
    ),
    Endpoint("GET", "/operator/objections", "operator:admin", "operator"),
    # Offboarding (DPA § 14): the world's offboarding is finished (certificate available), the
    # spare one is ready for early deletion (receipt confirmed).
    Endpoint("GET", "/operator/offboardings", "operator:admin", "operator"),
    Endpoint("GET", "/operator/offboardings/{offboarding}", "operator:admin", "operator"),
    Endpoint(
        "POST", "/operator/offboardings/{spare_offboarding}/delete", "operator:admin", "operator"
    ),
    Endpoint(
        "GET",
        "/operator/offboardings/{offboarding}/certificate",
        "operator:admin",
        "operator",
    ),
    Endpoint(
        "POST",
        "/operator/objections/{objection}/resolve",
        "operator:admin",
        "operator",
        lambda w: {"resolution": "We keep the data in Germany."},
    ),
    # Breaches (DPA § 12): the operator's register (staff only, 404 for everyone else) and the
    # tenant's side (owners and privacy officers; the outsider's tenant is not concerned).
    Endpoint("GET", "/operator/breaches", "operator:admin", "operator"),
    Endpoint(
        "POST",
        "/operator/breaches",
        "operator:admin",
        "operator",
        lambda w: {
            "kind": "suspected",
            "became_known_at": "2020-01-01T09:00:00+01:00",
            "tenant_ids": [w.tenant.pk],
        },
        201,
    ),
    Endpoint("GET", "/operator/breaches/{breach}", "operator:admin", "operator"),
    Endpoint(
        "PATCH",
        "/operator/breaches/{breach}",
        "operator:admin",
        "operator",
        lambda w: {"measures": "More measures."},
    ),
    Endpoint(
        "POST",
        "/operator/breaches/{spare_breach}/notify",
        "operator:admin",
        "operator",
        lambda w: {},
    ),
    Endpoint(
        "POST",
        "/operator/breaches/{breach}/follow-up",
        "operator:admin",
        "operator",
        lambda w: {"note": "Investigation continues."},
    ),
    Endpoint(
        "POST",
        "/operator/breaches/{breach}/close",
        "operator:admin",
        "operator",
        lambda w: {"note": "Resolved."},
    ),
    Endpoint("GET", "/breaches", "privacy:admin", "admin", outsider=200),
    Endpoint("GET", "/breaches/{breach}", "privacy:admin", "admin"),
    Endpoint("GET", "/breaches/{breach}/affected-people", "privacy:admin", "admin"),
    # Support access and instructions (DPA § 7): grants are the owners' (the outsider grants in
    # their own tenant); instructions are for owners and authorised persons (the world names
    # authorised persons, so creating one names its authorised person: 404 for the outsider).
    Endpoint("GET", "/processor/support-grants", "processor:admin", "admin", outsider=200),
    Endpoint(
        "POST",
        "/processor/support-grants",
        "processor:admin",
        "admin",
        lambda w: {
            "staff_ids": [w.processor.staff.pk],
            "purpose": "Ticket 4712",
            "ends_at": future(2).isoformat(),
            "level": "read",
        },
        201,
        201,
    ),
    Endpoint(
        "POST", "/processor/support-grants/{support_grant}/revoke", "processor:admin", "admin"
    ),
    Endpoint("GET", "/processor/instructions", None, "admin", outsider=200),
    Endpoint(
        "POST",
        "/processor/instructions",
        None,
        "admin",
        lambda w: {"text": "Keep visitors 14 days.", "authorised_person_id": w.processor.person.pk},
        201,
    ),
    Endpoint("GET", "/processor/instructions/{instruction}", None, "admin"),
    Endpoint("POST", "/processor/instructions/{awaiting_instruction}/confirm", None, "admin"),
    Endpoint(
        "POST",
        "/processor/instructions/{instruction}/amend",
        None,
        "admin",
        lambda w: {"text": "Keep visitors 7 days."},
    ),
    Endpoint("POST", "/processor/instructions/{instruction}/withdraw", None, "admin", lambda w: {}),
    Endpoint("GET", "/operator/support-grants", "operator:admin", "operator"),
    Endpoint("GET", "/operator/instructions", "operator:admin", "operator"),
    Endpoint(
        "POST",
        "/operator/instructions",
        "operator:admin",
        "operator",
        lambda w: {
            "tenant_id": w.tenant.pk,
            "text": "Export all bookings of March.",
            "channel": "phone",
            "given_on": str(future(0).date()),
            "authorised_person_id": w.processor.person.pk,
        },
        201,
    ),
    Endpoint(
        "POST",
        "/operator/instructions/{instruction}/flag",
        "operator:admin",
        "operator",
        lambda w: {"reason": "Would keep data beyond its purpose."},
    ),
    # The compliance report (DPA § 15): owners, auditors, privacy officers; the outsider
    # reads their own tenant's.
    Endpoint("GET", "/compliance/report", "audit:read", "admin", outsider=200),
    # The tenant's mail log: the outsider reads their own tenant's (empty) outbox.
    Endpoint("GET", "/outbox", "notify:admin", "admin", outsider=200),
    # Sessions: the world's session is the member's; administrators end anyone's.
    Endpoint("GET", "/sessions", None, "book", outsider=200),
    Endpoint("DELETE", "/sessions/{session}", "sessions:admin", "book", ok=204),
    Endpoint("GET", "/people/{person}/sessions", "sessions:admin", "admin"),
    Endpoint("DELETE", "/people/{person}/sessions", "sessions:admin", "admin"),
    # Roles: the world's person is the member (reads their own grants); the world's pending
    # grant awaits approval, its spare grant is the member's active ``employee`` grant.
    Endpoint("GET", "/people/{person}/roles", "roles:admin", "book"),
    Endpoint(
        "POST",
        "/people/{person}/roles",
        "roles:admin",
        "admin",
        lambda w: {"role": "receptionist"},
        201,
    ),
    Endpoint("POST", "/role-grants/{role_grant}/approve", "roles:admin", "admin"),
    Endpoint("POST", "/role-grants/{role_grant}/reject", "roles:admin", "admin"),
    Endpoint("POST", "/role-grants/{spare_role_grant}/revoke", "roles:admin", "admin"),
    # The report: the outsider reads their own tenant's.
    Endpoint("GET", "/roles/report", "roles:admin", "admin", outsider=200),
    # API tokens: the world's token is the member's own; its service token the tenant's.
    Endpoint("GET", "/tokens", None, "book", outsider=200),
    Endpoint("POST", "/tokens", None, "book", lambda w: {"name": "new"}, 201, 201),
    Endpoint("POST", "/tokens/{token}/revoke", None, "book"),
    Endpoint("GET", "/service-tokens", "tokens:admin", "admin", outsider=200),
    Endpoint(
        "POST", "/service-tokens", "tokens:admin", "admin", lambda w: {"name": "new"}, 201, 201
    ),
    Endpoint("POST", "/service-tokens/{service_token}/revoke", "tokens:admin", "admin"),
    # Passwords: everyone changes their own (the outsider too, in their own tenant); the
    # policy is read by everyone and changed by owners, the outsider meets their own tenant's.
    Endpoint(
        "POST",
        "/me/password",
        None,
        "book",
        lambda w: {"old_password": PASSWORD, "new_password": "a different long passphrase"},
        ok=204,
        outsider=204,
    ),
    Endpoint("GET", "/tenant/password-policy", None, "read", outsider=200),
    Endpoint(
        "PATCH",
        "/tenant/password-policy",
        "sessions:admin",
        "admin",
        lambda w: {"min_length": 14},
        outsider=200,
    ),
    # Two-factor authentication: one's own state; re-authentication is for browser sessions
    # (a token is refused with 403 session_required, decision 0020); the policy as above.
    Endpoint("GET", "/me/mfa", None, "read", outsider=200),
    Endpoint(
        "POST",
        "/me/reauthenticate",
        None,
        "book",
        lambda w: {"password": PASSWORD},
        ok=403,
        outsider=403,
    ),
    Endpoint("GET", "/tenant/mfa-policy", None, "read", outsider=200),
    Endpoint("DELETE", "/people/{person}/mfa", "sessions:admin", "admin"),
    Endpoint(
        "PATCH",
        "/tenant/mfa-policy",
        "sessions:admin",
        "admin",
        lambda w: {"required_for": "admins"},
        outsider=200,
    ),
    # Single sign-on providers: owners only; the outsider meets their own tenant's.
    Endpoint("GET", "/sso/providers", "roles:admin", "admin", outsider=200),
    Endpoint(
        "POST",
        "/sso/providers",
        "roles:admin",
        "admin",
        lambda w: {
            "slug": "new",
            "name": "New",
            "issuer": "https://idp.example.com",
            "client_id": "deskwerk",
            "client_secret": "a client secret",
            "allowed_domains": ["example.com"],
        },
        201,
        201,
    ),
    Endpoint("GET", "/sso/providers/{sso_provider}", "roles:admin", "admin"),
    Endpoint(
        "PATCH", "/sso/providers/{sso_provider}", "roles:admin", "admin", lambda w: {"name": "X"}
    ),
    Endpoint("DELETE", "/sso/providers/{spare_sso_provider}", "roles:admin", "admin", ok=204),
    # Profiles and the colleague finder: the caller's own profile, photo and favourites (the
    # outsider meets their own; another tenant's places and people are 404); the finder and
    # the tenant's finder mode (read by everyone, set with privacy.settings).
    Endpoint("GET", "/me/profile", None, "read", outsider=200),
    Endpoint("PATCH", "/me/profile", None, "book", lambda w: {"language": "de"}, outsider=200),
    Endpoint(
        "PUT",
        "/me/profile/photo",
        None,
        "book",
        lambda w: multipart_photo(),
        outsider=200,
        content_type=MULTIPART,
    ),
    Endpoint("DELETE", "/me/profile/photo", None, "book", ok=204, outsider=204),
    Endpoint("GET", "/me/favourites", None, "book", outsider=200),
    Endpoint(
        "POST", "/me/favourites", None, "book", lambda w: {"resource_id": w.ids["resource"]}, 201
    ),
    Endpoint("DELETE", "/me/favourites/resources/{resource}", None, "book", ok=204),
    Endpoint("DELETE", "/me/favourites/people/{person}", None, "book", ok=204),
    Endpoint("GET", "/people/finder", None, "read", outsider=200),
    Endpoint("GET", "/tenant/people-settings", None, "read", outsider=200),
    Endpoint(
        "PUT",
        "/tenant/people-settings",
        "privacy:admin",
        "admin",
        lambda w: {"finder_mode": "opt_out"},
        outsider=200,
    ),
]


def call(client: Client, endpoint: Endpoint, world: World, **headers: str) -> Any:
    """Send ``endpoint`` with its body through ``client``; JSON answers get ``.data``."""
    path = "/api/v1" + endpoint.path.format(**world.ids)
    body = endpoint.body(world) if endpoint.body else None
    if endpoint.method == "GET":
        response = client.get(path, body or {}, headers=headers)
    else:
        response = client.generic(
            endpoint.method,
            path,
            body if isinstance(body, bytes) else json.dumps(body) if body is not None else "",
            content_type=endpoint.content_type,
            headers=headers,
        )
    ctype = response.get("Content-Type", "")
    response.data = (  # type: ignore[attr-defined]
        json.loads(response.content)
        if "json" in ctype and not response.streaming and response.content
        else None
    )
    return response


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """An RFC 9457 document with the expected status and stable code."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"] == PROBLEM
    body: dict[str, Any] = json.loads(response.content)
    assert body["code"] == code, body
    assert body["status"] == status
    assert body["type"].endswith("/" + code)
    assert body["title"]
    return body


def _owned_models() -> list[type[models.Model]]:
    return [
        m
        for m in apps.get_models()
        if (issubclass(m, TenantOwned) or m in (User, WebSession))
        and m not in (ApiToken, UsageEvent)
    ]


def snapshot(tenant: Tenant | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every tenant-owned row and session (of ``tenant``, or of all tenants) except API tokens, whose
    ``last_used_at`` moves on every call, and usage rows, one per authenticated call. Equal
    snapshots: nothing was written."""
    result = {}
    for model in _owned_models():
        manager = getattr(model, "unscoped", model._base_manager)
        qs = manager.all() if tenant is None else manager.filter(tenant=tenant)
        result[model._meta.label] = list(qs.order_by("pk").values())
    return result


def booking_count() -> int:
    return Booking.unscoped.count()


def session_client(user: User, *, csrf: bool = True) -> Client:
    """A signed-in browser; with ``csrf`` the client enforces CSRF like a real browser would."""
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def dt_utc(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
