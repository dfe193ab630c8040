"""Password-reset tokens bound to the tenant of the account.

Django's generator already invalidates a token once the password, the last sign-in or the
e-mail address changes, and after ``PASSWORD_RESET_TIMEOUT``. Adding the tenant makes a
token of one tenant meaningless for any account of another, even if a lookup went wrong.
Unlike allauth's default generator this one writes no ``EmailAddress`` rows.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.tokens import PasswordResetTokenGenerator


class TenantPasswordResetTokenGenerator(PasswordResetTokenGenerator):
    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        base = super()._make_hash_value(user, timestamp)
        return f"{base}|tenant:{user.tenant_id}|active:{int(bool(user.is_active))}"
