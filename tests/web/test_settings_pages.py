"""The organisation's settings pages: who may use them, bounded values refused next to the
field with nothing written, the colleague finder's four modes, the two-factor policy, and
single sign-on providers whose client secret is never shown back."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from deskwerk.access.roles import role_grant
from deskwerk.accounts.lockout import lockout_settings
from deskwerk.accounts.mfa import mfa_policy
from deskwerk.accounts.models import User
from deskwerk.accounts.passwords import password_policy
from deskwerk.audit.models import AuditEvent
from deskwerk.privacy.settings import privacy_settings
from deskwerk.profiles.settings import finder_mode
from deskwerk.sso.models import IdentityProvider
from deskwerk.tenancy.context import tenant_context
from deskwerk.tenancy.models import Tenant
from deskwerk.websessions.timeouts import session_timeouts
from tests.accounts.mfa_kit import add_totp
from tests.conftest import make_user
from tests.web.booking_support import signed_in

pytestmark = pytest.mark.django_db
BASE = "/t/acme/admin/settings"
SECRET = "s3cret-never-shown-Xq7"

PRIVACY = {
    "pseudonymise_after_days": "30",
    "audit_retention_days": "365",
    "usage_retention_days": "30",
}
PASSWORDS = {
    "min_length": "12",
    "max_age_days": "0",
    "max_failures": "5",
    "window_minutes": "15",
    "lockout_minutes": "15",
}
SESSIONS = {"idle_minutes": "60", "absolute_hours": "12"}


def provider_form(**changes: Any) -> dict[str, Any]:
    data = {
        "slug": "keycloak",
        "name": "Keycloak",
        "issuer": "https://login.example.com/realms/acme",
        "client_id": "deskwerk",
        "client_secret": SECRET,
        "allowed_domains": "acme.test\nacme.example",
        "default_role": "employee",
        "group_claim": "groups",
        "role_map": "desk-admins = space_admin\nfront = receptionist, employee",
        "enabled": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def fresh_tenant(tenant: Tenant) -> Tenant:
    return Tenant.objects.get(pk=tenant.pk)


def audit_count(tenant: Tenant) -> int:
    with tenant_context(tenant):
        return AuditEvent.objects.count()


def text(response: Any) -> str:
    return response.content.decode()


def providers(tenant: Tenant) -> list[IdentityProvider]:
    with tenant_context(tenant):
        return list(IdentityProvider.objects.order_by("pk"))


@pytest.fixture
def provider(owner: User) -> IdentityProvider:
    client = signed_in(owner)
    assert client.post(f"{BASE}/sso/new/", provider_form()).status_code == 302
    return providers(owner.tenant)[0]


def posts(provider: IdentityProvider) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{BASE}/privacy/", {**PRIVACY, "pseudonymise_after_days": "7"}),
        (f"{BASE}/finder/", {"finder-value": "everyone"}),
        (f"{BASE}/mfa/", {"mfa-value": "everyone"}),
        (f"{BASE}/passwords/", {**PASSWORDS, "min_length": "20"}),
        (f"{BASE}/sessions/", {**SESSIONS, "idle_minutes": "5"}),
        (f"{BASE}/sso/new/", provider_form(slug="other")),
        (f"{BASE}/sso/{provider.pk}/", provider_form(name="Changed")),
        (f"{BASE}/sso/{provider.pk}/enabled/", {"enabled": "0"}),
        (f"{BASE}/sso/{provider.pk}/delete/", {}),
    ]


# --- who may --------------------------------------------------------------------------------


def test_the_owner_sees_every_section(owner, provider):
    client = signed_in(owner)
    for path in [f"{BASE}/", f"{BASE}/sso/new/", f"{BASE}/sso/{provider.pk}/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "unsafe-inline" not in response["Content-Security-Policy"]
    page = text(client.get(f"{BASE}/"))
    for anchor in ['id="privacy"', 'id="finder"', 'id="mfa"', 'id="passwords"', 'id="sso"']:
        assert anchor in page


def test_a_member_is_told_not_allowed_and_nothing_is_written(owner, member, provider):
    client = signed_in(member)
    for path in [f"{BASE}/", f"{BASE}/sso/new/", f"{BASE}/sso/{provider.pk}/"]:
        response = client.get(path)
        assert response.status_code == 403, path
        assert b"Not allowed" in response.content
    before, settings = audit_count(owner.tenant), fresh_tenant(owner.tenant).settings
    for path, data in posts(provider):
        assert client.post(path, data).status_code == 403, path
    assert audit_count(owner.tenant) == before
    assert fresh_tenant(owner.tenant).settings == settings
    assert [p.name for p in providers(owner.tenant)] == ["Keycloak"]


def test_a_privacy_officer_gets_the_privacy_part_only(owner, member, provider, tenant):
    with tenant_context(tenant):
        role_grant(actor=owner, person=member, role="privacy_officer")  # one owner: at once
    client = signed_in(member)
    page = text(client.get(f"{BASE}/"))
    assert 'id="privacy"' in page
    assert 'id="finder"' in page
    assert 'id="mfa"' not in page
    assert 'id="sso"' not in page
    assert client.post(f"{BASE}/finder/", {"finder-value": "nobody"}).status_code == 302
    assert finder_mode(fresh_tenant(tenant)) == "nobody"
    assert client.post(f"{BASE}/mfa/", {"mfa-value": "everyone"}).status_code == 403
    assert client.get(f"{BASE}/sso/{provider.pk}/").status_code == 403
    assert mfa_policy(fresh_tenant(tenant)).required_for == "nobody"


def test_a_person_of_another_tenant_is_a_stranger_and_foreign_ids_are_404(
    owner, outsider, provider
):
    client = signed_in(outsider)
    before, settings = audit_count(owner.tenant), fresh_tenant(owner.tenant).settings
    response = client.get(f"{BASE}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/t/acme/login/")
    for path, data in posts(provider):
        assert client.post(path, data).status_code == 302, path
    theirs = "/t/globex/admin/settings"
    assert client.get(f"{theirs}/").status_code == 200
    assert client.get(f"{theirs}/sso/{provider.pk}/").status_code == 404
    for suffix in ("", "enabled/", "delete/"):
        path = f"{theirs}/sso/{provider.pk}/{suffix}"
        assert client.post(path, provider_form(name="Hijacked")).status_code == 404, path
    assert audit_count(owner.tenant) == before
    assert fresh_tenant(owner.tenant).settings == settings
    assert [(p.name, p.enabled) for p in providers(owner.tenant)] == [("Keycloak", True)]


def test_posts_without_csrf_token_are_refused(owner, tenant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post(f"{BASE}/finder/", {"finder-value": "everyone"}).status_code == 403
    assert finder_mode(fresh_tenant(tenant)) == "opt_in"


# --- privacy --------------------------------------------------------------------------------


def test_privacy_periods_are_saved_and_audited_once(owner, tenant):
    client = signed_in(owner)
    data = {**PRIVACY, "pseudonymise_after_days": "14", "usage_retention_days": "7"}
    response = client.post(f"{BASE}/privacy/", data, follow=True)
    assert "are saved" in text(response)
    saved = privacy_settings(fresh_tenant(tenant))
    assert (saved.pseudonymise_after_days, saved.usage_retention_days) == (14, 7)
    before = audit_count(tenant)
    again = client.post(f"{BASE}/privacy/", data, follow=True)  # a double submission
    assert "Nothing changed" in text(again)
    assert audit_count(tenant) == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("pseudonymise_after_days", "0", "Enter a whole number from 1 to 365."),
        ("pseudonymise_after_days", "366", "Enter a whole number from 1 to 365."),
        ("audit_retention_days", "29", "Enter a whole number from 30 to 3650."),
        ("usage_retention_days", "abc", "Enter a whole number."),
        ("usage_retention_days", "1.5", "Enter a whole number."),
        ("usage_retention_days", "9" * 40, "Enter a whole number from 1 to 365."),
        ("usage_retention_days", "", "Enter a whole number."),
    ],
)
def test_privacy_periods_out_of_bounds_are_refused_next_to_the_field(
    owner, tenant, field, value, message
):
    client = signed_in(owner)
    before, settings = audit_count(tenant), fresh_tenant(tenant).settings
    response = client.post(
        f"{BASE}/privacy/", {**PRIVACY, "pseudonymise_after_days": "7", field: value}
    )
    assert response.status_code == 422
    page = text(response)
    field_html = page[page.index(f'name="{field}"') :]
    assert field_html.index(message) < field_html.index("</div>") + 400  # next to the field
    assert f'id="id_{field}" aria-invalid="true"' in page or 'aria-invalid="true"' in page
    assert fresh_tenant(tenant).settings == settings
    assert audit_count(tenant) == before


def test_the_finder_explains_four_modes_and_defaults_to_the_private_one(owner, tenant):
    client = signed_in(owner)
    page = text(client.get(f"{BASE}/"))
    for mode in ("opt_in", "opt_out", "everyone", "nobody"):
        assert f'value="{mode}"' in page
    assert 'id="finder_opt_in" value="opt_in" aria-describedby="finder_opt_in_help" checked' in page
    assert "hidden by default (recommended)" in page
    assert "Art. 25 (2)" in page
    client.post(f"{BASE}/finder/", {"finder-value": "opt_out"})
    assert finder_mode(fresh_tenant(tenant)) == "opt_out"
    bad = client.post(f"{BASE}/finder/", {"finder-value": "spy"})
    assert bad.status_code == 422
    assert 'class="errorlist"' in text(bad)
    assert finder_mode(fresh_tenant(tenant)) == "opt_out"


# --- security -------------------------------------------------------------------------------


def test_the_two_factor_policy(owner, tenant):
    add_totp(owner)  # else the policy sends the owner to set one up first
    client = signed_in(owner)
    client.post(f"{BASE}/mfa/", {"mfa-value": "admins"})
    assert mfa_policy(fresh_tenant(tenant)).required_for == "admins"
    assert client.post(f"{BASE}/mfa/", {"mfa-value": "some"}).status_code == 422
    assert client.post(f"{BASE}/mfa/", {}).status_code == 422
    assert mfa_policy(fresh_tenant(tenant)).required_for == "admins"


def test_passwords_and_lockout_change_together_or_not_at_all(owner, tenant):
    client = signed_in(owner)
    before = audit_count(tenant)
    response = client.post(
        f"{BASE}/passwords/", {**PASSWORDS, "min_length": "20", "lockout_minutes": "0"}
    )
    assert response.status_code == 422
    assert "Enter a whole number from 1 to 1440." in text(response)
    assert password_policy(fresh_tenant(tenant)).min_length == 12  # the valid part is not kept
    assert audit_count(tenant) == before

    client.post(f"{BASE}/passwords/", {**PASSWORDS, "min_length": "20", "max_failures": "10"})
    tenant = fresh_tenant(tenant)
    assert password_policy(tenant).min_length == 20
    assert lockout_settings(tenant).max_failures == 10


def test_session_timeouts(owner, tenant):
    client = signed_in(owner)
    client.post(f"{BASE}/sessions/", {"idle_minutes": "30", "absolute_hours": "8"})
    assert session_timeouts(fresh_tenant(tenant)).idle_minutes == 30
    bad = client.post(f"{BASE}/sessions/", {"idle_minutes": "4", "absolute_hours": "8"})
    assert "Enter a whole number from 5 to 480." in text(bad)
    assert session_timeouts(fresh_tenant(tenant)).idle_minutes == 30


def test_an_unknown_section_is_404(owner):
    assert signed_in(owner).post(f"{BASE}/everything/", {}).status_code == 404


# --- single sign-on -------------------------------------------------------------------------


def test_a_provider_is_added_edited_switched_and_its_secret_never_shown(owner, tenant):
    client = signed_in(owner)
    seen: list[str] = []
    response = client.post(f"{BASE}/sso/new/", provider_form(), follow=True)
    seen.append(text(response))
    [provider] = providers(tenant)
    assert provider.get_secret() == SECRET
    assert provider.role_map == {
        "desk-admins": ["space_admin"],
        "front": ["employee", "receptionist"],
    }
    assert provider.allowed_domains == ["acme.example", "acme.test"]
    edit = text(client.get(f"{BASE}/sso/{provider.pk}/"))
    seen.append(edit)
    assert "stored (never shown)" in edit
    assert f"/accounts/oidc/{provider.provider_id}/login/callback/" in edit

    # Saving without a secret keeps it; a failed save does not echo the new one.
    client.post(f"{BASE}/sso/{provider.pk}/", provider_form(slug=None, client_secret="", name="KC"))
    provider.refresh_from_db()
    assert (provider.name, provider.get_secret()) == ("KC", SECRET)
    failed = client.post(
        f"{BASE}/sso/{provider.pk}/",
        provider_form(slug=None, client_secret="new-" + SECRET, issuer="ftp://nope"),
    )
    assert failed.status_code == 422
    seen.append(text(failed))
    assert "https address" in text(failed)
    provider.refresh_from_db()
    assert provider.get_secret() == SECRET

    client.post(f"{BASE}/sso/{provider.pk}/enabled/", {"enabled": "0"})
    provider.refresh_from_db()
    assert not provider.enabled
    seen.append(text(client.get(f"{BASE}/")))
    assert "disabled" in seen[-1]
    client.post(f"{BASE}/sso/{provider.pk}/enabled/", {"enabled": "1"})
    provider.refresh_from_db()
    assert provider.enabled

    for page in seen:
        assert SECRET not in page

    client.post(f"{BASE}/sso/{provider.pk}/delete/")
    assert providers(tenant) == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"slug": "Not A Slug"}, "slug", "Lower-case letters, digits and hyphens"),
        ({"issuer": "http://idp.example.com"}, "issuer", "https address"),
        ({"allowed_domains": "not a domain!"}, "allowed_domains", "domain names"),
        ({"allowed_domains": ""}, "allowed_domains", "This field is required."),
        ({"default_role": "owner"}, "default_role", "Select a valid choice."),
        ({"role_map": "admins = wizard"}, "role_map", "Use the roles listed"),
        ({"role_map": "just a line"}, "role_map", "one group a line"),
        ({"group_claim": "no spaces please"}, "group_claim", "A claim name"),
        ({"client_secret": ""}, "client_secret", "This field is required."),
        ({"name": "x" * 101}, "name", "at most 100 characters"),
    ],
)
def test_bad_provider_input_is_refused_next_to_the_field(owner, tenant, changes, field, message):
    client = signed_in(owner)
    before = audit_count(tenant)
    response = client.post(f"{BASE}/sso/new/", provider_form(**changes))
    assert response.status_code == 422
    page = text(response)
    assert message in page[page.index(f'name="{field}"') :]
    assert SECRET not in page
    assert providers(tenant) == []
    assert audit_count(tenant) == before


def test_the_same_short_name_twice_is_refused(owner, provider, tenant):
    response = signed_in(owner).post(f"{BASE}/sso/new/", provider_form(name="Again"))
    assert response.status_code == 422
    assert "a provider with this short name already" in text(response)
    assert len(providers(tenant)) == 1


def test_errors_are_german_on_german_pages(owner, tenant):
    client = signed_in(owner)
    client.cookies["deskwerk_language"] = "de"
    response = client.post(f"{BASE}/sso/new/", provider_form(name=""))
    assert response.status_code == 422
    page = text(response)
    assert '<html lang="de">' in page
    assert "Dieses Feld ist zwingend erforderlich." in page


def test_a_second_owner_sees_the_same(owner, tenant):
    other = make_user(tenant, "second@acme.test", "admin")
    assert signed_in(other).get(f"{BASE}/").status_code == 200


def test_provider_ids_that_do_not_exist_are_404_never_an_error(owner):
    client = signed_in(owner)
    huge = "9" * 30
    assert client.get(f"{BASE}/sso/{huge}/").status_code == 404
    assert client.post(f"{BASE}/sso/{huge}/enabled/", {"enabled": "1"}).status_code == 404
    assert client.post(f"{BASE}/sso/{huge}/delete/").status_code == 404
