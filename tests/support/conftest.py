"""The real SMTP server of tests/notify, for the notices of the support app."""

from tests.notify.conftest import (  # noqa: F401 - fixtures
    _mail_settings,
    certificate,
    smtp_server,
)
