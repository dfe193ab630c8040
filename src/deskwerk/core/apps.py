from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "deskwerk.core"
    label = "core"
