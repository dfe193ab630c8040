"""Single sign-on end to end: Django test client <-> loopback OpenID Connect provider (HTTP)."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from deskwerk.access.models import RoleGrant
from deskwerk.accounts.models import User
from deskwerk.audit.models import AuditEvent
from deskwerk.tenancy.context import tenant_context
from deskwerk.tenancy.models import Tenant
from tests.conftest import make_user
from tests.sso.conftest import configure, login_start_url, signed_in_as, sso_login
from tests.sso.provider import OIDCProvider


def _refused(outcome: Any, reason: str) -> None:
    response = outcome.response
    assert response.status_code == 403, (response.status_code, response.content[:500])
    assert f'data-reason="{reason}"' in response.content.decode()
    assert signed_in_as(outcome.client) is None


def _refusals(tenant: Tenant) -> list[list[str]]:
    return [
        e.changed_fields
        for e in AuditEvent.unscoped.filter(tenant=tenant, action="sso.login_refused")
    ]


def _roles(user: User) -> dict[str, str]:
    return {g.role: g.state for g in RoleGrant.unscoped.filter(user=user)}


def test_jit_creates_the_account_and_maps_groups_to_roles(
    tenant: Tenant, owner: User, idp: OIDCProvider
) -> None:
    provider = configure(
        idp,
        owner,
        role_map={"desk-people": ["receptionist"], "it-admins": ["space_admin"]},
    )
    idp.user.groups = ["staff", "desk-people", "it-admins"]
    outcome = sso_login(tenant, provider)
    assert outcome.response.status_code == 302
    assert outcome.response["Location"] == f"/t/{tenant.slug}/"
    me = signed_in_as(outcome.client)
    assert me is not None
    assert me["tenant"]["slug"] == tenant.slug
    assert me["email"] == "alice@example.com"
    assert me["full_name"] == "Alice Example"
    user = User.unscoped.get(tenant=tenant, email="alice@example.com")
    assert not user.has_usable_password()
    # Everyday roles at once; the administrative one waits for an owner (four-eyes).
    assert _roles(user) == {
        "employee": "active",
        "receptionist": "active",
        "space_admin": "pending",
    }
    pending = RoleGrant.unscoped.get(user=user, role="space_admin")
    assert pending.granted_by is None
    assert "approval" in pending.warning
    link = SocialAccount.objects.get(user=user)
    assert (link.provider, link.uid) == (provider.provider_id, "alice-0001")
    assert link.extra_data["id_token"]["groups"] == ["staff", "desk-people", "it-admins"]
    event = AuditEvent.unscoped.get(tenant=tenant, action="sso.login")
    assert event.object_id == str(user.pk)
    assert "jit_created" in event.changed_fields
    # The authorisation request carried a nonce and PKCE; the token request its verifier.
    authorize = next(p for m, path, p in idp.log if path == "/authorize")
    assert authorize["nonce"]
    assert authorize["code_challenge_method"] == "S256"
    assert idp.pkce_seen == [True]


def test_second_login_uses_the_link_and_grants_only_missing_roles(
    tenant: Tenant, owner: User, idp: OIDCProvider
) -> None:
    provider = configure(idp, owner)
    idp.user.groups = ["staff"]
    first = sso_login(tenant, provider)
    assert signed_in_as(first.client) is not None
    idp.user.groups = ["desk-people"]
    idp.user.email = "alice.renamed@example.com"  # the subject, not the address, is the key
    second = sso_login(tenant, provider)
    assert signed_in_as(second.client)["email"] == "alice@example.com"  # type: ignore[index]
    user = User.unscoped.get(tenant=tenant, email="alice@example.com")
    assert _roles(user) == {"employee": "active", "receptionist": "active"}
    assert User.unscoped.filter(tenant=tenant).count() == 2  # owner and alice
    third = sso_login(tenant, provider)
    assert signed_in_as(third.client) is not None
    assert RoleGrant.unscoped.filter(user=user).count() == 2
    events = AuditEvent.unscoped.filter(tenant=tenant, action="sso.login").order_by("pk")
    assert ["jit_created" in e.changed_fields for e in events] == [True, False, False]
    assert ["linked" in e.changed_fields for e in events] == [False, True, True]


def test_changing_the_issuer_ends_the_links(tenant: Tenant, owner: User, idp: OIDCProvider) -> None:
    from deskwerk.sso.services import ProviderInput, provider_update

    provider = configure(idp, owner)
    assert signed_in_as(sso_login(tenant, provider).client) is not None
    other = OIDCProvider().start()
    try:
        with tenant_context(tenant):
            provider_update(actor=owner, provider=provider, data=ProviderInput(issuer=other.issuer))
        assert not SocialAccount.objects.exists()  # "alice-0001" may be someone else there
        with tenant_context(tenant):
            provider_update(actor=owner, provider=provider, data=ProviderInput(issuer=idp.issuer))
        # Back at the first issuer: linked again through the verified e-mail.
        provider.refresh_from_db()
        assert signed_in_as(sso_login(tenant, provider).client) is not None
        assert SocialAccount.objects.count() == 1
    finally:
        other.stop()


def test_links_an_existing_account_of_the_tenant_when_the_email_is_verified(
    tenant: Tenant, owner: User, idp: OIDCProvider
) -> None:
    existing = make_user(tenant, "alice@example.com")
    provider = configure(idp, owner, jit_create=False)
    outcome = sso_login(tenant, provider)
    me = signed_in_as(outcome.client)
    assert me is not None
    assert me["id"] == existing.pk
    assert SocialAccount.objects.get(user=existing).uid == "alice-0001"
    existing.refresh_from_db()
    assert existing.has_usable_password()  # linking keeps the password
    event = AuditEvent.unscoped.get(tenant=tenant, action="sso.login")
    assert "link_created" in event.changed_fields


def test_an_unverified_email_is_not_linked(tenant: Tenant, owner: User, idp: OIDCProvider) -> None:
    existing = make_user(tenant, "alice@example.com")
    provider = configure(idp, owner)
    idp.user.email_verified = False
    _refused(sso_login(tenant, provider), "email_not_verified")
    assert not SocialAccount.objects.filter(user=existing).exists()
    assert _refusals(tenant) == [["reason:email_not_verified"]]


def test_entra_ids_domain_owner_verified_claim_counts_as_verified(
    tenant: Tenant, owner: User, idp: OIDCProvider
) -> None:
    existing = make_user(tenant, "alice@example.com")
    provider = configure(idp, owner)
    idp.user.email_verified = False
    idp.user.extra = {"xms_edov": True}
    me = signed_in_as(sso_login(tenant, provider).client)
    assert me is not None
    assert me["id"] == existing.pk


def test_a_disallowed_domain_is_refused(tenant: Tenant, owner: User, idp: OIDCProvider) -> None:
    provider = configure(idp, owner)
    idp.user.email = "mallory@example.org"
    _refused(sso_login(tenant, provider), "domain_not_allowed")
    assert not User.unscoped.filter(email="mallory@example.org").exists()
    assert not SocialAccount.objects.exists()
    assert _refusals(tenant) == [["reason:domain_not_allowed"]]


def test_a_domain_suffix_is_not_enough(tenant: Tenant, owner: User, idp: OIDCProvider) -> None:
    provider = configure(idp, owner)
    idp.user.email = "mallory@evil-example.com"
    _refused(sso_login(tenant, provider), "domain_not_allowed")
    idp.user.email = "mallory@sub.example.com"
    _refused(sso_login(tenant, provider), "domain_not_allowed")


def test_without_jit_an_unknown_person_is_refused(
    tenant: Tenant, owner: User, idp: OIDCProvider
) -> None:
    provider = configure(idp, owner, jit_create=False)
    _refused(sso_login(tenant, provider), "no_account")
    assert not User.unscoped.filter(email="alice@example.com").exists()


def test_a_deactivated_person_is_refused(tenant: Tenant, owner: User, idp: OIDCProvider) -> None:
    provider = configure(idp, owner)
    assert signed_in_as(sso_login(tenant, provider).client) is not None
    User.unscoped.filter(email="alice@example.com").update(is_active=False)
    _refused(sso_login(tenant, provider), "inactive")


@pytest.mark.parametrize(
    ("misbehaviour", "reason"),
    [
        ("wrong_audience", "wrong_audience"),
        ("wrong_issuer", "wrong_issuer"),
        ("bad_signature", "bad_signature"),
        ("foreign_key", "bad_signature"),
        ("expired", "expired_id_token"),
        ("wrong_nonce", "nonce_mismatch"),
        ("no_nonce", "nonce_mismatch"),
        ("alg_none", "unsupported_algorithm"),
        ("hs256", "unsupported_algorithm"),
        ("userinfo_other_sub", "userinfo_mismatch"),
        ("no_id_token", "no_id_token"),
    ],
)
def test_bad_id_tokens_are_refused(
    tenant: Tenant, owner: User, idp: OIDCProvider, misbehaviour: str, reason: str
) -> None:
    provider = configure(idp, owner)
    idp.misbehave = {misbehaviour}
    _refused(sso_login(tenant, provider), reason)
    assert not User.unscoped.filter(email="alice@example.com").exists()
    assert not SocialAccount.objects.exists()
    assert _refusals(tenant) == [[f"reason:{reason}"]]
    # The same provider, behaving, lets Alice in: the refusal was about the token.
    idp.misbehave = set()
    assert signed_in_as(sso_login(tenant, provider).client) is not None


def test_a_denial_at_the_idp_is_audited_as_cancelled(
    tenant: Tenant, owner: User, idp: OIDCProvider
) -> None:
    provider = configure(idp, owner)
    idp.misbehave = {"deny"}
    _refused(sso_login(tenant, provider), "cancelled")
    assert _refusals(tenant) == [["reason:cancelled"]]


def test_a_wrong_client_secret_is_refused(tenant: Tenant, owner: User, idp: OIDCProvider) -> None:
    provider = configure(idp, owner)
    idp.clients[provider.client_id] = "rotated at the IdP"
    _refused(sso_login(tenant, provider), "token_request_failed")


def test_connecting_a_signed_in_account_is_refused(
    tenant: Tenant, owner: User, member: User, idp: OIDCProvider
) -> None:
    """allauth's "connect" process would link the IdP identity to whoever is signed in."""
    provider = configure(idp, owner)
    client = Client()
    client.force_login(member)
    start = client.post(login_start_url(tenant, provider), {"process": "connect"})
    import requests

    back = requests.get(start["Location"], allow_redirects=False, timeout=10).headers["Location"]
    response = client.get(back.split("testserver", 1)[1])
    assert response.status_code == 403
    assert 'data-reason="unsupported_process"' in response.content.decode()
    assert not SocialAccount.objects.exists()
    assert not User.unscoped.filter(email="alice@example.com").exists()


