from django.apps import AppConfig


class SupportConfig(AppConfig):
    """Support access on instruction and the instruction register (DPA § 7)."""

    name = "deskwerk.support"
    label = "support"
