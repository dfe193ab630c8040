from django.apps import AppConfig


class BreachesConfig(AppConfig):
    """Personal data breaches and their notification within 24 hours (DPA § 12, Art. 33/34)."""

    name = "deskwerk.breaches"
    label = "breaches"

    def ready(self) -> None:
        # The notices are compliance documentation kept after offboarding (DPA § 14 (3)).
        from deskwerk.breaches.services import documentation_rows
        from deskwerk.offboarding.documentation import register_source

        register_source("breach_notices", documentation_rows)
