"""Sign-in through django-allauth's login flow, scoped to the tenant of the URL."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from deskwerk.accounts.models import User
from deskwerk.audit.models import AuditEvent
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def me(client: Client) -> dict | None:
    response = client.get("/api/v1/me")
    return json.loads(response.content) if response.status_code == 200 else None


def login(client: Client, slug: str, email: str, password: str = PASSWORD):
    return client.post(f"/t/{slug}/login/", {"email": email, "password": password})


def test_the_same_email_and_password_in_two_tenants_signs_into_the_url_tenant_only(
    tenant, other_tenant
):
    a = make_user(tenant, "twin@example.test")
    b = make_user(other_tenant, "twin@example.test")
    assert a.pk != b.pk  # one address, one password, two accounts

    at_globex = Client()
    assert login(at_globex, "globex", "TWIN@example.test").status_code == 302
    assert at_globex.session["_auth_user_id"] == str(b.pk)
    assert me(at_globex)["tenant"]["slug"] == "globex"
    # That session is nobody at acme: its pages send it to acme's sign-in.
    page = at_globex.get("/t/acme/")
    assert page.status_code == 302
    assert page["Location"].startswith("/t/acme/login/")

    at_acme = Client()
    assert login(at_acme, "acme", "twin@example.test").status_code == 302
    assert at_acme.session["_auth_user_id"] == str(a.pk)
    assert me(at_acme)["tenant"]["slug"] == "acme"
    # Each sign-in is audited in its own tenant only.
    assert (
        AuditEvent.unscoped.filter(tenant=tenant, action="auth.login", actor_id=a.pk).count() == 1
    )
    assert (
        AuditEvent.unscoped.filter(tenant=other_tenant, action="auth.login", actor_id=b.pk).count()
        == 1
    )


def test_an_account_of_one_tenant_cannot_sign_in_at_another(member, other_tenant):
    client = Client()
    response = login(client, "globex", member.email)
    assert response.status_code == 401
    assert "_auth_user_id" not in client.session
    assert b"E-mail or password is wrong" in response.content


def test_sign_in_runs_allauths_login_flow(member):
    client = Client()
    response = login(client, "acme", member.email)
    assert response.status_code == 302
    assert response["Location"] == "/t/acme/"
    # allauth records how the session was authenticated (re-authentication relies on it).
    methods = client.session["account_authentication_methods"]
    assert [m["method"] for m in methods] == ["password"]
    assert methods[0]["email"] == member.email


def test_next_stays_inside_the_tenant(member):
    client = Client()
    response = client.post(
        "/t/acme/login/?next=/t/acme/accounts/reauthenticate/",
        {"email": member.email, "password": PASSWORD},
    )
    assert response["Location"] == "/t/acme/accounts/reauthenticate/"
    evil = Client().post(
        "/t/acme/login/?next=https://evil.example/", {"email": member.email, "password": PASSWORD}
    )
    assert evil["Location"] == "/t/acme/"


def test_login_required_pages_send_to_the_tenants_sign_in(tenant):
    response = Client().get("/t/acme/accounts/reauthenticate/")
    assert response.status_code == 302
    assert response["Location"].startswith("/t/acme/login/?next=")
    # allauth's own login URL is the tenant's page too.
    response = Client().get("/t/acme/accounts/login/?next=/t/acme/")
    assert response["Location"] == "/t/acme/login/?next=/t/acme/"


@pytest.mark.parametrize(
    "path",
    [
        "accounts/signup/",
        "accounts/email/",
        "accounts/confirm-email/",
        "accounts/confirm-email/abc/",
        "accounts/password/change/",
        "accounts/password/set/",
        "accounts/login/code/",
        "accounts/login/code/confirm/",
        "accounts/reauthenticate/code/",
        "accounts/3rdparty/signup/",
    ],
)
def test_what_deskwerk_does_not_offer_is_not_found(member, path):
    client = Client()
    client.force_login(member)
    assert client.get(f"/t/acme/{path}").status_code == 404
    assert Client().post(f"/t/acme/{path}", {"email": "new@acme.test"}).status_code == 404
    assert User.unscoped.count() == 1


def test_sign_out_asks_on_get_and_signs_out_on_post(member):
    client = Client()
    client.force_login(member)
    page = client.get("/t/acme/logout/")
    assert page.status_code == 200
    assert b"Sign out?" in page.content
    assert me(client) is not None
    response = client.post("/t/acme/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/t/acme/login/"
    assert me(client) is None


def test_the_login_page_always_sets_the_csrf_cookie(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    client.get("/t/acme/login/")
    assert client.cookies["csrftoken"].value


def test_malformed_input_is_a_refusal_not_an_error(tenant):
    for data in (
        {"email": "not an address", "password": "x"},
        {"email": "", "password": ""},
        {"password": PASSWORD},
        {"email": "a@b.test", "password": "p" * 5000},
    ):
        response = Client().post("/t/acme/login/", data)
        assert response.status_code == 401, data


def test_password_fields_are_masked_and_paste_friendly(tenant):
    page = Client().get("/t/acme/login/").content.decode()
    assert 'type="password"' in page
    assert 'name="password"' in page
    assert "onpaste" not in page
    assert 'autocomplete="off"' not in page
    assert 'href="/t/acme/accounts/password/reset/"' in page


def test_a_pending_second_step_of_one_tenant_cannot_be_finished_in_another(
    tenant, other_tenant, member
):
    from tests.accounts.mfa_kit import add_totp

    totp = add_totp(member)
    client = Client()
    response = login(client, "acme", member.email)
    assert response["Location"] == "/t/acme/accounts/2fa/authenticate/"

    elsewhere = client.post("/t/globex/accounts/2fa/authenticate/", {"code": totp.now()})
    # Not a 500, not a sign-in: the pending login is dropped, back to globex's sign-in page.
    assert elsewhere.status_code == 302
    assert elsewhere["Location"] == "/t/globex/accounts/login/"  # allauth's: leads to ours
    assert "_auth_user_id" not in client.session
    assert me(client) is None
    # The dropped sign-in cannot be finished at acme either: it starts again.
    back = client.post("/t/acme/accounts/2fa/authenticate/", {"code": totp.now()})
    assert back.status_code == 302
    assert back["Location"] == "/t/acme/accounts/login/"
    assert me(client) is None
