"""Authentication that always names the tenant: an e-mail alone identifies nobody."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.http import HttpRequest

from deskwerk.accounts.models import User
from deskwerk.tenancy.models import Tenant


class TenantEmailBackend(BaseBackend):
    """Log in by (tenant, e-mail, password); refuse inactive people and inactive tenants."""

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
        if user is None:
            # Same work as a wrong password, so timing does not reveal who has an account.
            User(password="").set_password(password)
            return None
        if user.check_password(password) and user.is_active:
            return user
        return None

    def get_user(self, user_id: Any) -> User | None:
        user = User.unscoped.select_related("tenant").filter(pk=user_id).first()
        if user is None or not user.is_active or not user.tenant.is_active:
            return None
        return user
