"""Account tests receive mail from a real SMTP server on loopback (the notify test kit)."""

from tests.notify.conftest import certificate, smtp_server  # noqa: F401 - fixtures
