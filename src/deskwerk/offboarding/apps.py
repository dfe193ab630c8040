from django.apps import AppConfig


class OffboardingConfig(AppConfig):
    """End of contract: export archive, verified deletion, deletion certificate (DPA § 14)."""

    name = "deskwerk.offboarding"
    label = "offboarding"