def test_a_replayed_callback_is_refused(tenant: Tenant, owner: User, idp: OIDCProvider) -> None:
    provider = configure(idp, owner)
    outcome = sso_login(tenant, provider)
    assert signed_in_as(outcome.client) is not None
    callback = outcome.response.wsgi_request.get_full_path()
    replay = Client().get(callback)
    assert replay.status_code == 403
    assert 'data-reason="invalid_state_or_idp_error"' in replay.content.decode()


def test_the_same_subject_in_two_tenants_is_two_accounts(
    tenant: Tenant,
    other_tenant: Tenant,
    owner: User,
    outsider: User,
    idp: OIDCProvider,
) -> None:
    shared = idp.add_client()  # even the same client registration in both tenants
    in_a = configure(idp, owner, client=shared)
    in_b = configure(idp, outsider, client=shared)
    assert in_a.provider_id != in_b.provider_id
    a = sso_login(tenant, in_a)
    b = sso_login(other_tenant, in_b)
    me_a, me_b = signed_in_as(a.client), signed_in_as(b.client)
    assert me_a is not None
    assert me_b is not None
    assert me_a["tenant"]["slug"] == "acme"
    assert me_b["tenant"]["slug"] == "globex"
    assert me_a["id"] != me_b["id"]
    links = SocialAccount.objects.filter(uid="alice-0001")
    assert sorted(link.user.tenant.slug for link in links) == ["acme", "globex"]
    # The session of tenant A is nobody in tenant B.
    assert a.client.get("/t/globex/").wsgi_request.user.is_authenticated is False


