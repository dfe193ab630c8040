"""Accounts: people per tenant."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core import checks

# allauth assumes e-mail login needs globally unique e-mails. Ours are unique per tenant
# and every lookup is scoped to the tenant (deskwerk.accounts.adapter, decision 0019).
_GLOBAL_EMAIL_CHECK = "Using email as a login method requires ACCOUNT_UNIQUE_EMAIL"


class AccountsConfig(AppConfig):
    name = "deskwerk.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from allauth.account import checks as allauth_checks

        original = allauth_checks.settings_check
        checks.registry.registry.registered_checks.discard(original)

        def allauth_settings_check(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
            """allauth's settings check without the one finding that per-tenant e-mail answers."""
            return [m for m in original(app_configs, **kwargs) if m.msg != _GLOBAL_EMAIL_CHECK]

        checks.register(allauth_settings_check)

        from deskwerk.accounts.breached import corpus_check

        checks.register(corpus_check)

        from deskwerk.accounts import mfa  # noqa: F401 - connects the MFA audit signals
