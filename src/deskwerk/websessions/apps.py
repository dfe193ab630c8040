from django.apps import AppConfig


class WebSessionsConfig(AppConfig):
    name = "deskwerk.websessions"
    label = "websessions"
    verbose_name = "web sessions"
