"""Managing identity providers over the API: owners only, secrets write-only, input refused."""

from __future__ import annotations

import json
from typing import Any

import pytest

from deskwerk.accounts.models import User
from deskwerk.audit.models import AuditEvent
from deskwerk.sso.models import IdentityProvider
from deskwerk.tenancy.models import Tenant
from tests.conftest import Api

SECRET = "the client secret 0123456789"


def _body(**fields: Any) -> dict[str, Any]:
    return {
        "slug": "entra",
        "name": "Microsoft Entra ID",
        "issuer": "https://login.microsoftonline.com/0000-tenant-guid/v2.0",
        "client_id": "11111111-2222-3333-4444-555555555555",
        "client_secret": SECRET,
        "allowed_domains": ["Example.com", "@example.org"],
        "role_map": {"desk-admins": ["space_admin"], "reception": ["receptionist"]},
        **fields,
    }


def _post(api: Api, body: Any) -> Any:
    return api.client.post(
        "/api/v1/sso/providers", json.dumps(body), content_type="application/json"
    )


def test_owner_creates_reads_changes_and_deletes(tenant: Tenant, owner: User) -> None:
    api = Api(owner)
    created = _post(api, _body())
    assert created.status_code == 201, created.content
    data = created.json()
    assert SECRET not in created.content.decode()
    assert data["has_client_secret"] is True
    assert data["allowed_domains"] == ["example.com", "example.org"]
    assert data["default_role"] == "employee"
    assert data["jit_create"] is False
    assert data["redirect_uri"] == (
        f"http://testserver/t/acme/accounts/oidc/t{tenant.pk}-entra/login/callback/"
    )
    row = IdentityProvider.unscoped.get(pk=data["id"])
    assert SECRET.encode() not in bytes(row.secret_blob)
    assert row.get_secret() == SECRET
    listed = api.client.get("/api/v1/sso/providers")
    assert SECRET not in listed.content.decode()
    assert [p["slug"] for p in listed.json()["items"]] == ["entra"]

    patched = api.client.patch(
        f"/api/v1/sso/providers/{data['id']}",
        json.dumps({"client_secret": "a new secret", "enabled": False}),
        content_type="application/json",
    )
    assert patched.status_code == 200
    assert "a new secret" not in patched.content.decode()
    row.refresh_from_db()
    assert row.get_secret() == "a new secret"
    assert not row.enabled

    assert api.client.delete(f"/api/v1/sso/providers/{data['id']}").status_code == 204
    assert not IdentityProvider.unscoped.exists()
    actions = list(
        AuditEvent.unscoped.filter(tenant=tenant, action__startswith="sso.")
        .order_by("pk")
        .values_list("action", "changed_fields")
    )
    assert [a for a, _ in actions] == [
        "sso.provider_create",
        "sso.provider_update",
        "sso.provider_delete",
    ]
    assert sorted(actions[1][1]) == ["client_secret", "enabled"]
    assert all(SECRET not in json.dumps(f) for _, f in actions)


def test_the_secret_is_bound_to_its_tenant(
    tenant: Tenant, other_tenant: Tenant, owner: User
) -> None:
    created = _post(Api(owner), _body()).json()
    row = IdentityProvider.unscoped.get(pk=created["id"])
    copy = IdentityProvider(
        tenant=other_tenant, secret_key_id=row.secret_key_id, secret_blob=row.secret_blob
    )
    assert copy.get_secret() == ""


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"issuer": "http://idp.example.com"}, 422, "invalid_issuer"),
        ({"issuer": "https://idp.example.com/?x=1"}, 422, "invalid_issuer"),
        ({"issuer": "not a url"}, 422, "invalid_issuer"),
        ({"allowed_domains": ["not a domain"]}, 422, "invalid_domain"),
        ({"allowed_domains": []}, 422, "invalid_domain"),
        ({"default_role": "owner"}, 422, "invalid_role"),
        ({"default_role": "wizard"}, 422, "invalid_role"),
        ({"role_map": {"g": ["wizard"]}}, 422, "invalid_role"),
        ({"role_map": {"g": []}}, 422, "invalid_role_map"),
        ({"group_claim": "bad claim!"}, 422, "invalid_claim"),
        ({"slug": "Not A Slug"}, 422, "invalid_slug"),
        ({"client_secret": "   "}, 422, "validation_error"),
        ({"unknown": 1}, 422, "validation_error"),
        ({"client_secret": None}, 422, "validation_error"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(
    tenant: Tenant, owner: User, fields: dict[str, Any], status: int, code: str
) -> None:
    response = _post(Api(owner), _body(**fields))
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert not IdentityProvider.unscoped.exists()


def test_a_second_provider_with_the_same_slug_is_a_conflict(tenant: Tenant, owner: User) -> None:
    api = Api(owner)
    assert _post(api, _body()).status_code == 201
    again = _post(api, _body())
    assert again.status_code == 409
    assert again.json()["code"] == "sso_provider_exists"


def test_members_may_not_manage_providers(tenant: Tenant, owner: User, member: User) -> None:
    api = Api(member)
    assert _post(api, _body()).status_code == 403
    assert api.client.get("/api/v1/sso/providers").status_code == 403
    assert not IdentityProvider.unscoped.exists()


def test_the_same_slug_in_two_tenants_is_two_providers(
    tenant: Tenant, owner: User, outsider: User
) -> None:
    a = _post(Api(owner), _body()).json()
    b = _post(Api(outsider), _body()).json()
    assert a["redirect_uri"] != b["redirect_uri"]
    assert Api(outsider).client.get(f"/api/v1/sso/providers/{a['id']}").status_code == 404


def test_key_rotation_reencrypts_client_secrets(tenant: Tenant, owner: User, settings: Any) -> None:
    import base64
    import os

    from django.core.management import call_command

    from deskwerk.websessions import crypto

    def new_key() -> str:
        return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")

    settings.DATA_KEYS = [new_key()]
    created = _post(Api(owner), _body()).json()
    row = IdentityProvider.unscoped.get(pk=created["id"])
    old_kid = row.secret_key_id
    settings.DATA_KEYS = [new_key(), settings.DATA_KEYS[0]]
    row.refresh_from_db()
    assert row.get_secret() == SECRET
    assert row.secret_key_id == old_kid
    call_command("sso", "reencrypt")
    row.refresh_from_db()
    assert row.secret_key_id == crypto.newest_key_id()
    settings.DATA_KEYS = settings.DATA_KEYS[:1]  # the old key dropped
    assert row.get_secret() == SECRET
