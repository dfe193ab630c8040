"""The breach pages: the operator's register (404 for everyone but staff with the permission)
and the tenant's view with phases and the Art. 34 export (owners and privacy officers)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from deskwerk.audit.models import AuditEvent
from deskwerk.breaches.models import Breach, BreachNotice
from deskwerk.breaches.services import breach_follow_up, breach_notify, breach_update
from tests.api.conftest import session_client
from tests.breaches.kit import COMPLETE, record
from tests.conftest import PASSWORD, make_user
from tests.processor.kit import make_operator
from tests.web.booking_support import signed_in

pytestmark = pytest.mark.django_db

OPS = "/t/ops/operator/breaches"
ACME = "/t/acme/compliance/breaches"


@pytest.fixture
def ops():
    return make_operator()


def test_operator_pages_are_404_for_everyone_but_staff(ops, owner, member, tenant):
    operator_tenant, staff = ops
    breach = record(staff, [tenant])
    plain = make_user(operator_tenant, "plain@ops.test")
    paths = [f"{OPS}/", f"{OPS}/new/", f"{OPS}/{breach.pk}/"]
    for path in paths:
        assert signed_in(plain).get(path).status_code == 404, path
        assert signed_in(staff).get(path).status_code == 200, path
    # A customer's people meet no such page in their own tenant either.
    for user in (owner, member):
        response = signed_in(user).get(f"/t/acme/operator/breaches/{breach.pk}/")
        assert response.status_code == 404
        post = signed_in(user).post(f"/t/acme/operator/breaches/{breach.pk}/notify/")
        assert post.status_code == 404
    assert signed_in(plain).post(f"{OPS}/{breach.pk}/notify/").status_code == 404
    assert not BreachNotice.unscoped.exists()


def test_staff_record_a_draft_notify_follow_up_and_close(ops, tenant, other_tenant):
    operator_tenant, staff = ops
    client = signed_in(staff)
    page = client.get(f"{OPS}/new/").content.decode()
    # The operator tenant is never offered as an affected customer.
    assert f'name="tenants" value="{tenant.pk}"' in page
    assert f'name="tenants" value="{operator_tenant.pk}"' not in page
    known = timezone.localtime(timezone.now() - dt.timedelta(hours=2), dt.UTC)
    response = client.post(
        f"{OPS}/new/",
        {
            "kind": "suspected",
            "became_known_at": known.strftime("%Y-%m-%dT%H:%M"),
            "tenants": [tenant.pk],
            "nature": "Suspicious access to the booking database.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    breach = Breach.objects.get()
    assert breach.status == "draft"
    assert breach.kind == "suspected"
    listing = client.get(f"{OPS}/").content.decode()
    assert "data-deadline" in listing
    assert "h " in listing
    assert "Missing" in listing or "Fehlt" in listing or "Categories of data subjects" in listing

    client.post(f"{OPS}/{breach.pk}/notify/", {"note": "First information."})
    assert BreachNotice.unscoped.filter(breach=breach, phase=1).count() == 1
    data = {k: v for k, v in COMPLETE.items()}
    data |= {
        "kind": "breach",
        "became_known_at": known.strftime("%Y-%m-%dT%H:%M"),
        "tenants": [tenant.pk],
    }
    assert client.post(f"{OPS}/{breach.pk}/", data).status_code == 302
    client.post(f"{OPS}/{breach.pk}/follow-up/", {"note": ""})
    assert list(BreachNotice.unscoped.filter(breach=breach).values_list("phase", flat=True)) == [
        1,
        2,
    ]
    client.post(f"{OPS}/{breach.pk}/close/", {"note": "Contained."})
    breach.refresh_from_db()
    assert breach.status == "closed"


def test_bad_form_input_writes_nothing(ops, tenant):
    _, staff = ops
    client = signed_in(staff)
    future = timezone.now() + dt.timedelta(hours=3)
    for body in (
        {"kind": "breach", "became_known_at": "not a time", "tenants": [tenant.pk]},
        {
            "kind": "breach",
            "became_known_at": future.strftime("%Y-%m-%dT%H:%M"),
            "tenants": [tenant.pk],
        },
        {"kind": "breach", "became_known_at": "2026-01-01T10:00", "tenants": [999999]},
        {"kind": "breach", "became_known_at": "2026-01-01T10:00", "tenants": []},
        {"kind": "rumour", "became_known_at": "2026-01-01T10:00", "tenants": [tenant.pk]},
        {
            "kind": "breach",
            "became_known_at": "2026-01-01T10:00",
            "tenants": [tenant.pk],
            "records_approx": "many",
        },
    ):
        response = client.post(f"{OPS}/new/", body)
        assert response.status_code == 200, body
    assert not Breach.objects.exists()


def test_the_tenant_sees_every_phase_and_others_do_not(ops, tenant, owner, member, outsider):
    _, staff = ops
    breach = record(staff, [tenant], nature="Leak.")
    breach_notify(actor=staff, breach=breach)
    breach_update(actor=staff, breach=breach, data={"measures": "Keys rotated."})
    breach_follow_up(actor=staff, breach=breach)

    listing = signed_in(owner).get(f"{ACME}/")
    assert listing.status_code == 200
    assert f"{ACME}/{breach.pk}/" in listing.content.decode()
    detail = signed_in(owner).get(f"{ACME}/{breach.pk}/").content.decode()
    assert "Keys rotated." in detail
    assert "Leak." in detail
    assert signed_in(member).get(f"{ACME}/").status_code == 403
    assert signed_in(member).get(f"{ACME}/{breach.pk}/").status_code == 403
    # The outsider's tenant is not concerned: the breach does not exist there.
    assert signed_in(outsider).get(f"/t/globex/compliance/breaches/{breach.pk}/").status_code == 404
    # Operator staff never reach a tenant's people (their own tenant is not concerned).
    export = signed_in(staff).post(f"/t/ops/compliance/breaches/{breach.pk}/export/")
    assert export.status_code == 404


def test_the_export_asks_for_re_authentication_then_is_audited(ops, tenant, owner, member):
    _, staff = ops
    breach = record(staff, [tenant])
    client = session_client(owner, csrf=False)

    first = client.post(f"{ACME}/{breach.pk}/export/", {"audience": "active"})
    assert first.status_code == 302
    assert first["Location"].startswith("/t/acme/accounts/reauthenticate/?next=")
    assert not AuditEvent.unscoped.filter(action="breach.art34_export").exists()

    again = client.post(
        "/api/v1/me/reauthenticate",
        json.dumps({"password": PASSWORD}),
        content_type="application/json",
    )
    assert again.status_code == 204
    response = client.post(f"{ACME}/{breach.pk}/export/", {"audience": "active"})
    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert lines[0] == "name,email,language"
    assert {line.split(",")[1] for line in lines[1:]} == {owner.email, member.email}
    assert AuditEvent.unscoped.filter(tenant=tenant, action="breach.art34_export").count() == 1
    bad = client.post(f"{ACME}/{breach.pk}/export/", {"audience": "period"})
    assert bad.status_code == 422
    assert AuditEvent.unscoped.filter(tenant=tenant, action="breach.art34_export").count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(ops, tenant):
    response = Client().get(f"{ACME}/")
    assert response.status_code == 302
