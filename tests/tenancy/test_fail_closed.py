"""Tenancy is fail-closed: no bound tenant, no data; another tenant's data, never."""

from __future__ import annotations

import pytest
from django.test import Client

from deskwerk.accounts.models import User
from deskwerk.bookings.models import Booking
from deskwerk.bookings.services import booking_create
from deskwerk.spaces.models import Resource
from deskwerk.tenancy.context import TenantNotBound, current_tenant_or_none, tenant_context
from deskwerk.tenancy.models import Tenant
from deskwerk.tenancy.services import tenant_set_status
from tests.conftest import PASSWORD, make_user

TENANT_OWNED = [Resource, Booking, User]


@pytest.mark.parametrize("model", TENANT_OWNED)
def test_it_refuses_to_query_without_a_bound_tenant(db, model):
    with pytest.raises(TenantNotBound):
        list(model.objects.all())


def test_it_shows_only_the_bound_tenants_rows(site, other_site, tenant, other_tenant):
    with tenant_context(tenant):
        names = {r.pk for r in Resource.objects.all()}
    with tenant_context(other_tenant):
        other_names = {r.pk for r in Resource.objects.all()}
    assert names == {r.pk for r in [*site.desks, site.room]}
    assert names.isdisjoint(other_names)


def test_services_refuse_an_actor_of_another_tenant_than_the_bound_one(
    tenant, other_tenant, member, site
):
    from tests.conftest import future

    with tenant_context(other_tenant), pytest.raises(TenantNotBound):
        booking_create(
            actor=member, resource=site.desks[0], starts_at=future(1, 9), ends_at=future(1, 10)
        )


def test_it_unbinds_the_tenant_after_each_request(api_member, site):
    response = api_member.get(f"/floors/{site.floor.pk}")
    assert response.status_code == 200
    assert current_tenant_or_none() is None


def test_the_same_email_in_two_tenants_is_two_unrelated_accounts(tenant, other_tenant):
    a = make_user(tenant, "same@example.test")
    b = make_user(other_tenant, "same@example.test")
    assert a.pk != b.pk
    client = Client()
    response = client.post("/t/acme/login/", {"email": "SAME@example.test", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(a.pk)
    # The acme session means nothing on globex: sent to globex's login page.
    response = client.get("/t/globex/")
    assert response.status_code == 302
    assert response["Location"].startswith("/t/globex/login/")


def test_login_with_a_wrong_password_is_refused(member):
    response = Client().post("/t/acme/login/", {"email": member.email, "password": "wrong" * 4})
    assert response.status_code == 401
    assert "_auth_user_id" not in Client().session


def test_a_deactivated_person_cannot_log_in_or_use_tokens(member, api_member):
    User.unscoped.filter(pk=member.pk).update(is_active=False)
    response = Client().post("/t/acme/login/", {"email": member.email, "password": PASSWORD})
    assert response.status_code == 401
    assert api_member.get("/me").status_code == 401


@pytest.mark.parametrize("status", [Tenant.Status.SUSPENDED, Tenant.Status.TERMINATED])
def test_an_inactive_tenant_gets_no_access(tenant, member, api_member, status):
    client = Client()
    client.force_login(member)
    assert client.get("/t/acme/").status_code == 200
    tenant_set_status(tenant=tenant, status=status)
    # Web pages of the tenant are gone, the session ends, the token stops working.
    assert client.get("/t/acme/").status_code == 404
    assert client.get("/api/v1/me").status_code == 401
    assert api_member.get("/me").status_code == 401
    response = Client().post("/t/acme/login/", {"email": member.email, "password": PASSWORD})
    assert response.status_code == 404


def test_unknown_tenants_are_not_found(db):
    assert Client().get("/t/nobody/login/").status_code == 404
