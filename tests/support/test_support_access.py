"""Support access only on instruction (DPA § 7 (1)): the tenant grants named operator staff
time-boxed access; with it they use the tenant's own API under a restricted role, every request
audited; without it the tenant does not exist for them."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from deskwerk.audit.models import AuditEvent
from deskwerk.bookings.models import Booking
from deskwerk.support.models import SupportGrant
from deskwerk.support.services import support_grants_expire
from deskwerk.support.tasks import support_grants_expire_periodic
from tests.api.conftest import assert_problem, snapshot
from tests.conftest import Api, future, make_user
from tests.processor.kit import make_operator
from tests.support.kit import make_grant

pytestmark = pytest.mark.django_db

HEADER = "X-Deskwerk-Support-Tenant"
START = dt.datetime(2026, 5, 4, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def operator():
    """(operator tenant, staff member, their API client)."""
    tenant, staff = make_operator()
    return tenant, staff, Api(staff)


@pytest.fixture
def staff(operator):
    return operator[1]


@pytest.fixture
def staff_api(operator):
    return operator[2]


class Support:
    """Requests of a staff member under the support header of ``slug``."""

    def __init__(self, api: Api, slug: str = "acme") -> None:
        self.client = api.client
        self.headers = {HEADER: slug}

    def get(self, path: str, **params):
        return _wrap(self.client.get("/api/v1" + path, params, headers=self.headers))

    def send(self, method: str, path: str, body=None):
        return _wrap(
            self.client.generic(
                method,
                "/api/v1" + path,
                json.dumps(body if body is not None else {}),
                content_type="application/json",
                headers=self.headers,
            )
        )


def _wrap(response):
    response.data = json.loads(response.content) if response.content else None
    return response


def data(tenant):
    """The tenant's rows apart from its audit log (where support requests are recorded)."""
    rows = snapshot(tenant)
    rows.pop("audit.AuditEvent")
    return rows


def support_rows(tenant, action="support.request"):
    return list(AuditEvent.unscoped.filter(tenant=tenant, action=action).order_by("id"))


def grant_body(staff, **extra):
    return {
        "staff_ids": [staff.pk],
        "purpose": "Ticket 4711: a booking cannot be cancelled",
        "ends_at": (timezone.now() + dt.timedelta(days=2)).isoformat(),
        **extra,
    }


# --- granting ------------------------------------------------------------------------------------


def test_the_owner_grants_and_the_operator_is_notified_over_smtp(
    tenant, owner, api_owner, staff, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.OPERATOR_EMAIL = "dpa@operator.test"
    server = smtp_server("none")

    with django_capture_on_commit_callbacks(execute=True):
        response = api_owner.post("/processor/support-grants", grant_body(staff, level="read"))

    assert response.status_code == 201, response.data
    assert response.data["state"] == "active"
    assert response.data["staff"] == [
        {"id": staff.pk, "name": "Olga Operator", "email": "staff@ops.test"}
    ]
    grant = SupportGrant.unscoped.get(pk=response.data["id"])
    assert grant.tenant_id == tenant.pk
    assert grant.granted_by_id == owner.pk
    event = AuditEvent.unscoped.get(tenant=tenant, action="support.grant")
    assert (event.actor_id, event.object_id) == (owner.pk, str(grant.pk))
    [mail] = server.received
    assert mail.rcpt_tos == ["dpa@operator.test"]
    # The operator tenant is in Berlin: its notices are in German.
    assert mail.message["Subject"].strip().startswith("Supportzugriff von ACME GmbH bis ")
    text = mail.message.get_body(preferencelist=("plain",)).get_content()
    assert "Zweck: Ticket 4711: a booking cannot be cancelled" in text
    assert "Zugriff: nur lesen" in text
    assert "X-Deskwerk-Support-Tenant: acme" in text
    assert f"Olga Operator (Betreiberkonto {staff.pk})" in text


def test_the_list_names_the_operator_staff_to_choose_from(api_owner, staff):
    data = api_owner.get("/processor/support-grants").data

    assert data["items"] == []
    assert [s["id"] for s in data["staff_available"]] == [staff.pk]


def test_longer_than_seven_days_is_refused_and_nothing_written(api_owner, staff):
    before = snapshot()
    body = grant_body(staff, ends_at=(timezone.now() + dt.timedelta(days=7, minutes=1)).isoformat())

    assert_problem(api_owner.post("/processor/support-grants", body), 422, "grant_too_long")
    assert snapshot() == before


def test_exactly_seven_days_is_allowed(api_owner, staff, time_machine):
    time_machine.move_to(START, tick=False)
    body = grant_body(staff, ends_at=(START + dt.timedelta(days=7)).isoformat())

    assert api_owner.post("/processor/support-grants", body).status_code == 201


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"purpose": "   "}, "purpose_required"),
        ({"ends_at": "2020-01-01T00:00:00+00:00"}, "end_in_past"),
        ({"ends_at": "2030-01-01T00:00:00"}, "validation_error"),  # naive
        ({"level": "admin"}, "validation_error"),
        ({"staff_ids": []}, "validation_error"),
        ({"staff_ids": ["x"]}, "validation_error"),
    ],
)
def test_bad_input_is_refused_with_a_stable_code(api_owner, staff, change, code):
    before = snapshot()

    response = api_owner.post("/processor/support-grants", {**grant_body(staff), **change})

    assert_problem(response, 422, code)
    assert snapshot() == before