def test_a_provider_of_tenant_a_is_unknown_in_tenant_b(
    tenant: Tenant, other_tenant: Tenant, owner: User, outsider: User, idp: OIDCProvider
) -> None:
    provider = configure(idp, owner)
    client = Client()
    assert client.post(login_start_url(other_tenant, provider)).status_code == 404
    # A code and state obtained in tenant A, delivered to tenant B's callback: 404.
    start = client.post(login_start_url(tenant, provider))
    import requests

    back = requests.get(start["Location"], allow_redirects=False, timeout=10).headers["Location"]
    path = back.split("testserver", 1)[1].replace("/t/acme/", "/t/globex/")
    assert client.get(path).status_code == 404
    assert not User.unscoped.filter(email="alice@example.com").exists()


def test_a_disabled_provider_is_404(tenant: Tenant, owner: User, idp: OIDCProvider) -> None:
    provider = configure(idp, owner, enabled=False)
    client = Client()
    assert client.post(login_start_url(tenant, provider)).status_code == 404
    callback = login_start_url(tenant, provider) + "callback/?code=x&state=y"
    assert client.get(callback).status_code == 404
    assert not [m for m, path, p in idp.log if path == "/authorize"]


def test_disabling_a_provider_mid_flight_refuses_the_callback(
    tenant: Tenant, owner: User, idp: OIDCProvider
) -> None:
    provider = configure(idp, owner)
    client = Client()
    start = client.post(login_start_url(tenant, provider))
    import requests

    back = requests.get(start["Location"], allow_redirects=False, timeout=10).headers["Location"]
    provider.enabled = False
    provider.save()
    assert client.get(back.split("testserver", 1)[1]).status_code == 404
    assert signed_in_as(client) is None


