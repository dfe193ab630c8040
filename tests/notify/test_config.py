"""Mail settings from the environment: sensible defaults, and refusals of what cannot work."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from deskwerk.notify.config import mail_settings

NAMES = [
    "EMAIL_TRANSPORT",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USER",
    "SMTP_PASSWORD",
    "SMTP_PASSWORD_FILE",
    "SMTP_SECURITY",
    "SMTP_TIMEOUT",
    "SMTP_CA_FILE",
    "DEFAULT_FROM_EMAIL",
    "MAIL_LOG_RETENTION_DAYS",
]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)


def test_development_defaults_to_the_outbox():
    mail = mail_settings(production=False)

    assert (mail.transport, mail.backend) == ("outbox", "deskwerk.notify.backends.OutboxBackend")
    assert (mail.host, mail.port, mail.security, mail.timeout) == ("localhost", 587, "starttls", 30)
    assert mail.from_email == "Deskwerk <noreply@localhost>"
    assert mail.retention_days == 90


def test_production_defaults_to_smtp_and_insists_on_a_server_and_a_sender(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="SMTP_HOST is required"):
        mail_settings(production=True)
    monkeypatch.setenv("SMTP_HOST", "mail.example.eu")
    with pytest.raises(ImproperlyConfigured, match="DEFAULT_FROM_EMAIL is required"):
        mail_settings(production=True)
    monkeypatch.setenv("DEFAULT_FROM_EMAIL", "Deskwerk <desk@example.eu>")

    mail = mail_settings(production=True)

    assert (mail.transport, mail.backend) == ("smtp", "deskwerk.notify.backends.SmtpBackend")
    assert (mail.host, mail.from_email) == ("mail.example.eu", "Deskwerk <desk@example.eu>")


def test_production_may_keep_mail_in_the_outbox(monkeypatch):
    monkeypatch.setenv("EMAIL_TRANSPORT", "outbox")

    assert mail_settings(production=True).transport == "outbox"


@pytest.mark.parametrize(("security", "port"), [("none", 25), ("starttls", 587), ("tls", 465)])
def test_the_port_follows_the_security_unless_given(monkeypatch, security, port):
    monkeypatch.setenv("SMTP_SECURITY", security)
    assert mail_settings(production=False).port == port
    monkeypatch.setenv("SMTP_PORT", "2525")
    assert mail_settings(production=False).port == 2525


def test_the_password_may_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "smtp_password"
    secret.write_text("s3cret from a file\n")
    monkeypatch.setenv("SMTP_USER", "desk")
    monkeypatch.setenv("SMTP_PASSWORD_FILE", str(secret))

    mail = mail_settings(production=False)

    assert (mail.user, mail.password) == ("desk", "s3cret from a file")


def test_a_clear_text_password_is_allowed_only_to_loopback(monkeypatch):
    monkeypatch.setenv("SMTP_SECURITY", "none")
    monkeypatch.setenv("SMTP_USER", "desk")
    monkeypatch.setenv("SMTP_PASSWORD", "pw")
    for host in ("localhost", "127.0.0.1", "::1"):
        monkeypatch.setenv("SMTP_HOST", host)
        assert mail_settings(production=False).security == "none"
    monkeypatch.setenv("SMTP_HOST", "mail.example.eu")
    with pytest.raises(ImproperlyConfigured, match="clear text"):
        mail_settings(production=False)


def test_a_ca_file_must_exist(monkeypatch, tmp_path):
    monkeypatch.setenv("SMTP_CA_FILE", str(tmp_path / "missing.pem"))
    with pytest.raises(ImproperlyConfigured, match="SMTP_CA_FILE"):
        mail_settings(production=False)
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv("SMTP_CA_FILE", str(tmp_path / "ca.pem"))
    assert mail_settings(production=False).ca_file == str(tmp_path / "ca.pem")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("EMAIL_TRANSPORT", "sendmail", "EMAIL_TRANSPORT must be one of"),
        ("SMTP_SECURITY", "ssl", "SMTP_SECURITY must be one of"),
        ("SMTP_PORT", "smtp", "SMTP_PORT must be an integer"),
        ("SMTP_PORT", "0", "SMTP_PORT must be at least 1"),
        ("SMTP_PORT", "70000", "SMTP_PORT must be at most 65535"),
        ("SMTP_TIMEOUT", "-1", "SMTP_TIMEOUT must be at least 1"),
        ("SMTP_HOST", "smtp://mail.example.eu", "SMTP_HOST must be a host name"),
        ("SMTP_HOST", "mail example", "SMTP_HOST must be a host name"),
        ("SMTP_USER", "only-a-user", "go together"),
        ("SMTP_PASSWORD", "only-a-password", "go together"),
        ("DEFAULT_FROM_EMAIL", "not an address", "DEFAULT_FROM_EMAIL must be an e-mail"),
        ("DEFAULT_FROM_EMAIL", "Desk <desk@example.eu>\nBcc: x@y.z", "one line"),
        ("MAIL_LOG_RETENTION_DAYS", "0", "MAIL_LOG_RETENTION_DAYS must be at least 1"),
    ],
)
def test_malformed_values_are_refused(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=message):
        mail_settings(production=False)


def test_a_malformed_value_stops_start_up():
    """End to end: the settings module itself refuses to load."""
    env = {k: v for k, v in os.environ.items() if k not in {"DESKWERK_ENV", *NAMES}}
    result = subprocess.run(
        [sys.executable, "-c", "import deskwerk.settings"],
        env={**env, "SMTP_SECURITY": "ssl"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SMTP_SECURITY must be one of" in result.stderr


def test_the_settings_map_onto_djangos(settings):
    """The test settings were built by the same code, in development mode."""
    assert settings.EMAIL_TRANSPORT == "outbox"
    assert settings.EMAIL_USE_TLS is True
    assert settings.EMAIL_USE_SSL is False
    assert settings.SERVER_EMAIL == "Deskwerk <noreply@localhost>"  # conftest changes the other
    assert settings.OUTBOX_DIR.name == "outbox"
