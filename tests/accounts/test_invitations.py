"""Invitations: the way in besides single sign-on — single use, expiring, per tenant."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail as django_mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from deskwerk.access.roles import OWNER, active_roles
from deskwerk.accounts.invitations import (
    invitation_create,
    invitation_revoke,
    invitations_purge,
    token_hash,
)
from deskwerk.accounts.models import Invitation, User
from deskwerk.audit.models import AuditEvent
from deskwerk.core.errors import Conflict, Forbidden, InvalidInput
from deskwerk.notify.models import OutgoingMail
from deskwerk.tenancy.context import tenant_context
from tests.conftest import Api

pytestmark = pytest.mark.django_db
CHOSEN = "my own long passphrase"
SITE = "http://testserver"


def invite(actor, email="new@acme.test", **kwargs):
    with tenant_context(actor.tenant):
        return invitation_create(actor=actor, email=email, site_url=SITE, **kwargs)


def accept(slug, token, password=CHOSEN, **extra):
    data = {"full_name": "New Person", "password1": password, "password2": password, **extra}
    return Client().post(f"/t/{slug}/invite/{token}/", data)


def refusals(tenant) -> list[list[str]]:
    return [
        e.changed_fields
        for e in AuditEvent.unscoped.filter(tenant=tenant, action="invitation.refused")
    ]


def test_an_invitation_by_api_mails_a_link_that_creates_the_account(
    tenant, owner, django_capture_on_commit_callbacks
):
    api = Api(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/people/invitations",
            {
                "email": "New@Acme.test",
                "full_name": "New Person",
                "role": "admin",
                "language": "en",
            },
        )
    assert response.status_code == 201, response.data
    assert response.data["state"] == "pending"
    assert response.data["email"] == "new@acme.test"
    assert "token" not in str(response.data).lower()
    [message] = django_mail.outbox
    assert message.to == ["new@acme.test"]
    assert message.subject == "You are invited to ACME GmbH on Deskwerk"
    [token] = re.findall(r"http://testserver/t/acme/invite/([^/\s]+)/", message.body)
    assert OutgoingMail.unscoped.get().template == "invitation"

    page = Client().get(f"/t/acme/invite/{token}/")
    assert page.status_code == 200
    assert b"new@acme.test" in page.content
    assert page["Referrer-Policy"] == "no-referrer"
    done = accept("acme", token)
    assert done.status_code == 200
    assert b"Your account is ready" in done.content

    user = User.unscoped.get(tenant=tenant, email="new@acme.test")
    assert user.full_name == "New Person"
    assert user.check_password(CHOSEN)
    assert OWNER in active_roles(user)  # the invited role
    invitation = Invitation.unscoped.get()
    assert (invitation.state, invitation.account_id) == ("accepted", user.pk)
    signed = Client()
    response = signed.post("/t/acme/login/", {"email": user.email, "password": CHOSEN})
    assert response.status_code == 302
    actions = set(AuditEvent.unscoped.filter(tenant=tenant).values_list("action", flat=True))
    assert {"invitation.create", "user.create", "invitation.accept", "auth.login"} <= actions


def test_the_link_works_once(tenant, owner):
    _, token = invite(owner)
    assert accept("acme", token).status_code == 200
    replay = accept("acme", token, password="someone else's passphrase")
    assert replay.status_code == 410
    assert b"already used" in replay.content
    assert Client().get(f"/t/acme/invite/{token}/").status_code == 410
    assert User.unscoped.filter(email="new@acme.test").count() == 1
    assert refusals(tenant) == [["accepted"], ["accepted"]]


def test_an_expired_link_is_refused(tenant, owner):
    _, token = invite(owner)
    with time_machine.travel(timezone.now() + dt.timedelta(days=7, minutes=1)):
        response = accept("acme", token)
    assert response.status_code == 410
    assert b"expired" in response.content
    assert not User.unscoped.filter(email="new@acme.test").exists()
    assert refusals(tenant) == [["expired"]]


def test_a_revoked_link_is_refused(tenant, owner):
    invitation, token = invite(owner)
    with tenant_context(tenant):
        invitation_revoke(actor=owner, invitation=invitation)
        invitation_revoke(actor=owner, invitation=invitation)  # idempotent
    response = accept("acme", token)
    assert response.status_code == 410
    assert b"withdrawn" in response.content
    assert not User.unscoped.filter(email="new@acme.test").exists()
    assert AuditEvent.unscoped.filter(action="invitation.revoke").count() == 1


def test_an_accepted_invitation_cannot_be_revoked(tenant, owner):
    invitation, token = invite(owner)
    accept("acme", token)
    with tenant_context(tenant), pytest.raises(Conflict) as exc:
        invitation_revoke(actor=owner, invitation=invitation)
    assert exc.value.code == "invitation_used"


def test_a_link_of_one_tenant_means_nothing_in_another(tenant, other_tenant, owner):
    _, token = invite(owner)
    response = accept("globex", token)
    assert response.status_code == 404
    assert not User.unscoped.filter(email="new@acme.test").exists()
    assert refusals(other_tenant) == [["unknown"]]
    assert accept("acme", token).status_code == 200  # still good where it belongs


def test_unknown_and_malformed_tokens_are_refused(tenant):
    for token in ("nope", "x" * 300, "%00", "a.b"):
        response = Client().get(f"/t/acme/invite/{token}/")
        assert response.status_code == 404, token


def test_a_weak_password_is_refused_and_the_invitation_stays_usable(tenant, owner):
    _, token = invite(owner)
    for weak in ("short", "password1234", "new@acme.test"):
        response = accept("acme", token, password=weak)
        assert response.status_code == 422, weak
    mismatch = accept("acme", token, password2="something else entirely")
    assert mismatch.status_code == 422
    assert b"differ" in mismatch.content
    assert not User.unscoped.filter(email="new@acme.test").exists()
    assert accept("acme", token).status_code == 200


def test_an_address_with_an_account_or_a_pending_invitation_is_refused(tenant, owner, member):
    with pytest.raises(Conflict) as taken:
        invite(owner, member.email.upper())
    assert taken.value.code == "email_taken"
    invite(owner)
    with pytest.raises(Conflict) as pending:
        invite(owner)
    assert pending.value.code == "invitation_pending"


def test_only_people_administrators_invite(tenant, member, owner):
    with pytest.raises(Forbidden):
        invite(member)
    with pytest.raises(InvalidInput) as role:
        invite(owner, role="overlord")
    assert role.value.code == "invalid_role"
    with pytest.raises(InvalidInput) as language:
        invite(owner, language="fr")
    assert language.value.code == "invalid_language"
    with pytest.raises(InvalidInput):
        invite(owner, "not an address")
    assert not Invitation.unscoped.exists()


def test_only_a_hash_of_the_secret_is_stored(tenant, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = invite(owner)
    assert invitation.token_hash == token_hash(token) != token
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Invitation._meta.db_table}")
        stored = str(cursor.fetchall())
        cursor.execute("SELECT * FROM notify_outgoingmail")
        stored += str(cursor.fetchall())
    assert token not in stored
    assert token not in str(list(AuditEvent.unscoped.values()))


def test_the_api_lists_and_revokes(tenant, owner, api_owner, api_member):
    invitation, _token = invite(owner)
    listed = api_owner.get("/people/invitations")
    assert [i["id"] for i in listed.data["items"]] == [invitation.pk]
    assert api_member.get("/people/invitations").status_code == 403
    revoked = api_owner.post(f"/people/invitations/{invitation.pk}/revoke")
    assert revoked.status_code == 200
    assert revoked.data["state"] == "revoked"
    again = api_owner.post("/people/invitations", {"email": "new@acme.test"})
    assert again.status_code == 201  # a revoked invitation does not block a new one
    taken = api_owner.post("/people/invitations", {"email": owner.email})
    assert taken.status_code == 409
    assert taken.data["code"] == "email_taken"
    bad = api_owner.post("/people/invitations", {"email": "x@y.test", "role": "overlord"})
    assert bad.status_code == 422


def test_stale_invitations_are_purged_accepted_ones_kept(tenant, owner):
    _old, _ = invite(owner, "old@acme.test")
    _, used = invite(owner, "used@acme.test")
    accept("acme", used)
    invite(owner, "fresh@acme.test")
    later = timezone.now() + dt.timedelta(days=7 + 31)
    assert invitations_purge(now=later) == 2  # old and fresh, both long expired
    assert list(Invitation.unscoped.values_list("email", flat=True)) == ["used@acme.test"]
    assert invitations_purge(now=timezone.now()) == 0


def test_an_invited_administrator_waits_for_a_second_owner(tenant, owner):
    """Inviting as administrator is no way round the four-eyes rule (it was: the account
    became an owner on acceptance without anybody's approval)."""
    from deskwerk.access.models import RoleGrant
    from deskwerk.access.roles import role_approve, role_grant
    from tests.conftest import make_user

    second = make_user(tenant, "second.owner@acme.test")
    with tenant_context(tenant):
        role_grant(actor=owner, person=second, role=OWNER)  # sole owner: active at once
    assert OWNER in active_roles(second)

    _, token = invite(owner, role="admin")
    assert accept("acme", token).status_code == 200

    user = User.unscoped.get(tenant=tenant, email="new@acme.test")
    assert OWNER not in active_roles(user)
    grant = RoleGrant.unscoped.get(user=user, role=OWNER)
    assert (grant.state, grant.granted_by_id) == ("pending", owner.pk)
    with tenant_context(tenant), pytest.raises(Forbidden):
        role_approve(actor=owner, grant=grant)  # not the inviter
    with tenant_context(tenant):
        role_approve(actor=second, grant=grant)
    assert OWNER in active_roles(User.unscoped.get(pk=user.pk))


def test_only_who_may_grant_the_owner_role_invites_administrators(tenant, owner):
    from deskwerk.access.roles import PEOPLE_ADMIN, role_grant
    from tests.conftest import make_user

    people_admin = make_user(tenant, "people.admin@acme.test")
    with tenant_context(tenant):
        role_grant(actor=owner, person=people_admin, role=PEOPLE_ADMIN)  # sole owner: active

    with pytest.raises(Forbidden):
        invite(people_admin, role="admin")
    assert not Invitation.unscoped.exists()
    invitation, _ = invite(people_admin, role="member")
    assert invitation.role == "member"
