from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class PrivacyConfig(AppConfig):
    name = "deskwerk.privacy"
    label = "privacy"

    def ready(self) -> None:
        # Every app's privacy.py declares its part of the data map.
        autodiscover_modules("privacy")
        # Periodic jobs of the requests inbox live in a sub-package the worker would not find.
        from deskwerk.privacy.requests import tasks  # noqa: F401
