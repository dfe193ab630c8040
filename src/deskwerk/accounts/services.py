"""Creating and changing people's accounts, within one tenant."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from deskwerk.accounts.models import ContactDetails, Membership, User
from deskwerk.audit.services import audit_record
from deskwerk.core.errors import Conflict, InvalidInput, NotFound
from deskwerk.tenancy.models import Tenant
from deskwerk.tenancy.services import assert_same_tenant


def user_create(
    *,
    tenant: Tenant,
    email: str,
    full_name: str = "",
    role: str = Membership.Role.MEMBER,
    password: str | None = None,
    actor: User | None = None,
) -> User:
    """Create an account and its membership. Without a password the account cannot log in yet."""
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput(f"{email!r} is not an e-mail address", code="invalid_email") from exc
    if role not in Membership.Role.values:
        raise InvalidInput(f"unknown role {role!r}", code="invalid_role")
    with transaction.atomic():
        if User.unscoped.filter(tenant=tenant, email__iexact=email).exists():
            raise Conflict(f"{email} already has an account in this tenant", code="email_taken")
        user = User(tenant=tenant, email=email, full_name=full_name.strip())
        if password:
            user.set_password(password)
            user.password_changed_at = timezone.now()
        else:
            user.set_unusable_password()
        user.save()
        Membership.unscoped.create(tenant=tenant, user=user, role=role)
        from deskwerk.access.roles import grant_initial_roles

        grant_initial_roles(tenant=tenant, user=user, admin=role == Membership.Role.ADMIN)
        audit_record(
            tenant=tenant,
            actor=actor,
            action="user.create",
            obj=user,
            changed_fields=["email", "full_name", "role"],
        )
    return user


def user_is_admin(user: User) -> bool:
    """Holds a live ``owner`` grant (the role grants are the source of truth, not Membership)."""
    from deskwerk.access.roles import OWNER, active_roles

    return OWNER in active_roles(user)


def _may_correct(actor: User) -> bool:
    """Correcting someone else's data: people administrators, and privacy officers (Art. 16)."""
    from deskwerk.access.roles import has_permission

    return has_permission(actor, "people.manage") or has_permission(actor, "privacy.requests")


def person_update(
    *,
    actor: User,
    person: User,
    full_name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    mobile: str | None = None,
    org_unit: str | None = None,
) -> User:
    """Correct a person's data (rectification, Art. 16): the person themselves or an admin.

    Contact fields live in ``ContactDetails``, created on first use. Audited with the names of
    the changed fields only. ``None`` leaves a field alone; ``""`` empties it.
    """
    assert_same_tenant(actor.tenant, person)
    if actor.pk != person.pk and not _may_correct(actor):
        raise NotFound("person not found")
    changed: list[str] = []
    with transaction.atomic():
        person = User.unscoped.select_for_update().get(pk=person.pk)
        if full_name is not None and full_name.strip() != person.full_name:
            person.full_name = full_name.strip()
            changed.append("full_name")
        if email is not None:
            email = email.strip().lower()
            try:
                validate_email(email)
            except ValidationError as exc:
                raise InvalidInput("that is not an e-mail address", code="invalid_email") from exc
            if email != person.email:
                taken = User.unscoped.filter(tenant_id=person.tenant_id, email__iexact=email)
                if taken.exclude(pk=person.pk).exists():
                    raise Conflict("that e-mail address has an account", code="email_taken")
                person.email = email
                changed.append("email")
        if changed:
            person.save(update_fields=changed)
        contact_changes = {
            name: value.strip()
            for name, value in (("phone", phone), ("mobile", mobile), ("org_unit", org_unit))
            if value is not None
        }
        if contact_changes:
            contact = ContactDetails.unscoped.filter(user=person).first()
            if contact is None:
                contact = ContactDetails(tenant_id=person.tenant_id, user=person)
            contact_changed = [n for n, v in contact_changes.items() if getattr(contact, n) != v]
            if contact_changed:
                for name in contact_changed:
                    setattr(contact, name, contact_changes[name])
                contact.save()
                changed += contact_changed
        if changed:
            audit_record(
                tenant=person.tenant,
                actor=actor,
                action="person.update",
                obj=person,
                changed_fields=changed,
            )
    return person


def person_set_language(*, actor: User, person: User, language: str) -> User:
    """The language of the person's pages and e-mails; ``""`` follows the browser again.

    The person themselves or an administrator who may correct people's data. Audited.
    """
    from django.conf import settings

    assert_same_tenant(actor.tenant, person)
    if actor.pk != person.pk and not _may_correct(actor):
        raise NotFound("person not found")
    if language not in {"", *dict(settings.LANGUAGES)}:
        raise InvalidInput("unsupported language")
    with transaction.atomic():
        person = User.unscoped.select_for_update().get(pk=person.pk)
        if person.language != language:
            person.language = language
            person.save(update_fields=["language"])
            audit_record(
                tenant=person.tenant,
                actor=actor,
                action="person.update",
                obj=person,
                changed_fields=["language"],
            )
    return person


def user_deactivate(*, actor: User, person: User) -> User:
    """Deactivate an account (administrators): no more sign-in, tokens refused, and every
    session of the person ends at once. The tenant's last active administrator stays."""
    from deskwerk.access.roles import has_permission
    from deskwerk.websessions.services import person_sessions_end

    assert_same_tenant(actor.tenant, person)
    if not has_permission(actor, "people.manage"):
        raise NotFound("person not found")
    with transaction.atomic():
        person = User.unscoped.select_for_update().get(pk=person.pk)
        if user_is_admin(person):
            others = Membership.unscoped.filter(
                tenant_id=person.tenant_id, role=Membership.Role.ADMIN, user__is_active=True
            ).exclude(user=person)
            if not others.exists():
                raise Conflict("this is the tenant's last administrator", code="last_admin")
        if person.is_active:
            person.is_active = False
            person.save(update_fields=["is_active"])
            audit_record(
                tenant=person.tenant,
                actor=actor,
                action="user.deactivate",
                obj=person,
                changed_fields=["is_active"],
            )
        person_sessions_end(actor=actor, person=person)
    return person


def user_reactivate(*, actor: User, person: User) -> User:
    """Let a deactivated account sign in again (administrators). Its roles are as they were:
    grants are not touched by deactivation, so nothing is handed out anew. Audited."""
    from deskwerk.access.roles import forget_roles, has_permission

    assert_same_tenant(actor.tenant, person)
    if not has_permission(actor, "people.manage"):
        raise NotFound("person not found")
    with transaction.atomic():
        person = User.unscoped.select_for_update().get(pk=person.pk)
        if not person.is_active:
            person.is_active = True
            person.save(update_fields=["is_active"])
            audit_record(
                tenant=person.tenant,
                actor=actor,
                action="user.reactivate",
                obj=person,
                changed_fields=["is_active"],
            )
    forget_roles(person)
    return person
