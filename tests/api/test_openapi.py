"""The OpenAPI 3.1 document and the docs page (offline: local static files only)."""

from __future__ import annotations

import copy
import functools
import json
import re
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from tests.api.conftest import ENDPOINTS

pytestmark = pytest.mark.django_db

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
PREFIX = "/api/v1"


@functools.cache
def _fetch() -> dict[str, Any]:
    """Generating the document takes a few hundred ms; the tests only read it."""
    response = Client().get(PREFIX + "/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response.json()


@pytest.fixture
def document() -> dict[str, Any]:
    return copy.deepcopy(_fetch())


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


# Actions whose path says everything: no body.
BODYLESS = {
    "booking_cancel",
    "role_grant_approve",
    "role_grant_reject",
    "role_grant_revoke",
    "token_revoke",
    "service_token_revoke",
    "invitation_revoke",
    "operator_subprocessor_activate",
    "support_grant_revoke",
    "instruction_confirm",
    "operator_offboarding_delete",
}


def _shape(path: str) -> str:
    """A path with its parameter names erased: /floors/{floor_id}/plan -> /floors/{}/plan."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_it_is_an_openapi_3_1_document(document):
    assert re.fullmatch(r"3\.1\.\d+", document["openapi"])
    assert document["info"]["title"] == "Deskwerk API"
    assert document["info"]["version"]
    assert document["info"]["license"]["name"]
    assert set(document) <= {
        "openapi", "info", "jsonSchemaDialect", "servers", "paths", "webhooks", "components",
        "security", "tags", "externalDocs",
    }  # fmt: skip


def test_the_endpoint_table_names_every_operation(document):
    """Keeps the role/auth/scope tables complete: a new endpoint must be added there."""
    documented = {(m, _shape(p.removeprefix(PREFIX))) for m, p, _ in _operations(document)}
    tested = {(e.method, _shape(e.template)) for e in ENDPOINTS}

    assert documented == tested


def test_every_operation_is_well_formed(document):
    ids = [op["operationId"] for _, _, op in _operations(document)]
    assert len(ids) == len(set(ids)), "operationIds must be unique"
    for method, path, op in _operations(document):
        assert path.startswith(PREFIX + "/")
        assert op["summary"], (method, path)
        assert op["responses"], (method, path)
        for status in op["responses"]:
            assert re.fullmatch(r"[1-5]\d\d|default", status), (method, path, status)
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        assert declared == set(re.findall(r"\{([^}]+)\}", path)), (method, path)
        for param in op.get("parameters", []):
            assert param["in"] in {"path", "query", "header", "cookie"}
            if param["in"] == "path":
                assert param["required"] is True
        assert {"BearerTokenAuth": []} in op["security"], (method, path)
        for status in ("401", "422"):
            assert status in op["responses"], (method, path, status)
        if method in {"POST", "PATCH"} and op["operationId"] not in BODYLESS:
            assert op["requestBody"]["required"] is True, (method, path)


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_every_reference_resolves(document):
    refs = _refs(document)
    assert refs
    for ref in refs:
        assert ref.startswith("#/"), ref
        node = document
        for part in ref[2:].split("/"):
            assert part in node, ref
            node = node[part]


def test_the_security_schemes_are_bearer_and_session(document):
    schemes = document["components"]["securitySchemes"]

    assert schemes["BearerTokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert schemes["TenantSessionAuth"]["in"] == "cookie"


def test_the_booking_contract_is_documented(document):
    create = document["paths"][PREFIX + "/bookings"]["post"]
    schemas = document["components"]["schemas"]
    body = create["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]

    assert {"201", "409", "404", "422"} <= set(create["responses"])
    assert {"resource_id", "starts_at", "ends_at"} <= set(schemas[body]["required"])
    assert schemas[body].get("additionalProperties") is False  # unknown fields are refused
    assert "Problem" in schemas
    assert "code" in schemas["Problem"]["required"]


def test_the_document_needs_no_credentials_and_leaks_no_tenant_data(world):
    text = Client().get(PREFIX + "/openapi.json").content.decode()

    assert world.site.location.name not in text
    assert world.tenant.slug not in text


def test_the_docs_page_uses_only_local_static_files():
    response = Client().get(PREFIX + "/docs")
    html = response.content.decode()

    assert response.status_code == 200
    assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.IGNORECASE), html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith(".js") for a in assets)
    assert any(a.endswith(".css") for a in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset
    assert PREFIX + "/openapi.json" in html


def test_the_docs_assets_are_served():
    client = Client()
    for name in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js"):
        response = client.get(f"/static/ninja/{name}")
        assert response.status_code == 200, name


def test_no_response_status_appears_twice():
    """Swagger UI refuses a document with a key twice (int 200 and "200" both serialise as
    "200"): the raw JSON must not repeat a key in any object."""
    from django.test import Client

    raw = Client().get("/api/v1/openapi.json").content

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
        return dict(pairs)

    json.loads(raw, object_pairs_hook=no_duplicates)
