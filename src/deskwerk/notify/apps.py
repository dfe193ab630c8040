from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "deskwerk.notify"
    label = "notify"
