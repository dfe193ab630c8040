from django.apps import AppConfig


class BreachesConfig(AppConfig):
    """Personal data breaches and their notification within 24 hours (DPA § 12, Art. 33/34)."""

    name = "deskwerk.breaches"
    label = "breaches"
