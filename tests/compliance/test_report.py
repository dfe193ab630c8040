"""The compliance report (DPA § 15): contents follow the settings, the PDF prints umlauts, the
query count does not grow with the tenant, every generation is audited."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deskwerk.access.models import RoleGrant
from deskwerk.accounts.mfa import mfa_policy_update
from deskwerk.accounts.models import Membership
from deskwerk.accounts.passwords import password_policy_update
from deskwerk.audit.models import AuditEvent
from deskwerk.compliance.pdf import latin1, report_pdf
from deskwerk.compliance.services import compliance_report
from deskwerk.core.errors import Forbidden
from deskwerk.privacy.settings import privacy_settings_update
from deskwerk.tenancy.context import tenant_context
from deskwerk.tenancy.services import tenant_create
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def report_of(user, **kwargs):
    with tenant_context(user.tenant):
        return compliance_report(actor=user, **kwargs)


def measure(report, title_part):
    for section in report["sections"]:
        for m in section["measures"]:
            if title_part in m["title"]:
                return m
    raise AssertionError(f"no measure {title_part!r}")


def evidence(report, title_part, label):
    for e in measure(report, title_part)["evidence"]:
        if e["label"] == label:
            return e
    raise AssertionError(f"no evidence {label!r} for {title_part!r}")


def with_role(tenant, email, role):
    person = make_user(tenant, email)
    RoleGrant.unscoped.create(
        tenant=tenant, user=person, role=role, state="active", activated_at=timezone.now()
    )
    return person


def test_it_goes_through_annex_1_section_by_section(owner):
    report = report_of(owner)
    refs = [s["ref"] for s in report["sections"]]
    assert refs == ["I.1", "I.2", "I.3", "I.4", "I.5", "I.6", "I.7", "II.1", "III.1", "III.2",
                    "IV.1", "IV.2"]  # fmt: skip
    summary = report["summary"]
    assert summary["checked"] + summary["organisational"] == summary["measures"] > 50
    key = measure(report, "Key management")
    assert not key["checked"]
    assert key["note"] == "organisational measure — documented, not checked by the system"
    assert measure(report, "Two-factor")["checked"]


def test_it_says_how_the_mfa_policy_is_set_and_who_has_a_factor(owner, member):
    before = report_of(owner)
    assert evidence(before, "Two-factor", "Second factor required for")["value"].startswith(
        "nobody"
    )
    assert evidence(before, "Two-factor", "Second factor required for")["status"] == "attention"
    assert evidence(before, "Two-factor", "Administrators with a second factor")["value"] == (
        "0 of 1"
    )
    assert evidence(before, "Two-factor", "People with a second factor")["value"] == "0 of 2"
    with tenant_context(owner.tenant):
        mfa_policy_update(actor=owner, tenant=owner.tenant, required_for="admins")
    after = report_of(owner)
    required = evidence(after, "Two-factor", "Second factor required for")
    assert (required["value"], required["status"]) == ("administrators", "ok")


def test_it_reflects_password_privacy_and_timeout_settings(owner):
    with tenant_context(owner.tenant):
        password_policy_update(actor=owner, tenant=owner.tenant, changes={"min_length": 16})
        privacy_settings_update(
            actor=owner, tenant=owner.tenant, changes={"pseudonymise_after_days": 60}
        )
    report = report_of(owner)
    assert evidence(report, "Password policy", "Minimum password length")["value"] == "16"
    pseudo = evidence(
        report, "Early pseudonymisation", "Bookings and usage data pseudonymised after"
    )
    assert pseudo["value"] == "60 days"
    last = evidence(report, "Early pseudonymisation", "Last pseudonymisation run")
    assert last["value"] == "not run yet"
    idle = evidence(report, "Automatic lock", "Idle timeout")
    assert idle["value"] == "60 minutes"


def test_it_says_honestly_that_no_restore_test_ran(owner):
    report = report_of(owner)
    restore = measure(report, "restoration")["evidence"][0]
    assert "no backups are configured yet" in restore["value"]
    assert restore["status"] == "attention"


def test_it_names_the_subprocessors_records_roles_and_audit_statistics(owner):
    report = report_of(owner)
    names = {s["name"] for s in report["subprocessors"]["current"]}
    assert "Hetzner Online GmbH" in names
    assert {c["action"] for c in report["subprocessors"]["history"]} >= {"listed"}
    assert {c["letter"] for c in report["records"]["categories"]} >= {"a", "d", "j"}
    assert any(g["role"] == "owner" for g in report["roles"]["grants"])
    assert report["audit"]["chain"]["ok"] is True
    assert report["requests"] == {"open": [], "overdue": 0}
    assert report["breaches"] == []
    # The report itself was audited: the next one counts it.
    again = report_of(owner)
    counts = {c["action"]: c["count"] for c in again["audit"]["counts"]}
    assert counts["compliance.report"] == 1


def test_each_generation_is_audited_with_its_format(owner):
    report_of(owner, fmt="pdf")
    with tenant_context(owner.tenant):
        event = AuditEvent.objects.filter(action="compliance.report").get()
    assert (event.actor_id, event.object_id) == (owner.pk, "pdf")


@pytest.mark.parametrize("role", ["auditor", "privacy_officer"])
def test_auditors_and_privacy_officers_may_generate_it(tenant, owner, role):
    person = with_role(tenant, f"{role}@acme.test", role)
    assert report_of(person)["tenant"]["slug"] == "acme"


def test_members_may_not(member):
    with pytest.raises(Forbidden):
        report_of(member)
    with tenant_context(member.tenant):
        assert not AuditEvent.objects.filter(action="compliance.report").exists()


def test_the_pdf_prints_umlauts(db):
    tenant = tenant_create(slug="muenchen", name="Bäckerei Größe & Söhne — München")
    owner = make_user(tenant, "chef@baeckerei.test", Membership.Role.ADMIN)
    report = report_of(owner)
    data = report_pdf(report, tenant)
    assert data.startswith(b"%PDF")
    assert len(data) > 5000
    plain = report_pdf(report, tenant, compress=False)
    assert "(Bäckerei Größe & Söhne - München)".encode("latin-1") in plain
    assert latin1("Größe — München → ok") == "Größe - München -> ok"
    assert latin1("✓") == "?"


def _populated(slug, n):
    """A tenant with ``n`` people, a third of them awaiting a role, some with role history."""
    tenant = tenant_create(slug=slug, name=slug.title())
    owner = make_user(tenant, f"owner@{slug}.test", Membership.Role.ADMIN)
    for i in range(n):
        person = make_user(tenant, f"p{i}@{slug}.test")
        if i % 3 == 0:
            RoleGrant.unscoped.create(tenant=tenant, user=person, role="auditor", state="pending")
    return owner


def _queries(owner):
    with tenant_context(owner.tenant):
        compliance_report(actor=owner)  # warm: the first report is audited like every other
        with CaptureQueriesContext(connection) as ctx:
            compliance_report(actor=owner)
    return [q["sql"] for q in ctx.captured_queries]


def test_the_query_count_does_not_grow_with_the_tenant(db):
    small = _queries(_populated("small", 10))
    large = _queries(_populated("large", 100))
    assert len(large) == len(small), "\n".join(large)
    assert len(small) < 40


def test_overdue_requests_are_counted(owner, member):
    from deskwerk.privacy.requests.services import request_create

    with tenant_context(owner.tenant):
        req = request_create(actor=member, tenant=owner.tenant, subject=member, kind="access")
    later = timezone.now() + dt.timedelta(days=40)
    with tenant_context(owner.tenant):
        report = compliance_report(actor=owner, now=later)
    assert report["requests"]["overdue"] == 1
    assert report["requests"]["open"][0]["id"] == req.pk


def test_it_says_when_pseudonymisation_last_ran(owner):
    from deskwerk.privacy.pseudonymise import pseudonymise_tenant

    at = dt.datetime(2026, 2, 3, 4, 5, tzinfo=dt.UTC)
    with time_machine.travel(at, tick=False):
        pseudonymise_tenant(owner.tenant)
    last = evidence(report_of(owner), "Early pseudonymisation", "Last pseudonymisation run")
    assert last["value"] == "2026-02-03 05:05 CET (0 rows)"
    assert last["status"] == "ok"


def test_it_lists_the_breaches_concerning_the_tenant(owner, monkeypatch):
    from deskwerk.breaches import selectors

    known = dt.datetime(2026, 1, 10, 8, 0, tzinfo=dt.UTC)
    late = selectors.BreachSummary(
        id=7, kind="breach", became_known_at=known, deadline=known + dt.timedelta(hours=24),
        status="complete", notified_at=known + dt.timedelta(hours=30), phases=2, missing=[],
    )  # fmt: skip
    monkeypatch.setattr(selectors, "breaches_for_tenant", lambda tenant: [late])
    report = report_of(owner)
    assert report["breaches"][0]["id"] == 7
    assert report["breaches"][0]["phases"] == 2
    rows = {e["label"]: e for e in measure(report, "escalation process")["evidence"]}
    assert rows["Breaches concerning this tenant"]["value"] == "1"
    assert rows["Notified after the 24-hour deadline"]["value"] == "1"
    assert rows["Notified after the 24-hour deadline"]["status"] == "attention"
