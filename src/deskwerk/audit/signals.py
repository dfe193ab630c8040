"""Sign-ins, failed sign-ins and sign-outs, audited from Django's authentication signals.

Nothing typed is stored: not the password (Django masks it anyway) and not the e-mail address of
a failed attempt. A failed attempt names the account it claimed, by id, when that account exists
in the tenant — which says who was targeted, not who tried.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from deskwerk.accounts.models import User
from deskwerk.audit.services import audit_record
from deskwerk.tenancy.models import Tenant

USER = "accounts.user"


def on_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    audit_record(tenant=user.tenant, actor=user, action="auth.login", obj=user)


def on_logout(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is not None and user.is_authenticated:
        audit_record(tenant=user.tenant, actor=user, action="auth.logout", obj=user)


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    tenant = credentials.get("tenant") or getattr(request, "tenant", None)
    if not isinstance(tenant, Tenant):
        return  # a tenant must name the log the attempt belongs to; without one there is none
    email = credentials.get("email")
    claimed = (
        User.unscoped.filter(tenant=tenant, email__iexact=email.strip()).first()
        if isinstance(email, str) and email.strip()
        else None
    )
    audit_record(
        tenant=tenant,
        actor=claimed,
        action="auth.login_failed",
        object_type=USER,
        object_id=claimed.pk if claimed is not None else "",
    )
