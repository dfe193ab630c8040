"""Single sign-on per tenant."""

from __future__ import annotations

from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "deskwerk.sso"
    label = "sso"
    default_auto_field = "django.db.models.BigAutoField"
