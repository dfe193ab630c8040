"""The operator console in the operator tenant's web: tenants' metadata and lifecycle,
subprocessors and objections, notices — 404 for everyone who is not operator staff."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from deskwerk.processor.models import Notice, Objection, Subprocessor
from deskwerk.processor.services import OBJECTION_WINDOW
from deskwerk.tenancy.models import Tenant
from deskwerk.websessions.models import WebSession
from tests.conftest import make_user
from tests.processor.kit import make_operator, planned
from tests.web.booking_support import signed_in

pytestmark = pytest.mark.django_db
OPS = "/t/ops/operator"


@pytest.fixture
def operator():
    return make_operator()


@pytest.fixture
def staff(operator):
    return signed_in(operator[1])


def console_pages(tenant) -> list[str]:
    return [
        f"{OPS}/",
        f"{OPS}/tenants/{tenant.pk}/status/suspended/",
        f"{OPS}/subprocessors/",
        f"{OPS}/notices/",
    ]


def test_staff_see_every_page_with_metadata_only(operator, staff, tenant, owner, member):
    for path in console_pages(tenant):
        assert staff.get(path).status_code == 200, path
    html = staff.get(f"{OPS}/").content.decode()
    assert "ACME GmbH" in html
    assert "acme" in html
    # Never a person of a tenant: neither names nor addresses.
    assert owner.email not in html
    assert member.email not in html
    assert "Operator console" in html  # the frame's entry for staff


def test_everyone_else_gets_404(operator, tenant, owner, member):
    plain = make_user(operator[0], "plain@ops.test")
    for user in (plain, owner, member):
        client = signed_in(user)
        slug = user.tenant.slug
        for path in console_pages(tenant):
            path = path.replace("/t/ops/", f"/t/{slug}/")
            assert client.get(path).status_code == 404, (user.email, path)
        assert (
            client.post(f"/t/{slug}/operator/tenants/{tenant.pk}/status/suspended/").status_code
            == 404
        )
    assert Tenant.objects.get(pk=tenant.pk).status == tenant.status
    # A customer's owner has no console entry in the frame.
    assert "Operator console" not in signed_in(owner).get("/t/acme/").content.decode()


def test_a_lifecycle_step_is_confirmed_first_then_done(operator, staff, tenant, member):
    member_client = signed_in(member)
    assert member_client.get("/t/acme/").status_code == 200
    confirm = staff.get(f"{OPS}/tenants/{tenant.pk}/status/suspended/")
    assert "Every session of the tenant ends at once" in confirm.content.decode()
    assert Tenant.objects.get(pk=tenant.pk).status == tenant.status  # nothing happened yet
    response = staff.post(f"{OPS}/tenants/{tenant.pk}/status/suspended/")
    assert response.status_code == 302
    assert Tenant.objects.get(pk=tenant.pk).status == "suspended"
    assert not WebSession.objects.filter(user=member).exists()
    assert "ACME GmbH is suspended now." in staff.get(f"{OPS}/").content.decode()
    staff.post(f"{OPS}/tenants/{tenant.pk}/status/active/")
    assert Tenant.objects.get(pk=tenant.pk).status == "active"
    staff.post(f"{OPS}/tenants/{tenant.pk}/status/terminated/")
    assert Tenant.objects.get(pk=tenant.pk).status == "terminated"
    # Termination is final: the page says so and the step is refused.
    assert "not possible" in staff.get(f"{OPS}/tenants/{tenant.pk}/status/active/").content.decode()
    staff.post(f"{OPS}/tenants/{tenant.pk}/status/active/")
    assert Tenant.objects.get(pk=tenant.pk).status == "terminated"


def test_the_operator_tenant_is_protected(operator, staff):
    ops = operator[0]
    html = staff.get(f"{OPS}/").content.decode()
    assert "protected" in html
    staff.post(f"{OPS}/tenants/{ops.pk}/status/suspended/")
    assert Tenant.objects.get(pk=ops.pk).status == ops.status
    page = staff.get(f"{OPS}/").content.decode()
    assert "The operator tenant cannot be suspended or terminated." in page


def test_unknown_tenants_and_statuses_are_404(staff):
    assert staff.get(f"{OPS}/tenants/999999/status/suspended/").status_code == 404
    assert staff.get(f"{OPS}/tenants/1/status/deleted/").status_code == 404


def test_announce_object_resolve_and_activate_through_the_pages(operator, staff, tenant, owner):
    start = dt.datetime(2026, 5, 4, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        response = staff.post(
            f"{OPS}/subprocessors/announce/",
            {"name": "Nordlicht AB", "address": "Gatan 1, Stockholm", "country": "SE",
             "service": "Backups"},
        )  # fmt: skip
        assert response.status_code == 302
        sub = Subprocessor.objects.get(name="Nordlicht AB")
        assert sub.status == "planned"
        assert Notice.unscoped.filter(tenant=tenant, template="subprocessor_announced").exists()
        signed_in(owner).post(
            f"/t/acme/compliance/subprocessors/{sub.pk}/object/", {"reason": "Sweden?"}
        )
        objection = Objection.unscoped.get(subprocessor=sub)
        page = staff.get(f"{OPS}/subprocessors/").content.decode()
        assert "Sweden?" in page
        assert "ACME GmbH" in page
        assert owner.email not in page
        # Too early: refused with the reason.
        staff.post(f"{OPS}/subprocessors/{sub.pk}/activate/")
        assert Subprocessor.objects.get(pk=sub.pk).status == "planned"
    with time_machine.travel(start + OBJECTION_WINDOW, tick=False):
        staff.post(f"{OPS}/subprocessors/activate-due/")
        assert Subprocessor.objects.get(pk=sub.pk).status == "planned"  # objection open
        staff.post(f"{OPS}/objections/{objection.pk}/resolve/", {"resolution": "EU/EEA: fine."})
        assert Objection.unscoped.get(pk=objection.pk).resolution == "EU/EEA: fine."
        staff.post(f"{OPS}/subprocessors/activate-due/")
        assert Subprocessor.objects.get(pk=sub.pk).status == "active"


def test_announcing_outside_the_eea_is_refused_on_the_page(operator, staff):
    response = staff.post(
        f"{OPS}/subprocessors/announce/",
        {"name": "Far Inc", "address": "1 Main St", "country": "US", "service": "x"},
    )
    assert response.status_code == 422
    assert "EU/EEA only" in response.content.decode()
    assert not Subprocessor.objects.filter(name="Far Inc").exists()


def test_withdraw_through_the_page(operator, staff):
    sub = planned("Weg GmbH")
    staff.post(f"{OPS}/subprocessors/{sub.pk}/withdraw/", {"note": "not needed"})
    assert Subprocessor.objects.get(pk=sub.pk).status == "withdrawn"
    assert staff.post(f"{OPS}/subprocessors/999999/withdraw/").status_code == 404
    assert staff.post(f"{OPS}/objections/999999/resolve/", {"resolution": "x"}).status_code == 404


def test_the_operator_notices_are_the_operator_tenants(operator, staff, tenant):
    Notice.unscoped.create(tenant=operator[0], template="t", subject="An die Betreiber", body="…")
    Notice.unscoped.create(tenant=tenant, template="t", subject="To ACME only", body="…")
    html = staff.get(f"{OPS}/notices/").content.decode()
    assert "An die Betreiber" in html
    assert "To ACME only" not in html


def test_anonymous_visitors_are_sent_to_sign_in(operator):
    response = Client().get(f"{OPS}/")
    assert response.status_code == 302
