from django.apps import AppConfig
from django.core import checks


class CoreConfig(AppConfig):
    name = "deskwerk.core"
    label = "core"

    def ready(self) -> None:
        from deskwerk.core.regions import region_check

        checks.register(region_check, checks.Tags.security)