def test_naming_anyone_but_operator_staff_is_refused(tenant, api_owner, owner, member, operator):
    plain = make_user(operator[0], "plain@ops.test")  # operator tenant, but no operator role
    before = snapshot()

    for person in (member, owner, plain):
        response = api_owner.post("/processor/support-grants", grant_body(person))
        assert_problem(response, 422, "not_operator_staff")
    assert_problem(
        api_owner.post("/processor/support-grants", grant_body(operator[1], staff_ids=[10**9])),
        422,
        "not_operator_staff",
    )
    assert snapshot() == before


def test_a_member_cannot_grant_or_see_grants(tenant, owner, api_member, staff):
    make_grant(tenant, staff, granted_by=owner)
    before = snapshot()

    assert_problem(
        api_member.post("/processor/support-grants", grant_body(staff)), 403, "permission_denied"
    )
    assert_problem(api_member.get("/processor/support-grants"), 403, "permission_denied")
    assert snapshot() == before


def test_an_outsider_sees_no_grant_of_the_tenant(tenant, owner, api_outsider, staff):
    grant = make_grant(tenant, staff, granted_by=owner)

    assert api_outsider.get("/processor/support-grants").data["items"] == []
    response = api_outsider.post(f"/processor/support-grants/{grant.pk}/revoke")
    assert_problem(response, 404, "not_found")
    assert SupportGrant.unscoped.get(pk=grant.pk).revoked_at is None


# --- using a grant -------------------------------------------------------------------------------


def test_without_a_grant_the_tenant_does_not_exist_for_staff(tenant, site, staff_api, operator):
    support = Support(staff_api)
    before = data(tenant)

    for path in ("/resources", f"/resources/{site.desks[0].pk}", "/locations"):
        assert_problem(support.get(path), 404, "not_found")
    assert_problem(support.send("POST", "/amenities", {"code": "x", "name": "X"}), 404, "not_found")
    assert_problem(Support(staff_api, "no-such-tenant").get("/resources"), 404, "not_found")
    assert data(tenant) == before
    # The attempts are in the operator's own log, none in the tenant's.
    assert support_rows(tenant) == []
    assert len(support_rows(operator[0], "support.denied")) == 5


def test_a_grant_of_another_staff_member_does_not_count(tenant, owner, site, operator):
    other = make_user(operator[0], "other@ops.test")
    from deskwerk.access.models import RoleGrant

    RoleGrant.unscoped.create(tenant=operator[0], user=other, role="operator_admin", state="active")
    make_grant(tenant, other, granted_by=owner)

    assert_problem(Support(operator[2]).get("/resources"), 404, "not_found")


def test_tenant_people_cannot_use_the_header(
    tenant, other_tenant, owner, site, api_outsider, staff
):
    make_grant(tenant, staff, granted_by=owner)

    # An administrator of another tenant, and a person of the tenant itself.
    assert_problem(Support(api_outsider).get("/resources"), 404, "not_found")
    assert_problem(Support(Api(owner)).get("/resources"), 404, "not_found")


