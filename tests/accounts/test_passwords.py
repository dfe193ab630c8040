"""Password policy (ASVS 6.2), Argon2id, maximum age and password changes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import timezone

from deskwerk.accounts.lockout import AccountLocked
from deskwerk.accounts.models import User
from deskwerk.accounts.passwords import (
    MAX_LENGTH,
    password_change,
    password_expired,
    password_policy,
    password_policy_update,
    password_set,
    policy_problems,
)
from deskwerk.audit.models import AuditEvent
from deskwerk.core.errors import Forbidden, InvalidInput
from tests.api.conftest import assert_problem
from tests.conftest import PASSWORD
from tests.websessions.conftest import browser_login, signed_in_as

pytestmark = pytest.mark.django_db


def codes(password, tenant, user=None):
    return [code for code, _ in policy_problems(password, tenant=tenant, user=user)]


def test_argon2id_is_the_production_hasher(settings):
    assert settings.PRODUCTION_PASSWORD_HASHERS[0].endswith(".Argon2PasswordHasher")
    settings.PASSWORD_HASHERS = settings.PRODUCTION_PASSWORD_HASHERS

    encoded = make_password("a perfectly fine passphrase")

    assert encoded.startswith("argon2$argon2id$")


def test_too_short_is_refused_and_the_minimum_is_the_tenants(tenant, owner):
    assert codes("eleven char", tenant) == ["password_too_short"]
    assert codes("twelve chars", tenant) == []

    password_policy_update(actor=owner, tenant=tenant, changes={"min_length": 16})

    tenant.refresh_from_db()
    assert codes("twelve chars", tenant) == ["password_too_short"]
    assert codes("sixteen chars ok", tenant) == []


def test_common_and_breached_passwords_are_refused(tenant):
    assert codes("password1234", tenant) == ["password_too_common"]  # Django's list
    assert codes("Deskwerk2025", tenant) == ["password_too_common"]  # the bundled extra list


def test_no_composition_rules(tenant):
    # lower-case letters and spaces only, no digit, no symbol, no capital
    assert codes("correct horse battery staple", tenant) == []


def test_64_and_more_characters_are_allowed_up_to_the_cap(tenant, member):
    long = "lange passphrase " * 8  # 136 characters
    assert len(long) > 64
    assert codes(long, tenant) == []
    assert codes("x" * (MAX_LENGTH + 1), tenant) == ["password_too_long"]

    password_set(actor=member, person=member, new=long)

    assert authenticate(None, tenant=tenant, email=member.email, password=long) is not None


def test_the_email_and_the_tenant_name_are_refused(tenant, member):
    assert codes("member@acme.test", tenant, member) == ["password_too_similar"]
    assert codes("ACME GmbH", tenant, member) == ["password_too_short", "password_too_similar"]


def test_djangos_validate_password_applies_the_tenants_policy(tenant, owner, member):
    password_policy_update(actor=owner, tenant=tenant, changes={"min_length": 20})
    member.tenant.refresh_from_db()

    with pytest.raises(ValidationError) as caught:
        validate_password("fifteen chars!!", member)

    assert [e.code for e in caught.value.error_list] == ["password_too_short"]
    validate_password("fifteen chars!!")  # no account: the defaults


def test_policy_bounds_and_permission(tenant, owner, member):
    for bad in ({"min_length": 7}, {"min_length": 65}, {"max_age_days": 731}):
        with pytest.raises(InvalidInput) as caught:
            password_policy_update(actor=owner, tenant=tenant, changes=bad)
        assert caught.value.code == "setting_out_of_bounds"
    with pytest.raises(Forbidden):
        password_policy_update(actor=member, tenant=tenant, changes={"min_length": 14})

    assert password_policy(tenant).min_length == 12
    assert password_policy(tenant).max_age_days == 0  # no forced rotation by default


def test_maximum_age_refuses_sign_in_with_a_clear_reason(tenant, owner, member):
    password_policy_update(actor=owner, tenant=tenant, changes={"max_age_days": 90})
    member.refresh_from_db()
    request = RequestFactory().post("/")

    with time_machine.travel(timezone.now() + dt.timedelta(days=89)):
        assert not password_expired(member)
        assert authenticate(request, tenant=tenant, email=member.email, password=PASSWORD)
    with time_machine.travel(timezone.now() + dt.timedelta(days=91)):
        assert password_expired(member)
        assert authenticate(request, tenant=tenant, email=member.email, password=PASSWORD) is None
        assert request.auth_refusal == "password_expired"
        # a new password counts from now
        password_set(actor=owner, person=member, new="a brand new passphrase")
        assert authenticate(
            None, tenant=tenant, email=member.email, password="a brand new passphrase"
        )
    assert (
        AuditEvent.unscoped.filter(tenant=tenant).filter(action="auth.password_expired").count()
        == 1
    )


def test_the_login_page_says_the_password_expired(tenant, owner, member, client):
    password_policy_update(actor=owner, tenant=tenant, changes={"max_age_days": 30})
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        page = client.post(
            f"/t/{tenant.slug}/login/", {"email": member.email, "password": PASSWORD}
        )
    assert page.status_code == 401
    assert b"password has expired" in page.content


def test_change_ends_the_other_sessions_keeps_this_one_and_is_audited(tenant, member):
    here, elsewhere = browser_login(member), browser_login(member, ip="198.51.100.9")
    before = AuditEvent.unscoped.filter(tenant=tenant).count()

    response = here.post(
        "/api/v1/me/password",
        {"old_password": PASSWORD, "new_password": "another fine passphrase"},
        content_type="application/json",
        headers={"X-CSRFToken": here.cookies["csrftoken"].value},
    )

    assert response.status_code == 204, response.content
    assert signed_in_as(here) == member.email
    assert signed_in_as(elsewhere) == 401
    events = list(AuditEvent.unscoped.filter(tenant=tenant).order_by("pk")[before:])
    change = next(e for e in events if e.action == "password.change")
    assert change.changed_fields == ["password", "password_changed_at"]
    assert "session.end_all" in {e.action for e in events}
    assert PASSWORD not in str([vars(e) for e in events])
    assert "another fine passphrase" not in str([vars(e) for e in events])
    assert authenticate(None, tenant=tenant, email=member.email, password="another fine passphrase")


def test_change_refusals_have_stable_codes(api_member):
    def change(old, new):
        return api_member.post("/me/password", {"old_password": old, "new_password": new})

    assert_problem(change("wrong password here", "another fine passphrase"), 422, "password_wrong")
    assert_problem(change(PASSWORD, "too short"), 422, "password_too_short")
    assert_problem(change(PASSWORD, "password1234"), 422, "password_too_common")
    assert change(PASSWORD, "another fine passphrase").status_code == 204


def test_wrong_old_passwords_count_towards_the_lockout(tenant, member):
    for _ in range(5):
        with pytest.raises(InvalidInput):
            password_change(actor=member, old="guess guess guess", new="another fine passphrase")
    with pytest.raises(AccountLocked):
        password_change(actor=member, old=PASSWORD, new="another fine passphrase")
    assert User.unscoped.get(pk=member.pk).check_password(PASSWORD)


def test_the_policy_api(api_owner, api_member):
    policy = api_member.get("/tenant/password-policy").data
    assert (policy["min_length"], policy["max_length"], policy["max_age_days"]) == (
        12,
        MAX_LENGTH,
        0,
    )
    assert (policy["max_failures"], policy["lockout_minutes"]) == (5, 15)
    assert policy["max_length"] >= 64

    changed = api_owner.patch("/tenant/password-policy", {"min_length": 14, "max_failures": 3})
    assert (changed.data["min_length"], changed.data["max_failures"]) == (14, 3)

    refused = api_owner.patch("/tenant/password-policy", {"min_length": 10, "max_failures": 2})
    assert_problem(refused, 422, "setting_out_of_bounds")
    assert api_owner.get("/tenant/password-policy").data["min_length"] == 14  # all or nothing
    assert_problem(
        api_member.patch("/tenant/password-policy", {"min_length": 16}), 403, "permission_denied"
    )
