"""The operator tenant: its staff manage tenants' lifecycle and see no tenant personal data."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from deskwerk.access.models import RoleGrant
from deskwerk.access.roles import has_permission, role_grant
from deskwerk.accounts.models import User
from deskwerk.audit.models import AuditEvent
from deskwerk.core.errors import InvalidInput
from deskwerk.tenancy.context import tenant_context
from deskwerk.tenancy.models import Tenant
from deskwerk.websessions.models import WebSession
from tests.api.conftest import assert_problem, snapshot
from tests.conftest import PASSWORD, Api
from tests.processor.kit import make_operator

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():
    return make_operator()


@pytest.fixture
def staff_api(operator):
    return Api(operator[1])


def test_it_creates_the_operator_tenant_and_its_first_staff_account(capsys):
    call_command(
        "operator", "init", "--slug", "betrieb", "--name", "Betrieb", "--email", "a@ops.test"
    )

    out = capsys.readouterr().out
    tenant = Tenant.objects.get(slug="betrieb")
    staff = User.unscoped.get(tenant=tenant)
    assert tenant.kind == "operator"
    assert tenant.is_operator
    assert "password " in out  # generated, shown once
    assert has_permission(staff, "operator.tenants")
    assert has_permission(staff, "operator.subprocessors")
    with pytest.raises(CommandError, match="operator_exists"):
        call_command("operator", "init", "--slug", "other", "--name", "X", "--email", "b@x.test")
    assert not Tenant.objects.filter(slug="other").exists()


def test_operator_staff_sign_in_to_their_own_tenant(operator):
    tenant, staff = operator
    client = Client()
    client.get(f"/t/{tenant.slug}/login/")

    response = client.post(f"/t/{tenant.slug}/login/", {"email": staff.email, "password": PASSWORD})

    assert response.status_code == 302
    assert client.get("/api/v1/operator/tenants").status_code == 200


def test_staff_see_tenant_metadata_and_counts_but_no_personal_data(
    staff_api, tenant, owner, member, site
):
    response = staff_api.get("/operator/tenants")

    assert response.status_code == 200
    acme = next(t for t in response.data["items"] if t["slug"] == "acme")
    assert acme == {
        "id": tenant.pk,
        "name": "ACME GmbH",
        "slug": "acme",
        "kind": "customer",
        "status": "active",
        "created_at": acme["created_at"],
        "people": 2,
        "resources": 4,
        "authorised_persons": 0,
        "open_objections": 0,
    }
    text = response.content.decode()
    for personal in (owner.email, member.email, member.full_name):
        assert personal not in text


@pytest.mark.parametrize(
    "path",
    ["/people/{member}", "/people/{member}/roles", "/people/{member}/sessions", "/bookings/{b}"],
)
def test_staff_get_404_on_the_tenants_data(path, staff_api, member, site):
    from tests.conftest import future

    with tenant_context(member.tenant):
        from deskwerk.bookings.services import booking_create

        booking = booking_create(
            actor=member, resource=site.desks[0], starts_at=future(1, 9), ends_at=future(1, 10)
        )

    response = staff_api.get(path.format(member=member.pk, b=booking.pk))

    assert_problem(response, 404, "not_found")


def test_staff_lists_only_show_the_operator_tenants_own_rows(staff_api, member, site):
    assert staff_api.get("/resources").data["items"] == []
    assert staff_api.get("/bookings").data["items"] == []
    assert all(e["actor_id"] != member.pk for e in staff_api.get("/audit-events").data["items"])


def test_an_operator_role_in_a_customer_tenant_gives_nothing(owner, api_owner, member):
    with tenant_context(owner.tenant), pytest.raises(InvalidInput) as refused:
        role_grant(actor=owner, person=member, role="operator_admin")
    assert refused.value.code == "invalid_role"
    # Even a grant written past the service counts for nothing outside the operator tenant.
    RoleGrant.unscoped.create(
        tenant=owner.tenant, user=owner, role="operator_admin", state="active"
    )

    assert not has_permission(User.unscoped.get(pk=owner.pk), "operator.tenants")
    assert_problem(api_owner.get("/operator/tenants"), 404, "not_found")


def test_suspension_ends_sessions_and_tokens_at_once_and_is_audited_in_both_tenants(
    operator, staff_api, tenant, member, api_member
):
    ops, staff = operator
    Client().force_login(member)
    assert WebSession.objects.filter(tenant=tenant).exists()

    response = staff_api.post(f"/operator/tenants/{tenant.pk}/status", {"status": "suspended"})

    assert response.status_code == 200, response.data
    assert response.data["status"] == "suspended"
    assert not WebSession.objects.filter(tenant=tenant).exists()
    assert_problem(api_member.get("/me"), 401, "not_authenticated")
    in_tenant = AuditEvent.unscoped.get(tenant=tenant, action="tenant.status")
    assert (in_tenant.actor_id, in_tenant.actor_label) == (staff.pk, f"operator account {staff.pk}")
    assert AuditEvent.unscoped.filter(
        tenant=ops, action="operator.tenant_status", object_id=str(tenant.pk), actor_id=staff.pk
    ).exists()

    back = staff_api.post(f"/operator/tenants/{tenant.pk}/status", {"status": "active"})
    assert back.status_code == 200
    assert api_member.get("/me").status_code == 200


def test_a_trial_tenant_is_live(staff_api, other_tenant, api_outsider):
    # Lifecycle: suspended -> trial -> active.
    base = f"/operator/tenants/{other_tenant.pk}/status"
    assert staff_api.post(base, {"status": "suspended"}).status_code == 200
    assert staff_api.post(base, {"status": "trial"}).data["status"] == "trial"

    assert api_outsider.get("/me").status_code == 200
    assert Client().get(f"/t/{other_tenant.slug}/login/").status_code == 200
    assert staff_api.post(base, {"status": "active"}).data["status"] == "active"


def test_termination_is_final(staff_api, tenant):
    base = f"/operator/tenants/{tenant.pk}/status"
    assert staff_api.post(base, {"status": "terminated"}).status_code == 200
    before = snapshot()

    assert_problem(staff_api.post(base, {"status": "active"}), 409, "invalid_transition")
    assert snapshot() == before


def test_the_operator_tenant_cannot_be_suspended_or_terminated(operator, staff_api):
    ops, _ = operator
    before = snapshot()
    for status in ("suspended", "terminated"):
        response = staff_api.post(f"/operator/tenants/{ops.pk}/status", {"status": status})
        body = assert_problem(response, 409, "operator_tenant_protected")
        assert "operator tenant" in body["detail"]
    assert snapshot() == before
    with pytest.raises(CommandError, match="operator_tenant_protected"):
        call_command("tenant", "terminate", ops.slug)
    ops.refresh_from_db()
    assert ops.status == "active"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"status": "deleted"}, "invalid_status"),
        ({"status": ""}, "invalid_status"),
        ({"status": "x" * 21}, "validation_error"),
        ({"status": "active", "extra": 1}, "validation_error"),
    ],
)
def test_bad_status_input_is_refused_and_writes_nothing(staff_api, tenant, body, code):
    before = snapshot()

    response = staff_api.post(f"/operator/tenants/{tenant.pk}/status", body)

    assert_problem(response, 422, code)
    assert snapshot() == before


def test_unknown_tenant_is_404(staff_api):
    assert_problem(staff_api.get("/operator/tenants/999999"), 404, "not_found")


def test_operator_accounts_without_the_role_get_404(operator, tenant):
    from tests.conftest import make_user

    plain = Api(make_user(operator[0], "plain@ops.test"))
    before = snapshot()

    for response in (
        plain.get("/operator/tenants"),
        plain.post(f"/operator/tenants/{tenant.pk}/status", {"status": "suspended"}),
        plain.get("/operator/objections"),
    ):
        assert_problem(response, 404, "not_found")
    assert snapshot() == before
    tenant.refresh_from_db()
    assert tenant.status == "active"


def test_a_staff_token_without_the_operator_scope_is_refused(operator, tenant):
    limited = Api(operator[1], scopes=["bookings:read"])

    response = limited.post(f"/operator/tenants/{tenant.pk}/status", {"status": "suspended"})

    assert_problem(response, 403, "insufficient_scope")
    tenant.refresh_from_db()
    assert tenant.status == "active"
    assert json.loads(response.content)["code"] == "insufficient_scope"
