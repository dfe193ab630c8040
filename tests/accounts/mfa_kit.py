"""Helpers for the two-factor tests: factors, codes and the real sign-in flow."""

from __future__ import annotations

import json
from typing import Any

import pyotp
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client

from deskwerk.accounts.models import User
from deskwerk.audit.models import AuditEvent
from tests.conftest import PASSWORD


def add_totp(user: User) -> pyotp.TOTP:
    """An authenticator app and recovery codes for ``user``; returns the app's generator."""
    secret = pyotp.random_base32()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return pyotp.TOTP(secret)


def recovery_codes(user: User) -> list[str]:
    auth = Authenticator.objects.get(user_id=user.pk, type=Authenticator.Type.RECOVERY_CODES)
    return RecoveryCodes(auth).get_unused_codes()


def sign_in(client: Client, user: User, password: str = PASSWORD) -> Any:
    """The password step of allauth's sign-in page of the user's tenant."""
    return client.post(f"/t/{user.tenant.slug}/login/", {"email": user.email, "password": password})


def second_factor(client: Client, user: User, code: str) -> Any:
    return client.post(f"/t/{user.tenant.slug}/accounts/2fa/authenticate/", {"code": code})


def signed_in_as(client: Client) -> int | None:
    """The account id of the client's session as the API sees it (None: not signed in)."""
    response = client.get("/api/v1/me")
    if response.status_code != 200:
        return None
    return int(json.loads(response.content)["id"])


def actions(user: User) -> list[str]:
    return list(
        AuditEvent.unscoped.filter(tenant=user.tenant, actor_id=user.pk)
        .order_by("pk")
        .values_list("action", flat=True)
    )
