from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class PrivacyConfig(AppConfig):
    name = "deskwerk.privacy"
    label = "privacy"

    def ready(self) -> None:
        # Every app's privacy.py declares its part of the data map.
        autodiscover_modules("privacy")