def test_a_read_grant_reads_and_every_request_is_audited(
    tenant, owner, member, site, staff_api, staff
):
    grant = make_grant(tenant, staff, granted_by=owner)
    from deskwerk.bookings.services import booking_create
    from deskwerk.tenancy.context import tenant_context

    with tenant_context(tenant):
        booking = booking_create(
            actor=member, resource=site.desks[0], starts_at=future(2, 9), ends_at=future(2, 12)
        )
    support = Support(staff_api)

    resources = support.get("/resources")
    one = support.get(f"/bookings/{booking.pk}")

    assert resources.status_code == 200
    assert {r["id"] for r in resources.data["items"]} == {r.pk for r in [*site.desks, site.room]}
    assert one.status_code == 200
    assert one.data["booked_for_id"] == member.pk
    rows = support_rows(tenant)
    assert [r.changed_fields for r in rows] == [
        ["method=GET", "path=/api/v1/resources", "status=200"],
        ["method=GET", f"path=/api/v1/bookings/{booking.pk}", "status=200"],
    ]
    assert {(r.actor_id, r.actor_label, r.object_type, r.object_id) for r in rows} == {
        (staff.pk, f"operator account {staff.pk}", "support.supportgrant", str(grant.pk))
    }
    assert all(r.request_id for r in rows)


def test_a_read_grant_refuses_writes_and_audits_the_refusal(tenant, owner, site, staff_api, staff):
    make_grant(tenant, staff, granted_by=owner)
    before = Booking.unscoped.count()
    body = {
        "resource_id": site.desks[1].pk,
        "starts_at": future(3, 9).isoformat(),
        "ends_at": future(3, 12).isoformat(),
        "booked_for_id": None,
    }

    response = Support(staff_api).send("POST", "/bookings", body)

    assert_problem(response, 403, "support_read_only")
    assert Booking.unscoped.count() == before
    [row] = support_rows(tenant)
    assert row.changed_fields == ["method=POST", "path=/api/v1/bookings", "status=403"]


def test_a_read_write_grant_books_for_a_person_audited_as_the_operator(
    tenant, owner, member, site, staff_api, staff
):
    grant = make_grant(tenant, staff, level="read_write", granted_by=owner)
    body = {
        "resource_id": site.desks[1].pk,
        "starts_at": future(3, 9).isoformat(),
        "ends_at": future(3, 12).isoformat(),
        "booked_for_id": member.pk,
        "note": "fixed by support",
    }

    response = Support(staff_api).send("POST", "/bookings", body)

    assert response.status_code == 201, response.data
    booking = Booking.unscoped.get(pk=response.data["id"])
    assert (booking.tenant_id, booking.booked_for_id, booking.booked_by_id) == (
        tenant.pk,
        member.pk,
        None,
    )
    created = AuditEvent.unscoped.get(tenant=tenant, action="booking.create")
    assert (created.actor_id, created.actor_label) == (staff.pk, f"operator account {staff.pk}")
    [row] = support_rows(tenant)
    assert row.changed_fields == ["method=POST", "path=/api/v1/bookings", "status=201"]
    assert row.object_id == str(grant.pk)
    # And a change of a space, also under the grant.
    renamed = Support(staff_api).send("PATCH", f"/resources/{site.desks[2].pk}", {"name": "D3a"})
    assert renamed.status_code == 200
    assert renamed.data["name"] == "D3a"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/me"),
        ("GET", "/bookings"),  # "my bookings": support is nobody's
        ("GET", "/audit-events"),
        ("GET", "/audit-events/export"),
        ("GET", "/roles/report"),
        ("POST", "/people/{member}/roles"),
        ("GET", "/tokens"),
        ("POST", "/service-tokens"),
        ("GET", "/processor/support-grants"),
        ("POST", "/processor/support-grants"),
        ("PATCH", "/tenant/privacy-settings"),
        ("GET", "/privacy/requests"),
        ("GET", "/people/{member}"),
        ("GET", "/sessions"),
        ("GET", "/floors/{floor}/availability"),
    ],
)
def test_a_read_write_grant_never_reaches_roles_tokens_grants_exports_or_settings(
    tenant, owner, member, site, staff_api, staff, method, path
):
    make_grant(tenant, staff, level="read_write", granted_by=owner)
    before = data(tenant)
    path = path.format(member=member.pk, floor=site.floor.pk)

    response = Support(staff_api).send(method, path, {"role": "owner", "name": "x"})

    assert_problem(response, 403, "support_not_allowed")
    assert data(tenant) == before
    [row] = support_rows(tenant)
    assert row.changed_fields[2] == "status=403"


def test_a_session_of_staff_works_too_with_csrf(tenant, owner, site, staff):
    make_grant(tenant, staff, granted_by=owner)
    client = Client()
    client.force_login(staff)

    response = client.get("/api/v1/resources", headers={HEADER: "acme"})

    assert response.status_code == 200
    assert len(support_rows(tenant)) == 1


def test_staff_without_the_header_stay_in_their_own_tenant(tenant, owner, site, staff_api, staff):
    make_grant(tenant, staff, granted_by=owner)

    assert staff_api.get("/resources").data["items"] == []  # the operator tenant has none
    assert support_rows(tenant) == []


