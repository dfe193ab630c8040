from django.apps import AppConfig


class ProcessorConfig(AppConfig):
    """The processor's obligations (DPA §§ 6, 7, 10): operator console, authorised persons,
    subprocessors with the objection window."""

    name = "deskwerk.processor"
    label = "processor"