def test_login_buttons_list_the_enabled_providers(
    tenant: Tenant, owner: User, idp: OIDCProvider
) -> None:
    on = configure(idp, owner, slug="corp", name="Corp Login")
    configure(idp, owner, slug="old", name="Old Login", enabled=False)
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from deskwerk.sso.context_processors import sso

    request = RequestFactory().get(f"/t/{tenant.slug}/login/")
    request.tenant = tenant  # type: ignore[attr-defined]
    with tenant_context(tenant):
        context = sso(request)
        buttons = list(context["sso_buttons"])
    assert [b["name"] for b in buttons] == ["Corp Login"]
    assert buttons[0]["url"].endswith(f"/accounts/oidc/{on.provider_id}/login/")
    html = render_to_string("sso/login_buttons.html", context, request=request)
    assert "Corp Login" in html
    assert "Old Login" not in html
    assert 'method="post"' in html


def test_a_get_of_the_login_start_asks_to_continue(
    tenant: Tenant, owner: User, idp: OIDCProvider
) -> None:
    """A link (GET) never starts the flow by itself; the page posts to the same URL."""
    provider = configure(idp, owner, name="Corp Login")
    response = Client().get(login_start_url(tenant, provider))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sign in with Corp Login" in html
    assert '<form method="post">' in html
    assert f"form-action 'self' {idp.issuer}" in response["Content-Security-Policy"]
    assert not [m for m, path, p in idp.log if path == "/authorize"]
