"""The real SMTP server of tests/notify, for every breach notice."""

from tests.notify.conftest import (  # noqa: F401 - fixtures
    _mail_settings,
    certificate,
    smtp_server,
)
