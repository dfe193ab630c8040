"""Authentication that always names the tenant: an e-mail alone identifies nobody."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.http import HttpRequest

from deskwerk.accounts.lockout import LockedOut, check_not_locked, record_failure, reset
from deskwerk.accounts.models import User
from deskwerk.accounts.passwords import password_expired
from deskwerk.audit.services import audit_record
from deskwerk.tenancy.models import Tenant


def _refuse(request: HttpRequest | None, reason: str) -> None:
    """Tell the front-end why (``locked_out``, ``password_expired``): ``request.auth_refusal``."""
    if request is not None:
        request.auth_refusal = reason  # type: ignore[attr-defined]


class TenantEmailBackend(BaseBackend):
    """Log in by (tenant, e-mail, password); refuse inactive people and inactive tenants.

    Every front-end that calls ``authenticate()`` gets the brute-force lockout (``lockout``)
    and the tenant's maximum password age (``passwords``); the reason for such a refusal is
    left on ``request.auth_refusal``.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        *,
        tenant: Tenant | None = None,
        email: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if tenant is None or not email or password is None or not tenant.is_active:
            return None
        user = (
            User.unscoped.filter(tenant=tenant, email__iexact=email.strip())
            .select_related("tenant")
            .first()
        )
        ip = request.META.get("REMOTE_ADDR") if request is not None else None
        try:
            check_not_locked(tenant=tenant, email=email, ip=ip)
        except LockedOut as exc:
            # Even the right password is refused; the same hashing work as any attempt.
            User(password="").set_password(password)
            audit_record(
                tenant=tenant,
                actor=None,
                action="auth.locked_out",
                object_type="accounts.user",
                object_id=user.pk if user is not None else "",
                changed_fields=[exc.kind],
            )
            _refuse(request, "locked_out")
            return None
        if user is None:
            # Same work as a wrong password, so timing does not reveal who has an account.
            User(password="").set_password(password)
            record_failure(tenant=tenant, email=email, ip=ip, user=None)
            return None
        if not (user.check_password(password) and user.is_active):
            if record_failure(tenant=tenant, email=email, ip=ip, user=user):
                _refuse(request, "locked_out")
            return None
        reset(tenant=tenant, email=email)
        if password_expired(user):
            audit_record(tenant=tenant, actor=user, action="auth.password_expired", obj=user)
            _refuse(request, "password_expired")
            return None
        return user

    def get_user(self, user_id: Any) -> User | None:
        user = User.unscoped.select_related("tenant").filter(pk=user_id).first()
        if user is None or not user.is_active or not user.tenant.is_active:
            return None
        return user
