"""Invitations: the only way besides single sign-on to get an account (no open sign-up).

An administrator (``people.manage``) invites an e-mail address with a role; the person gets a
link ``/t/<slug>/invite/<secret>/`` that works once, for seven days, unless revoked. Only the
SHA-256 hash of the secret is stored, so neither the database nor the mail log can replay it.
Accepting sets a password under the tenant's policy and creates the account through
``accounts.services.user_create``. Every step, refusals included, is audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from deskwerk.accounts.lockout import GERMAN_ZONES
from deskwerk.accounts.models import Invitation, Membership, User
from deskwerk.accounts.passwords import policy_problems
from deskwerk.accounts.services import user_create
from deskwerk.audit.services import audit_record
from deskwerk.core.errors import Conflict, InvalidInput, NotFound
from deskwerk.tenancy.models import Tenant
from deskwerk.tenancy.services import assert_same_tenant

TOKEN_BYTES = 32
LANGUAGES = ("de", "en")


def token_hash(token: str) -> str:
    """What is stored for a link's secret (a fast hash suffices: the secret has 256 bits)."""
    return hashlib.sha256(token.encode()).hexdigest()


def tenant_language(tenant: Tenant) -> str:
    """The default language of a tenant's notices (as for the lockout notice)."""
    return "de" if tenant.default_timezone in GERMAN_ZONES else "en"


def invitation_link(tenant: Tenant, token: str, *, site_url: str) -> str:
    """The absolute link of the e-mail; ``site_url`` is scheme and host of the request that
    created the invitation (Django has checked the host against ``ALLOWED_HOSTS``)."""
    from deskwerk.tenancy.urls import tenant_reverse

    return site_url.rstrip("/") + tenant_reverse(tenant, "invite:accept", token=token)


def invitation_create(
    *,
    actor: User,
    email: str,
    full_name: str = "",
    role: str = Membership.Role.MEMBER,
    language: str | None = None,
    site_url: str,
) -> tuple[Invitation, str]:
    """Invite ``email`` into the actor's tenant; returns the invitation and the link's secret.

    Refused: without ``people.manage`` (403), as administrator without ``roles.grant`` (403),
    an address that already has an account in the tenant (409 ``email_taken``), an address
    with a pending invitation (409 ``invitation_pending``), an unknown role or language (422).
    An invited administrator gets the owner role under the four-eyes rule on acceptance.
    """
    from deskwerk.access.roles import require_permission

    tenant = actor.tenant
    assert_same_tenant(tenant)
    require_permission(actor, "people.manage")
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput("that is not an e-mail address", code="invalid_email") from exc
    if role not in Membership.Role.values:
        raise InvalidInput(f"unknown role {role!r}", code="invalid_role")
    if role == Membership.Role.ADMIN:
        require_permission(actor, "roles.grant")  # only who may grant the owner role
    language = language or tenant_language(tenant)
    if language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {LANGUAGES}", code="invalid_language")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        if User.unscoped.filter(tenant=tenant, email__iexact=email).exists():
            raise Conflict("that e-mail address already has an account", code="email_taken")
        now = timezone.now()
        pending = Invitation.unscoped.filter(
            tenant=tenant,
            email=email,
            accepted_at=None,
            revoked_at=None,
            expires_at__gt=now,
        )
        if pending.exists():
            raise Conflict(
                "that e-mail address has a pending invitation; revoke it first",
                code="invitation_pending",
            )
        invitation = Invitation.unscoped.create(
            tenant=tenant,
            email=email,
            full_name=full_name.strip(),
            role=role,
            language=language,
            token_hash=token_hash(token),
            invited_by=actor,
        )
        audit_record(
            tenant=tenant,
            actor=actor,
            action="invitation.create",
            obj=invitation,
            changed_fields=["email", "full_name", "role"],
        )
        _send(invitation, token, inviter=actor, site_url=site_url)
    return invitation, token


def _send(invitation: Invitation, token: str, *, inviter: User, site_url: str) -> None:
    from deskwerk.notify.services import send_mail_message

    send_mail_message(
        tenant=invitation.tenant,
        to=[invitation.email],
        template="invitation",
        context={
            "name": invitation.full_name,
            "inviter": inviter.full_name or inviter.email,
            "link": invitation_link(invitation.tenant, token, site_url=site_url),
            "expires_at": invitation.expires_at,
        },
        language=invitation.language,
    )


