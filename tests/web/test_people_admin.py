"""The people administration pages: who may use them, four-eyes role grants through the
pages, re-authentication and back, invitations, deactivation, second-factor resets, and a
bounded number of queries for the list."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from deskwerk.access.models import RoleGrant
from deskwerk.access.roles import role_grant
from deskwerk.accounts.models import Invitation, Membership, User
from deskwerk.audit.models import AuditEvent
from deskwerk.tenancy.context import tenant_context
from tests.accounts.mfa_kit import add_totp
from tests.conftest import PASSWORD, make_user
from tests.web.booking_support import signed_in

pytestmark = pytest.mark.django_db
BASE = "/t/acme/admin/people"
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def fresh(user: User) -> Client:
    """A browser that signed in through the form just now (counts as re-authenticated)."""
    client = Client()
    response = client.post(
        f"/t/{user.tenant.slug}/login/", {"email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.content[:500]
    return client


def grants(person: User, **filters: Any) -> list[RoleGrant]:
    with tenant_context(person.tenant):
        return list(RoleGrant.objects.filter(user=person, **filters).order_by("pk"))


def audit_count(user: User) -> int:
    with tenant_context(user.tenant):
        return AuditEvent.objects.count()


def text(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def second_owner(tenant: Any) -> User:
    return make_user(tenant, "second@acme.test", Membership.Role.ADMIN)


def pages(member: User) -> list[str]:
    return [f"{BASE}/", f"{BASE}/{member.pk}/", f"{BASE}/roles/", f"{BASE}/?q=mem&page=1"]


def actions(
    member: User, grant: RoleGrant, invitation: Invitation
) -> list[tuple[str, dict[str, str]]]:
    return [
        (f"{BASE}/invite/", {"email": "new@acme.test", "language": "en"}),
        (f"{BASE}/invitations/{invitation.pk}/withdraw/", {}),
        (f"{BASE}/{member.pk}/roles/", {"role": "receptionist"}),
        (f"{BASE}/{member.pk}/deactivate/", {}),
        (f"{BASE}/{member.pk}/reactivate/", {}),
        (f"{BASE}/{member.pk}/second-factors/reset/", {}),
        (f"{BASE}/{member.pk}/password/reset-link/", {}),
        (f"{BASE}/grants/{grant.pk}/approve/", {}),
        (f"{BASE}/grants/{grant.pk}/reject/", {}),
        (f"{BASE}/grants/{grant.pk}/revoke/", {}),
    ]


@pytest.fixture
def invitation(owner: User) -> Invitation:
    from deskwerk.accounts.invitations import invitation_create

    with tenant_context(owner.tenant):
        invitation, _ = invitation_create(
            actor=owner, email="invited@acme.test", site_url="http://testserver"
        )
    return invitation


# --- who may --------------------------------------------------------------------------------


def test_the_owner_sees_every_page_and_the_admin_tabs(owner, member):
    client = signed_in(owner)
    for path in pages(member):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert 'class="admin-tabs"' in text(response)
    # The main navigation's "Admin" leads to the first section the person may use.
    assert client.get("/t/acme/admin/")["Location"] == "/t/acme/admin/spaces/"
    assert 'href="/t/acme/admin/people/"' in text(client.get("/t/acme/admin/spaces/"))


def test_a_member_is_told_not_allowed_and_nothing_is_written(owner, member, invitation):
    with tenant_context(owner.tenant):
        grant = role_grant(actor=owner, person=owner, role="receptionist")
    client = signed_in(member)
    for path in [*pages(member), "/t/acme/admin/"]:
        response = client.get(path)
        assert response.status_code == 403, path
        assert b"Not allowed" in response.content
    before = audit_count(owner)
    for path, data in actions(member, grant, invitation):
        assert client.post(path, data).status_code == 403, path
    assert audit_count(owner) == before
    assert grants(member, role="receptionist") == []
    member.refresh_from_db()
    assert member.is_active


def test_a_people_admin_manages_people_but_grants_no_roles(owner, member, tenant):
    helper = make_user(tenant, "helper@acme.test")
    with tenant_context(tenant):
        role_grant(actor=owner, person=helper, role="people_admin")  # one owner: at once
    client = signed_in(helper)
    assert client.get(f"{BASE}/").status_code == 200
    page = text(client.get(f"{BASE}/{member.pk}/"))
    assert "Deactivate account" in page
    assert "Grant role" not in page
    assert client.post(f"{BASE}/{member.pk}/roles/", {"role": "receptionist"}).status_code == 403
    assert client.post(f"{BASE}/{member.pk}/deactivate/").status_code == 302
    member.refresh_from_db()
    assert not member.is_active


def test_an_auditor_reads_the_role_report_only(owner, member, tenant):
    with tenant_context(tenant):
        role_grant(actor=owner, person=member, role="auditor")
    client = signed_in(member)
    assert client.get(f"{BASE}/roles/").status_code == 200
    assert client.get(f"{BASE}/").status_code == 403
    assert client.get("/t/acme/admin/")["Location"] == "/t/acme/admin/people/roles/"


def test_a_person_of_another_tenant_is_a_stranger_and_foreign_ids_are_404(
    owner, member, outsider, invitation
):
    with tenant_context(owner.tenant):
        grant = role_grant(actor=owner, person=member, role="receptionist")
    client = signed_in(outsider)
    for path in pages(member):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/t/acme/login/")
    before = audit_count(owner)
    for path, data in actions(member, grant, invitation):
        assert client.post(path, data).status_code == 302, path
    # In their own tenant, acme's ids do not exist.
    theirs = "/t/globex/admin/people"
    assert client.get(f"{theirs}/").status_code == 200
    assert client.get(f"{theirs}/{member.pk}/").status_code == 404
    for path, data in actions(member, grant, invitation):
        path = path.replace(BASE, theirs)
        if path.endswith("/invite/"):
            continue  # not an id
        assert client.post(path, data).status_code == 404, path
    assert audit_count(owner) == before
    member.refresh_from_db()
    assert member.is_active
    assert grants(member, state="active", role="receptionist")


def test_anonymous_visitors_are_sent_to_sign_in(tenant):
    response = Client().get(f"{BASE}/")
    assert response.status_code == 302
    assert "/t/acme/login/" in response["Location"]


def test_posts_without_csrf_token_are_refused(owner, member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post(f"{BASE}/{member.pk}/deactivate/").status_code == 403
    member.refresh_from_db()
    assert member.is_active


# --- the list -------------------------------------------------------------------------------


def test_search_and_pagination(owner, tenant):
    for n in range(30):
        make_user(tenant, f"person{n:02d}@acme.test")
    client = signed_in(owner)
    first = text(client.get(f"{BASE}/"))
    assert "Page 1 of 2" in first
    assert "31 people" in first
    second = text(client.get(f"{BASE}/?page=2"))
    assert "Page 2 of 2" in second
    found = text(client.get(f"{BASE}/?q=person07"))
    assert "person07@acme.test" in found
    assert "person08@acme.test" not in found
    assert "1 person" in found
    # Nonsense in the query string is no error.
    assert client.get(f"{BASE}/?page=abc&status=bogus&q=" + "x" * 500).status_code == 200


def test_the_list_needs_the_same_number_of_queries_for_few_and_many(owner, tenant):
    client = signed_in(owner)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{BASE}/").status_code == 200
        return len(queries)

    for n in range(3):
        make_user(tenant, f"few{n}@acme.test")
    few = count()
    for n in range(20):
        person = make_user(tenant, f"many{n}@acme.test")
        if n % 3 == 0:
            add_totp(person)
            with tenant_context(tenant):
                role_grant(actor=owner, person=person, role="receptionist")
    assert count() == few


# --- roles: four eyes, re-authentication ------------------------------------------------------


def test_four_eyes_through_the_pages(owner, second_owner, member):
    a = fresh(owner)
    response = a.post(f"{BASE}/{member.pk}/roles/", {"role": "people_admin"}, follow=True)
    assert response.status_code == 200
    assert "Another owner must approve it" in text(response)
    [pending] = grants(member, role="people_admin")
    assert pending.state == "pending"

    # A cannot approve their own request: no button, and a posted approval is refused.
    listing = text(a.get(f"{BASE}/"))
    assert "Waiting for approval" in listing
    assert f"/grants/{pending.pk}/approve/" not in listing
    refused = a.post(f"{BASE}/grants/{pending.pk}/approve/", follow=True)
    assert "A second person must approve this" in text(refused)
    assert grants(member, role="people_admin")[0].state == "pending"

    # Neither may the grantee (they hold no roles.grant at all).
    assert signed_in(member).post(f"{BASE}/grants/{pending.pk}/approve/").status_code == 403

    # B sees it waiting, approves it, and it counts.
    b = fresh(second_owner)
    assert f"/grants/{pending.pk}/approve/" in text(b.get(f"{BASE}/"))
    approved = b.post(f"{BASE}/grants/{pending.pk}/approve/", {"back": "people"}, follow=True)
    assert "approved" in text(approved)
    [grant] = grants(member, role="people_admin")
    assert grant.state == "active"
    assert (grant.granted_by_id, grant.approved_by_id) == (owner.pk, second_owner.pk)
    assert signed_in(member).get(f"{BASE}/").status_code == 200

    # A second approval of the same grant is refused with a message, not an error.
    again = b.post(f"{BASE}/grants/{pending.pk}/approve/", follow=True)
    assert "no longer waiting for approval" in text(again)

    # The report tells the story.
    report = text(b.get(f"{BASE}/roles/"))
    assert "People administrator" in report
    assert "second" in report


def test_granting_over_an_old_session_asks_to_confirm_and_comes_back(owner, member):
    client = signed_in(owner)  # signed in long ago, as far as the session knows
    until = (dt.datetime.now(BERLIN).date() + dt.timedelta(days=3)).isoformat()
    response = client.post(f"{BASE}/{member.pk}/roles/", {"role": "receptionist", "until": until})
    assert response.status_code == 302
    confirm = response["Location"]
    assert confirm.startswith("/t/acme/accounts/reauthenticate/?next=")
    assert grants(member, role="receptionist") == []

    assert "Please confirm it is you first" in text(client.get(confirm))
    # A wrong password does not get through.
    assert client.post(confirm, {"password": "not the password"}).status_code == 200
    assert grants(member, role="receptionist") == []

    done = client.post(confirm, {"password": PASSWORD})
    assert done.status_code == 302
    back = done["Location"]
    assert back == f"{BASE}/{member.pk}/?role=receptionist&until={until}"
    page = text(client.get(back))
    assert '<option value="receptionist" selected>' in page
    assert f'value="{until}"' in page
    client.post(f"{BASE}/{member.pk}/roles/", {"role": "receptionist", "until": until})
    assert [g.state for g in grants(member, role="receptionist")] == ["active"]


def test_approving_and_resetting_factors_ask_to_confirm_too(owner, second_owner, member):
    with tenant_context(owner.tenant):
        pending = role_grant(actor=owner, person=member, role="auditor")
    add_totp(member)
    client = signed_in(second_owner)
    for path in [
        f"{BASE}/grants/{pending.pk}/approve/",
        f"{BASE}/{member.pk}/second-factors/reset/",
    ]:
        response = client.post(path)
        assert response["Location"].startswith("/t/acme/accounts/reauthenticate/"), path
    assert grants(member, role="auditor")[0].state == "pending"
    assert Authenticator.objects.filter(user_id=member.pk).exists()


def test_a_grant_may_end_and_past_dates_are_refused(owner, member):
    client = fresh(owner)
    yesterday = (dt.datetime.now(BERLIN).date() - dt.timedelta(days=1)).isoformat()
    refused = client.post(
        f"{BASE}/{member.pk}/roles/", {"role": "receptionist", "until": yesterday}
    )
    assert refused.status_code == 422
    assert "The end date must be today or later." in text(refused)
    assert grants(member, role="receptionist") == []

    until = dt.datetime.now(BERLIN).date() + dt.timedelta(days=10)
    client.post(f"{BASE}/{member.pk}/roles/", {"role": "receptionist", "until": until.isoformat()})
    [grant] = grants(member, role="receptionist")
    expected = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=BERLIN)
    assert grant.expires_at == expected


@pytest.mark.parametrize(
    "data",
    [{}, {"role": "wizard"}, {"role": "operator_admin"}, {"role": "receptionist", "until": "soon"}],
)
def test_bad_grant_input_is_refused_next_to_the_field(owner, member, data):
    client = fresh(owner)
    before = audit_count(owner)
    response = client.post(f"{BASE}/{member.pk}/roles/", data)
    assert response.status_code == 422
    assert 'class="errorlist"' in text(response)
    assert grants(member, role="receptionist") == []
    assert audit_count(owner) == before


def test_double_submission_grants_once(owner, member):
    client = fresh(owner)
    client.post(f"{BASE}/{member.pk}/roles/", {"role": "receptionist"})
    again = client.post(f"{BASE}/{member.pk}/roles/", {"role": "receptionist"})
    assert again.status_code == 422
    assert "already holds or awaits that role" in text(again)
    assert len(grants(member, role="receptionist")) == 1


def test_revoking_and_the_last_owner(owner, member):
    client = fresh(owner)
    client.post(f"{BASE}/{member.pk}/roles/", {"role": "receptionist"})
    [grant] = grants(member, role="receptionist")
    client.post(f"{BASE}/grants/{grant.pk}/revoke/")
    assert grants(member, role="receptionist")[0].state == "revoked"

    [own] = grants(owner, role="owner")
    response = client.post(f"{BASE}/grants/{own.pk}/revoke/", follow=True)
    assert "last owner" in text(response)
    assert grants(owner, role="owner")[0].state == "active"


def test_a_german_page_speaks_german(owner, member):
    client = signed_in(owner)
    client.cookies["deskwerk_language"] = "de"
    response = client.get(f"{BASE}/{member.pk}/")
    assert response.status_code == 200
    assert '<html lang="de">' in text(response)


# --- accounts -------------------------------------------------------------------------------


def test_deactivate_and_reactivate(owner, member):
    client = signed_in(owner)
    response = client.post(f"{BASE}/{member.pk}/deactivate/", follow=True)
    assert "is deactivated" in text(response)
    member.refresh_from_db()
    assert not member.is_active
    client.post(f"{BASE}/{member.pk}/reactivate/")
    member.refresh_from_db()
    assert member.is_active
    with tenant_context(owner.tenant):
        done = list(
            AuditEvent.objects.filter(action__startswith="user.").values_list("action", flat=True)
        )
    assert done[-2:] == ["user.deactivate", "user.reactivate"]


def test_the_last_owner_cannot_be_deactivated(owner):
    response = signed_in(owner).post(f"{BASE}/{owner.pk}/deactivate/", follow=True)
    assert "last owner" in text(response)
    owner.refresh_from_db()
    assert owner.is_active


def test_resetting_second_factors(owner, member):
    add_totp(member)
    client = fresh(owner)
    assert "authenticator app" in text(client.get(f"{BASE}/{member.pk}/"))
    response = client.post(f"{BASE}/{member.pk}/second-factors/reset/", follow=True)
    assert "second factors of" in text(response)
    assert not Authenticator.objects.filter(user_id=member.pk).exists()


def test_invite_and_withdraw(owner, member):
    client = signed_in(owner)
    response = client.post(
        f"{BASE}/invite/",
        {"email": "New.Person@acme.test", "full_name": "New Person", "language": "de"},
        follow=True,
    )
    assert "Invitation sent to new.person@acme.test" in text(response)
    with tenant_context(owner.tenant):
        [invitation] = Invitation.objects.all()
    assert invitation.role == "member"
    assert invitation.language == "de"
    assert "new.person@acme.test" in text(client.get(f"{BASE}/"))

    again = client.post(f"{BASE}/invite/", {"email": "new.person@acme.test", "language": "de"})
    assert again.status_code == 422
    assert "pending invitation already" in text(again)

    taken = client.post(f"{BASE}/invite/", {"email": "member@acme.test", "language": "en"})
    assert "already has an account" in text(taken)
    bad = client.post(f"{BASE}/invite/", {"email": "not an address", "language": "xx"})
    assert bad.status_code == 422
    assert text(bad).count('class="errorlist"') == 2

    client.post(f"{BASE}/invitations/{invitation.pk}/withdraw/")
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    with tenant_context(owner.tenant):
        assert Invitation.objects.count() == 1


def test_ids_that_do_not_exist_are_404_never_an_error(owner):
    client = fresh(owner)
    huge = "9" * 30
    for path in [f"{BASE}/{huge}/", f"{BASE}/0/"]:
        assert client.get(path).status_code == 404, path
    for path in [
        f"{BASE}/{huge}/roles/",
        f"{BASE}/{huge}/deactivate/",
        f"{BASE}/{huge}/second-factors/reset/",
        f"{BASE}/grants/{huge}/approve/",
        f"{BASE}/invitations/{huge}/withdraw/",
    ]:
        assert client.post(path, {"role": "receptionist"}).status_code == 404, path


def test_an_administrator_sends_a_reset_link_and_never_sees_a_password(
    owner, member, django_capture_on_commit_callbacks
):
    """ASVS 6.4.6: the person chooses the new password through the e-mailed link."""
    import re

    from django.core import mail as django_mail

    client = signed_in(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{BASE}/{member.pk}/password/reset-link/")

    assert response.status_code == 302
    [message] = [m for m in django_mail.outbox if m.to == [member.email]]
    [link] = re.findall(
        r"http://testserver(/t/acme/accounts/password/reset/key/\S+/)", message.body
    )
    assert AuditEvent.unscoped.filter(
        tenant=member.tenant, action="password.reset_sent", actor_id=owner.pk
    ).exists()
    assert PASSWORD not in message.body
    # The link is the person's own self-service reset: it opens the form to choose one.
    page = Client().get(link, follow=True)
    assert page.status_code == 200
    assert b"password1" in page.content


def test_no_reset_link_for_an_account_without_a_password(owner, member):
    member.set_unusable_password()  # signs in by single sign-on only
    member.save(update_fields=["password"])
    client = signed_in(owner)

    response = client.post(f"{BASE}/{member.pk}/password/reset-link/", follow=True)

    assert "has no password to reset" in text(response)
    assert not AuditEvent.unscoped.filter(action="password.reset_sent").exists()
