"""Shared fixtures: two tenants, an owner and a member in one, an outsider in the other."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from deskwerk.access.services import ADMIN_SCOPES, SCOPES, may_hold_scope, token_create
from deskwerk.accounts.models import Membership, User
from deskwerk.accounts.services import user_create
from deskwerk.spaces.models import Building, Floor, Location, Resource, Zone
from deskwerk.tenancy.context import bind_tenant, tenant_context, unbind_tenant
from deskwerk.tenancy.models import Tenant
from deskwerk.tenancy.services import tenant_create

PASSWORD = "a long enough test password"
ALL_SCOPES = sorted(SCOPES)


def pytest_configure(config: pytest.Config) -> None:
    # Registered here, not in pyproject: tests/browser/ (Playwright + /usr/bin/chromium).
    config.addinivalue_line("markers", "browser: runs in a real browser (skipped without Chromium)")


def make_user(tenant: Tenant, email: str, role: str = Membership.Role.MEMBER) -> User:
    with tenant_context(tenant):
        return user_create(
            tenant=tenant, email=email, full_name=email.split("@")[0], role=role, password=PASSWORD
        )


@pytest.fixture
def tenant(db: Any) -> Tenant:
    return tenant_create(slug="acme", name="ACME GmbH")


@pytest.fixture
def other_tenant(db: Any) -> Tenant:
    return tenant_create(slug="globex", name="Globex AG")


@pytest.fixture
def owner(tenant: Tenant) -> User:
    return make_user(tenant, "owner@acme.test", Membership.Role.ADMIN)


@pytest.fixture
def member(tenant: Tenant) -> User:
    return make_user(tenant, "member@acme.test")


@pytest.fixture
def outsider(other_tenant: Tenant) -> User:
    """An administrator — of another tenant. Must never see or touch anything of ``tenant``."""
    return make_user(other_tenant, "owner@globex.test", Membership.Role.ADMIN)


@pytest.fixture
def bound(tenant: Tenant) -> Iterator[Tenant]:
    """Bind ``tenant`` for service-level tests, as a request would."""
    token = bind_tenant(tenant)
    yield tenant
    unbind_tenant(token)


class Api:
    """Test client for /api/v1 with a bearer token; answers carry ``.data`` (parsed JSON)."""

    def __init__(self, user: User, scopes: list[str] | None = None) -> None:
        with tenant_context(user.tenant):
            allowed = [
                s
                for s in (scopes or ALL_SCOPES)
                if s not in ADMIN_SCOPES or (user.membership.is_admin and may_hold_scope(user, s))
            ]
            self.secret = token_create(user=user, name="test", scopes=allowed).secret
        self.user = user
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {self.secret}")

    def _wrap(self, response: Any) -> Any:
        body = response.content
        response.data = json.loads(body) if body else None
        return response

    def get(self, path: str, **params: Any) -> Any:
        return self._wrap(self.client.get("/api/v1" + path, params))

    def post(self, path: str, body: Any = None, **headers: Any) -> Any:
        data = (
            body if isinstance(body, (str, bytes)) else json.dumps(body if body is not None else {})
        )
        return self._wrap(
            self.client.post(
                "/api/v1" + path, data, content_type="application/json", headers=headers
            )
        )

    def patch(self, path: str, body: Any) -> Any:
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return self._wrap(
            self.client.patch("/api/v1" + path, data, content_type="application/json")
        )

    def delete(self, path: str) -> Any:
        return self._wrap(self.client.delete("/api/v1" + path))


@pytest.fixture
def api_owner(owner: User) -> Api:
    return Api(owner)


@pytest.fixture
def api_member(member: User) -> Api:
    return Api(member)


@pytest.fixture
def api_outsider(outsider: User) -> Api:
    return Api(outsider)


class Site:
    """A location with one building, one floor, a zone, three desks and a room."""

    def __init__(self, tenant: Tenant, timezone: str = "Europe/Berlin") -> None:
        with tenant_context(tenant):
            self.location = Location.objects.create(name=f"HQ {timezone}", timezone=timezone)
            self.building = Building.objects.create(location=self.location, name="A")
            self.floor = Floor.objects.create(building=self.building, name="1", level=1)
            self.zone = Zone.objects.create(floor=self.floor, name="Team")
            self.desks = [
                Resource.objects.create(
                    floor=self.floor, zone=self.zone, name=f"D{i}", pos_x=10 * i, pos_y=10
                )
                for i in range(1, 4)
            ]
            self.room = Resource.objects.create(
                floor=self.floor, name="Room", kind="room", capacity=8
            )


@pytest.fixture
def site(tenant: Tenant) -> Site:
    return Site(tenant)


@pytest.fixture
def other_site(other_tenant: Tenant) -> Site:
    return Site(other_tenant)


def future(days: int = 1, hour: int = 9, minutes: int = 0) -> dt.datetime:
    """A UTC time some days ahead, on the hour: stable inputs for booking tests."""
    base = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return base + dt.timedelta(days=days, hours=hour, minutes=minutes)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """django-allauth keeps its rate limits (e.g. 30 sign-ins a minute per IP) in the cache:
    start every test with none, as the test client always comes from 127.0.0.1."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Uploads (floor plans, profile photos) go to a per-test folder, never into the checkout."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PROFILE_PHOTO_DIR = tmp_path / "photos"
