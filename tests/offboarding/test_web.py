"""The operator console's offboarding pages (404 for everyone else) and the download page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from deskwerk.offboarding.models import Offboarding
from tests.conftest import make_user
from tests.offboarding.kit import offboarding_world
from tests.processor.kit import make_operator

pytestmark = pytest.mark.django_db


@pytest.fixture
def console(tenant: Any, owner: Any) -> dict[str, Any]:
    operator, staff = make_operator()
    ids = offboarding_world(operator)
    return {"operator": operator, "staff": staff, "ids": ids, "owner": owner}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_see_list_detail_and_certificate(console):
    client = _client(console["staff"])
    base = f"/t/{console['operator'].slug}/operator/offboarding/"
    listed = client.get(base)
    assert listed.status_code == 200
    assert "Vergangen GmbH" in listed.content.decode()
    done = console["ids"]["offboarding"]
    assert client.get(f"{base}{done}/").status_code == 200
    html = client.get(f"{base}{done}/certificate/")
    assert html.status_code == 200
    assert "Vergangen GmbH" in html.content.decode()
    pdf = client.get(f"{base}{done}/certificate/?format=pdf")
    assert pdf.content.startswith(b"%PDF")
    # No certificate before a verified deletion.
    assert (
        client.get(f"{base}{console['ids']['spare_offboarding']}/certificate/").status_code == 404
    )


def test_staff_delete_early_from_the_console(console, django_capture_on_commit_callbacks):
    client = _client(console["staff"])
    spare = console["ids"]["spare_offboarding"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/t/{console['operator'].slug}/operator/offboarding/{spare}/delete/"
        )
    assert response.status_code == 302
    assert Offboarding.unscoped.get(pk=spare).status in {"deleted", "failed"}
    assert Offboarding.unscoped.get(pk=spare).deleted_at is not None


def test_everyone_else_gets_404(console, tenant):
    plain = make_user(console["operator"], "plain@ops.test")
    base = f"/t/{console['operator'].slug}/operator/offboarding/"
    assert _client(plain).get(base).status_code == 404
    # A customer's administrator: the page does not exist in their tenant either.
    assert (
        _client(console["owner"]).get(f"/t/{tenant.slug}/operator/offboarding/").status_code == 404
    )


def test_an_unknown_link_is_404():
    assert Client().get("/offboarding/not-a-valid-secret/").status_code == 404
    assert Client().get("/offboarding/not-a-valid-secret/archive/").status_code == 404
    assert Client().post("/offboarding/not-a-valid-secret/confirm/").status_code == 404
