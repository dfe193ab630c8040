from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "deskwerk.usage"
    label = "usage"
