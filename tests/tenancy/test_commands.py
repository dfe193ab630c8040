"""The non-interactive admin commands that automation relies on."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from deskwerk.access.models import ApiToken
from deskwerk.accounts.models import Membership, User
from deskwerk.tenancy.models import Tenant


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_tenant_create_makes_a_tenant_with_an_admin(db):
    output = run(
        "tenant",
        "create",
        "--slug",
        "initech",
        "--name",
        "Initech",
        "--admin-email",
        "Peter@Initech.test",
    )
    tenant = Tenant.objects.get(slug="initech")
    admin = User.unscoped.get(tenant=tenant)
    assert admin.email == "peter@initech.test"
    assert Membership.unscoped.get(user=admin).role == Membership.Role.ADMIN
    assert "password" in output  # generated and shown once
    assert admin.has_usable_password()


@pytest.mark.parametrize(
    ("slug", "message"),
    [("api", "slug_reserved"), ("Bad Slug!", "validation_error"), ("initech", "slug_taken")],
)
def test_tenant_create_refuses_bad_or_taken_slugs(db, slug, message):
    run("tenant", "create", "--slug", "initech", "--name", "Initech", "--admin-email", "a@i.test")
    with pytest.raises(CommandError, match=message):
        run("tenant", "create", "--slug", slug, "--name", "X", "--admin-email", "b@i.test")
    assert Tenant.objects.count() == 1


def test_token_create_prints_the_secret_once_and_stores_only_its_hash(db):
    run("tenant", "create", "--slug", "initech", "--name", "Initech", "--admin-email", "a@i.test")
    secret = run(
        "token", "create", "--tenant", "initech", "--email", "a@i.test", "--scope", "bookings:read"
    ).strip()
    token = ApiToken.unscoped.get()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(list(ApiToken.unscoped.values()))
    assert token.scopes == ["bookings:read"]
    assert "a@i.test" in run("token", "list", "--tenant", "initech")
    assert secret not in run("token", "list", "--tenant", "initech")


def test_token_create_refuses_unknown_people_and_tenants(db):
    run("tenant", "create", "--slug", "initech", "--name", "Initech", "--admin-email", "a@i.test")
    with pytest.raises(CommandError, match="no person"):
        run("token", "create", "--tenant", "initech", "--email", "nobody@i.test")
    with pytest.raises(CommandError, match="no tenant"):
        run("token", "create", "--tenant", "nope", "--email", "a@i.test")


def test_revoked_tokens_stop_working(db):
    from django.test import Client

    run("tenant", "create", "--slug", "initech", "--name", "Initech", "--admin-email", "a@i.test")
    secret = run("token", "create", "--tenant", "initech", "--email", "a@i.test").strip()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/me").status_code == 200
    run("token", "revoke", "--tenant", "initech", secret[:12])
    assert client.get("/api/v1/me").status_code == 401