def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    """Withdraw a pending invitation (``people.manage``); its link stops working. Idempotent
    for revoked ones; an accepted invitation cannot be revoked (409 ``invitation_used``)."""
    from deskwerk.access.roles import require_permission

    assert_same_tenant(actor.tenant, invitation)
    require_permission(actor, "people.manage")
    with transaction.atomic():
        invitation = Invitation.unscoped.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise Conflict("the invitation was already accepted", code="invitation_used")
        if invitation.revoked_at is None:
            invitation.revoked_at = timezone.now()
            invitation.save(update_fields=["revoked_at"])
            audit_record(
                tenant=invitation.tenant,
                actor=actor,
                action="invitation.revoke",
                obj=invitation,
                changed_fields=["revoked_at"],
            )
    return invitation


class InvitationRefused(NotFound):
    """A link that does not (or no longer) work: unknown, used, expired or revoked.

    The reason is for the page and the audit log; the API never sees these links.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"this invitation link does not work ({reason})", code="invitation_invalid"
        )
        self.reason = reason


def invitation_for_token(*, tenant: Tenant, token: str) -> Invitation:
    """The tenant's usable invitation behind ``token``, else :class:`InvitationRefused`.

    Refusals of a known invitation are audited (a replayed or stale link is worth knowing
    about); an unknown token has nothing to attach the event to but the tenant.
    """
    invitation = (
        Invitation.unscoped.filter(tenant=tenant, token_hash=token_hash(token))
        .select_related("tenant")
        .first()
        if token
        else None
    )
    if invitation is None:
        _refused(tenant, None, "unknown")
        raise InvitationRefused("unknown")
    state = invitation.state
    if state != "pending":
        _refused(tenant, invitation, state)
        raise InvitationRefused(state)
    return invitation


def _refused(tenant: Tenant, invitation: Invitation | None, reason: str) -> None:
    audit_record(
        tenant=tenant,
        actor=None,
        action="invitation.refused",
        object_type="accounts.invitation",
        object_id=invitation.pk if invitation is not None else "",
        changed_fields=[reason],
    )


def invitation_accept(*, tenant: Tenant, token: str, password: str, full_name: str = "") -> User:
    """Accept an invitation: check the link, the tenant's password policy, create the account.

    Single use: the invitation row is locked and marked accepted in the same transaction that
    creates the account, so two clicks cannot make two accounts.
    """
    invitation = invitation_for_token(tenant=tenant, token=token)
    problems = policy_problems(password, tenant=tenant)
    if invitation.email in {password.strip().lower()}:
        problems.append(("password_too_similar", "the password must not be your e-mail address"))
    if problems:
        code, message = problems[0]
        raise InvalidInput(message, code=code, problems=[c for c, _ in problems])
    with transaction.atomic():
        locked = Invitation.unscoped.select_for_update().get(pk=invitation.pk)
        if locked.state != "pending":
            _refused(tenant, locked, locked.state)
            raise InvitationRefused(locked.state)
        user = user_create(
            tenant=tenant,
            email=locked.email,
            full_name=full_name.strip() or locked.full_name,
            role=Membership.Role.MEMBER,
            password=password,
            actor=None,
        )
        if locked.role == Membership.Role.ADMIN:
            from deskwerk.access.roles import owner_grant_for_invitee

            owner_grant_for_invitee(inviter=locked.invited_by, person=user)
        locked.accepted_at = timezone.now()
        locked.account = user
        locked.save(update_fields=["accepted_at", "account"])
        audit_record(
            tenant=tenant,
            actor=user,
            action="invitation.accept",
            obj=locked,
            changed_fields=["accepted_at", "account"],
        )
    return user


PURGE_AFTER_DAYS = 30


def invitations_purge(*, now: dt.datetime | None = None) -> int:
    """Delete invitations that can no longer be used (expired or revoked, never accepted)
    more than ``PURGE_AFTER_DAYS`` ago, in every tenant: the invitee never joined, so nothing
    of them is kept longer. Accepted invitations go with the account (erasure)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=PURGE_AFTER_DAYS)
    stale = Invitation.unscoped.filter(accepted_at=None).filter(
        Q(expires_at__lte=cutoff) | Q(revoked_at__lte=cutoff)
    )
    count, _ = stale.delete()
    return count
