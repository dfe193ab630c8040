from django.apps import AppConfig


class SupportConfig(AppConfig):
    """Support access on instruction and the instruction register (DPA § 7)."""

    name = "deskwerk.support"
    label = "support"

    def ready(self) -> None:
        # Both registers are compliance documentation kept after offboarding (DPA § 14 (3)).
        from deskwerk.offboarding.documentation import register_source
        from deskwerk.support.documentation import (
            instructions_documentation,
            support_grants_documentation,
        )

        register_source("instructions", instructions_documentation)
        register_source("support_grants", support_grants_documentation)
