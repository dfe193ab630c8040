"""The tenant's compliance pages: who may see what, what they write (only through the
processor services), and how they refuse."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.test import Client
from django.utils import timezone

from deskwerk.access.models import RoleGrant
from deskwerk.accounts.mfa import mfa_policy_update
from deskwerk.audit.models import AuditEvent
from deskwerk.processor.models import AuthorisedPerson, Notice, Objection
from deskwerk.processor.services import OBJECTION_WINDOW
from deskwerk.tenancy.context import tenant_context
from tests.conftest import make_user
from tests.processor.kit import planned
from tests.web.booking_support import signed_in

pytestmark = pytest.mark.django_db
BASE = "/t/acme/compliance"


@pytest.fixture(autouse=True)
def _quiet_mail(settings):
    settings.OPERATOR_EMAIL = ""


def with_role(tenant, email, role):
    person = make_user(tenant, email)
    RoleGrant.unscoped.create(
        tenant=tenant, user=person, role=role, state="active", activated_at=timezone.now()
    )
    return person


def pages():
    return [
        f"{BASE}/",
        f"{BASE}/report/",
        f"{BASE}/report.pdf",
        f"{BASE}/authorised-persons/",
        f"{BASE}/subprocessors/",
        f"{BASE}/notices/",
    ]


def test_the_owner_sees_every_page(owner):
    client = signed_in(owner)
    for path in pages():
        response = client.get(path)
        assert response.status_code == 200, path
    hub = client.get(f"{BASE}/").content.decode()
    assert 'href="/t/acme/compliance/report/"' in hub
    # The frame links to the hub for the people allowed there.
    assert '<a href="/t/acme/compliance/" aria-current="page">Compliance</a>' in hub


def test_the_pdf_is_a_pdf_download(owner):
    response = signed_in(owner).get(f"{BASE}/report.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    with tenant_context(owner.tenant):
        formats = set(
            AuditEvent.objects.filter(action="compliance.report").values_list(
                "object_id", flat=True
            )
        )
    assert formats == {"pdf"}


@pytest.mark.parametrize("role", ["auditor", "privacy_officer"])
def test_auditors_and_privacy_officers_read_everything_but_change_nothing(tenant, owner, role):
    client = signed_in(with_role(tenant, f"{role}@acme.test", role))
    for path in pages():
        assert client.get(path).status_code == 200, path
    response = client.post(
        f"{BASE}/authorised-persons/",
        {"first_name": "Eve", "last_name": "Sneak", "email": "eve@acme.test"},
    )
    assert response.status_code == 403
    assert not AuthorisedPerson.unscoped.filter(email="eve@acme.test").exists()


def test_a_named_authorised_person_sees_the_hub_but_not_the_report(tenant, owner, member):
    AuthorisedPerson.unscoped.create(
        tenant=tenant, first_name="M", last_name="Ember", email=member.email, user=member
    )
    client = signed_in(member)
    assert client.get(f"{BASE}/").status_code == 200
    assert client.get(f"{BASE}/subprocessors/").status_code == 200
    assert client.get(f"{BASE}/notices/").status_code == 200
    assert client.get(f"{BASE}/report/").status_code == 403
    assert client.get(f"{BASE}/report.pdf").status_code == 403
    assert "compliance/report/" not in client.get(f"{BASE}/").content.decode()


def test_a_member_is_told_not_allowed_everywhere_and_has_no_nav_entry(member, owner):
    client = signed_in(member)
    for path in pages():
        response = client.get(path)
        assert response.status_code == 403, path
        assert b"Not allowed" in response.content
    home = client.get("/t/acme/").content.decode()
    assert "/t/acme/compliance/" not in home
    assert client.post(f"{BASE}/subprocessors/1/object/", {"reason": "x"}).status_code == 403


def test_a_person_of_another_tenant_is_a_stranger_and_foreign_ids_are_404(tenant, owner, outsider):
    person = AuthorisedPerson.unscoped.create(
        tenant=tenant, first_name="Ina", last_name="Instruct", email="ina@acme.test"
    )
    client = signed_in(outsider)
    for path in pages():
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/t/acme/login/")
    theirs = "/t/globex/compliance"
    assert client.get(f"{theirs}/authorised-persons/{person.pk}/").status_code == 404
    assert client.post(f"{theirs}/authorised-persons/{person.pk}/delete/").status_code == 404
    assert AuthorisedPerson.unscoped.filter(pk=person.pk).exists()


def test_anonymous_visitors_are_sent_to_sign_in(tenant):
    response = Client().get(f"{BASE}/report/")
    assert response.status_code == 302
    assert "/t/acme/login/" in response["Location"]


def test_the_report_page_follows_the_mfa_policy(owner):
    client = signed_in(owner)
    html = client.get(f"{BASE}/report/").content.decode()
    assert "Second factor required for: nobody" in html
    assert "Administrators with a second factor: 0 of 1" in html
    # The owner sets up an authenticator app (else the policy sends them to set one up first).
    Authenticator.objects.create(user=owner, type=Authenticator.Type.TOTP, data={"secret": "x"})
    with tenant_context(owner.tenant):
        mfa_policy_update(actor=owner, tenant=owner.tenant, required_for="everyone")
    html = client.get(f"{BASE}/report/").content.decode()
    assert "Second factor required for: everyone" in html
    assert "Administrators with a second factor: 1 of 1" in html


def test_the_owner_adds_edits_and_removes_an_authorised_person(owner, member):
    client = signed_in(owner)
    response = client.post(
        f"{BASE}/authorised-persons/",
        {
            "first_name": "Grete",
            "last_name": "Größe",
            "email": member.email,
            "phone": "+49 30 1234",
            "link_account": "on",
        },
    )
    assert response.status_code == 302
    person = AuthorisedPerson.unscoped.get(last_name="Größe")
    assert person.user_id == member.pk
    response = client.post(
        f"{BASE}/authorised-persons/{person.pk}/",
        {"first_name": "Grete", "last_name": "Größe", "email": member.email, "org_unit": "HR"},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.org_unit, person.user_id) == ("HR", None)
    assert client.post(f"{BASE}/authorised-persons/{person.pk}/delete/").status_code == 302
    assert not AuthorisedPerson.unscoped.filter(pk=person.pk).exists()
    with tenant_context(owner.tenant):
        actions = list(
            AuditEvent.objects.filter(action__startswith="authorised_person.").values_list(
                "action", flat=True
            )
        )
    assert actions == [
        "authorised_person.create",
        "authorised_person.update",
        "authorised_person.delete",
    ]


def test_bad_input_is_explained_and_writes_nothing(owner):
    client = signed_in(owner)
    response = client.post(
        f"{BASE}/authorised-persons/",
        {"first_name": "", "last_name": "X", "email": "not an address"},
    )
    assert response.status_code == 422
    response = client.post(
        f"{BASE}/authorised-persons/",
        {"first_name": "A", "last_name": "B", "email": "a@acme.test", "phone": "call me"},
    )
    assert response.status_code == 422
    assert "A phone number has digits" in response.content.decode()
    response = client.post(
        f"{BASE}/authorised-persons/",
        {"first_name": "A", "last_name": "B", "email": "nobody@acme.test", "link_account": "on"},
    )
    assert response.status_code == 422
    assert not AuthorisedPerson.unscoped.exists()


def test_an_objection_within_the_window_is_recorded(owner):
    sub = planned("Neu GmbH")
    client = signed_in(owner)
    page = client.get(f"{BASE}/subprocessors/").content.decode()
    assert "Neu GmbH" in page
    assert "Object to Neu GmbH" in page
    response = client.post(f"{BASE}/subprocessors/{sub.pk}/object/", {"reason": "Not for us."})
    assert response.status_code == 302
    objection = Objection.unscoped.get(subprocessor=sub)
    assert (objection.tenant_id, objection.reason) == (owner.tenant_id, "Not for us.")
    follow = client.get(f"{BASE}/subprocessors/").content.decode()
    assert "Your objection to Neu GmbH is recorded" in follow


def test_after_the_window_the_objection_is_refused_with_the_date(owner):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        sub = planned("Spät GmbH")
    with time_machine.travel(start + OBJECTION_WINDOW, tick=False):
        client = signed_in(owner)
        response = client.post(f"{BASE}/subprocessors/{sub.pk}/object/", {"reason": "Too late?"})
        assert response.status_code == 302
        page = client.get(f"{BASE}/subprocessors/").content.decode()
    assert "The objection period for Spät GmbH ended on" in page
    # 16 March 2026, 10:00 in Berlin (the tenant's time zone).
    assert "March 16, 2026, 10 a.m." in page
    assert not Objection.unscoped.filter(subprocessor=sub).exists()


def test_an_objection_needs_a_reason_and_a_known_subprocessor(owner):
    sub = planned("Leer GmbH")
    client = signed_in(owner)
    client.post(f"{BASE}/subprocessors/{sub.pk}/object/", {"reason": ""})
    assert not Objection.unscoped.exists()
    assert client.post(f"{BASE}/subprocessors/999999/object/", {"reason": "x"}).status_code == 404


def test_the_notices_page_shows_the_tenants_notices_only(tenant, other_tenant, owner):
    Notice.unscoped.create(tenant=tenant, template="t", subject="Für ACME", body="Hallo")
    Notice.unscoped.create(tenant=other_tenant, template="t", subject="For Globex", body="Hi")
    html = signed_in(owner).get(f"{BASE}/notices/").content.decode()
    assert "Für ACME" in html
    assert "For Globex" not in html


def test_links_to_pages_of_other_parts_appear_only_once_they_exist(owner):
    html = signed_in(owner).get(f"{BASE}/").content.decode()
    from django.urls import NoReverseMatch

    from deskwerk.tenancy.urls import tenant_reverse

    for name in ("web:support-grants", "web:instructions", "web:breaches"):
        try:
            url = tenant_reverse(owner.tenant, name)
        except NoReverseMatch:
            continue
        assert url in html


def test_pages_show_times_in_the_tenants_time_zone(tenant, owner):
    """Not in the server's UTC: a notice made at 12:00 UTC reads 13:00 in Berlin in winter and
    07:00 in New York."""
    when = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
    Notice.unscoped.create(
        tenant=tenant, template="t", subject="Zone check", body="b", created_at=when
    )
    client = signed_in(owner)
    for zone, shown in (("Europe/Berlin", "13:00"), ("America/New_York", "07:00")):
        tenant.default_timezone = zone
        tenant.save(update_fields=["default_timezone"])
        page = client.get("/t/acme/compliance/notices/", HTTP_ACCEPT_LANGUAGE="de")
        assert page.status_code == 200
        assert shown in page.content.decode(), zone
