"""Usage data: one minimal row per authenticated request, purged after the tenant's retention."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from deskwerk.access.models import ApiToken
from deskwerk.accounts.models import User
from deskwerk.audit.models import AuditEvent
from deskwerk.bookings.services import booking_create
from deskwerk.privacy.settings import privacy_settings_update
from deskwerk.tenancy.context import tenant_context
from deskwerk.usage.models import UsageEvent
from deskwerk.usage.services import usage_purge, user_agent_family
from tests.api.conftest import session_client
from tests.conftest import future, make_user

pytestmark = pytest.mark.django_db

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0"


def test_an_api_request_is_recorded_minimally(api_member, member, site, world_booking):
    api_member.client.get(
        f"/api/v1/bookings/{world_booking.pk}",
        {"secret": "query"},
        REMOTE_ADDR="203.0.113.77",
        HTTP_USER_AGENT=FIREFOX_LINUX,
    )

    event = UsageEvent.unscoped.get()
    assert event.tenant_id == member.tenant_id
    assert event.user_id == member.pk
    assert event.route == "booking_get"  # the operation id, not the path
    assert (event.method, event.status) == ("GET", 200)
    assert event.ip == "203.0.113.0"
    assert event.user_agent == "Firefox 132 / Linux"
    assert event.person_pseudonym == ""
    texts = [event.route, event.method, event.user_agent, event.ip, event.person_pseudonym]
    assert not any("bookings/" in t or "query" in t or "Gecko" in t for t in texts)
    # Nothing else is stored: no path, no query string, no raw header, no full address.
    assert {f.name for f in UsageEvent._meta.concrete_fields} == {
        "id", "tenant", "user", "person_pseudonym", "pseudonymised_at", "at", "route",
        "method", "status", "user_agent", "ip",
    }  # fmt: skip


@pytest.fixture
def world_booking(member, site):
    with tenant_context(member.tenant):
        return booking_create(
            actor=member, resource=site.desks[0], starts_at=future(2, 9), ends_at=future(2, 10)
        )


def test_methods_of_one_path_are_told_apart(api_member):
    api_member.get("/bookings")
    api_member.post("/bookings", {})  # 422: recorded with its status

    assert sorted(UsageEvent.unscoped.values_list("route", "method", "status")) == [
        ("booking_create", "POST", 422),
        ("booking_list", "GET", 200),
    ]


def test_ipv6_is_truncated_to_48_bits(api_member):
    api_member.client.get("/api/v1/me", REMOTE_ADDR="2001:db8:abcd:1234:5678::1")

    assert UsageEvent.unscoped.get().ip == "2001:db8:abcd::"


def test_a_web_page_is_recorded_by_its_url_name(member):
    client = session_client(member, csrf=False)

    assert client.get("/t/acme/").status_code == 200

    assert list(UsageEvent.unscoped.values_list("route", "user_id")) == [("web:home", member.pk)]


def test_anonymous_failed_and_health_requests_are_not_recorded(member, api_member):
    Client().get("/t/acme/")
    Client().get("/api/v1/me")  # 401
    Client(HTTP_AUTHORIZATION="Bearer dwk_wrong").get("/api/v1/me")
    api_member.client.get("/health")
    api_member.client.get("/api/v1/openapi.json")
    api_member.client.get("/api/v1/no-such-endpoint")

    assert not UsageEvent.unscoped.exists()


def test_a_session_of_another_tenant_is_not_recorded_for_this_one(member, other_tenant):
    stranger = make_user(other_tenant, "x@globex.test")
    session_client(stranger, csrf=False).get("/t/acme/")

    assert not UsageEvent.unscoped.filter(tenant=member.tenant).exists()


def test_restricted_people_are_not_recorded(member, api_member):
    User.unscoped.filter(pk=member.pk).update(restricted_at=dt.datetime.now(dt.UTC))

    api_member.get("/me")

    assert not UsageEvent.unscoped.exists()


def test_one_request_gives_at_most_one_row(api_member):
    api_member.get("/me")
    api_member.get("/me")

    assert UsageEvent.unscoped.count() == 2


def test_a_failing_insert_does_not_break_the_request(api_member, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(UsageEvent, "save", fail)

    response = api_member.get("/me")

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("raw", "family"),
    [
        (FIREFOX_LINUX, "Firefox 132 / Linux"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36",
            "Chrome 131 / Windows",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86",
            "Edge 131 / Windows",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/18.1 Safari/605.1.15",
            "Safari 18 / macOS",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
            "like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
            "Safari 18 / iOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36",
            "Chrome 131 / Android",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0",
            "Opera 115 / Linux",
        ),
        ("curl/8.5.0", "curl 8"),
        ("python-requests/2.32.3", "Python 2"),
        ("SomeBot/1.0 (+https://example.test/bot; build 7f3a9c)", "other"),
        ("", ""),
        (None, ""),
        ("x" * 100_000, "other"),
    ],
)
def test_user_agents_are_reduced_to_a_short_family(raw, family):
    assert user_agent_family(raw) == family
    assert len(user_agent_family(raw)) <= 60


# --- Retention --------------------------------------------------------------------------------

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)


def _event(user, days_ago: float) -> UsageEvent:
    return UsageEvent.unscoped.create(
        tenant_id=user.tenant_id,
        user=user,
        at=NOW - dt.timedelta(days=days_ago),
        route="me",
        method="GET",
        status=200,
    )


def test_the_purge_deletes_what_is_older_than_the_retention(tenant, member, owner, outsider):
    with time_machine.travel(NOW, tick=False):
        kept = _event(member, 29)
        _event(member, 31)
        _event(owner, 300)
        theirs = _event(outsider, 31)

        assert usage_purge(tenant, batch_size=1) == 2

    assert set(UsageEvent.unscoped.values_list("pk", flat=True)) == {kept.pk, theirs.pk}
    event = AuditEvent.unscoped.get(tenant=tenant, action="usage.purge")
    assert event.object_id == "2"


def test_the_tenants_retention_counts(tenant, member, owner):
    privacy_settings_update(actor=owner, tenant=tenant, changes={"usage_retention_days": 60})
    tenant.refresh_from_db()
    with time_machine.travel(NOW, tick=False):
        kept = _event(member, 59)
        _event(member, 61)

        assert usage_purge(tenant) == 1
        assert usage_purge(tenant) == 0  # nothing left, nothing audited

    assert list(UsageEvent.unscoped.values_list("pk", flat=True)) == [kept.pk]
    assert AuditEvent.unscoped.filter(tenant=tenant, action="usage.purge").count() == 1


def test_usage_rows_go_with_the_account(member, api_member):
    api_member.get("/me")
    assert UsageEvent.unscoped.exists()

    ApiToken.unscoped.filter(user=member).delete()  # the token first, as an erasure would
    User.unscoped.filter(pk=member.pk).delete()

    assert not UsageEvent.unscoped.exists()
