"""Creating and changing people's accounts, within one tenant."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from deskwerk.accounts.models import Membership, User
from deskwerk.audit.services import audit_record
from deskwerk.core.errors import Conflict, InvalidInput
from deskwerk.tenancy.models import Tenant


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
        else:
            user.set_unusable_password()
        user.save()
        Membership.unscoped.create(tenant=tenant, user=user, role=role)
        audit_record(
            tenant=tenant,
            actor=actor,
            action="user.create",
            obj=user,
            changed_fields=["email", "full_name", "role"],
        )
    return user


def user_is_admin(user: User) -> bool:
    membership = getattr(user, "membership", None)
    return bool(membership and membership.is_admin)