def test_staff_see_the_grants_naming_them_across_tenants(
    tenant, other_tenant, owner, outsider, staff_api, staff, operator
):
    ours = make_grant(tenant, staff, granted_by=owner)
    theirs = make_grant(other_tenant, staff, level="read_write", granted_by=outsider)
    other = make_user(operator[0], "other@ops.test")
    make_grant(tenant, other, granted_by=owner)

    items = staff_api.get("/operator/support-grants").data["items"]

    assert {(i["id"], i["tenant_slug"], i["level"], i["state"]) for i in items} == {
        (ours.pk, "acme", "read", "active"),
        (theirs.pk, "globex", "read_write", "active"),
    }
    assert set(items[0]) == {
        "id", "tenant_name", "tenant_slug", "purpose", "level", "state", "starts_at", "ends_at"
    }  # fmt: skip


# --- the end of a grant --------------------------------------------------------------------------


def test_a_grant_works_until_one_second_before_its_end_and_not_at_it(
    tenant, owner, api_owner, site, staff_api, staff, time_machine
):
    time_machine.move_to(START, tick=False)
    end = START + dt.timedelta(days=1)
    response = api_owner.post(
        "/processor/support-grants", grant_body(staff, ends_at=end.isoformat())
    )
    assert response.status_code == 201
    support = Support(staff_api)

    time_machine.move_to(end - dt.timedelta(seconds=1), tick=False)
    assert support.get("/resources").status_code == 200

    time_machine.move_to(end, tick=False)
    assert_problem(support.get("/resources"), 404, "not_found")
    assert api_owner.get("/processor/support-grants").data["items"][0]["state"] == "expired"


def test_the_worker_records_expiry_once_and_audits_it(tenant, owner, staff, time_machine):
    time_machine.move_to(START, tick=False)
    grant = make_grant(tenant, staff, granted_by=owner, hours=2)
    kept = make_grant(tenant, staff, granted_by=owner, hours=5)

    time_machine.move_to(START + dt.timedelta(hours=1), tick=False)
    assert support_grants_expire() == 0

    time_machine.move_to(START + dt.timedelta(hours=3), tick=False)
    support_grants_expire_periodic()  # the periodic task (Huey runs it immediately in tests)
    assert support_grants_expire() == 0  # once only

    assert SupportGrant.unscoped.get(pk=grant.pk).expired_at == START + dt.timedelta(hours=3)
    assert SupportGrant.unscoped.get(pk=kept.pk).expired_at is None
    [event] = AuditEvent.unscoped.filter(tenant=tenant, action="support.grant_expired")
    assert (event.actor_id, event.object_id) == (None, str(grant.pk))


def test_revocation_ends_access_at_once_and_notifies_the_operator(
    tenant, owner, api_owner, site, staff_api, staff, smtp_server, settings,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    settings.OPERATOR_EMAIL = "dpa@operator.test"
    grant = make_grant(tenant, staff, granted_by=owner)
    support = Support(staff_api)
    assert support.get("/resources").status_code == 200
    server = smtp_server("none")

    with django_capture_on_commit_callbacks(execute=True):
        response = api_owner.post(f"/processor/support-grants/{grant.pk}/revoke")

    assert response.status_code == 200
    assert response.data["state"] == "revoked"
    assert response.data["revoked_by_id"] == owner.pk
    assert_problem(support.get("/resources"), 404, "not_found")
    assert AuditEvent.unscoped.filter(tenant=tenant, action="support.revoke").count() == 1
    [mail] = server.received
    assert mail.message["Subject"].strip() == "Supportzugriff von ACME GmbH widerrufen"
    # Twice is a conflict, as is revoking an expired grant.
    assert_problem(
        api_owner.post(f"/processor/support-grants/{grant.pk}/revoke"), 409, "grant_revoked"
    )
    old = make_grant(tenant, staff, granted_by=owner, hours=-1)
    assert_problem(
        api_owner.post(f"/processor/support-grants/{old.pk}/revoke"), 409, "grant_expired"
    )


def test_staff_losing_their_operator_role_lose_the_access(tenant, owner, site, staff_api, staff):
    from deskwerk.access.models import RoleGrant

    make_grant(tenant, staff, granted_by=owner)
    RoleGrant.unscoped.filter(user=staff, role="operator_admin").update(state="revoked")

    assert_problem(Support(staff_api).get("/resources"), 404, "not_found")
