"""E-mail settings from the environment, checked once at start-up.

Imported by ``deskwerk.settings`` before Django is set up, so this module imports nothing of
Django but its exceptions and validators. A wrong value stops start-up with a message instead of
surfacing hours later as a notice that never arrived.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email

from deskwerk.core.env import env_choice, env_int, env_str

BACKENDS = {
    "smtp": "deskwerk.notify.backends.SmtpBackend",
    "outbox": "deskwerk.notify.backends.OutboxBackend",
}
DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}
HOSTNAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")
LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}
DEVELOPMENT_FROM = "Deskwerk <noreply@localhost>"


@dataclass(frozen=True)
class MailSettings:
    transport: str  # "smtp" or "outbox"
    backend: str
    host: str
    port: int
    user: str
    password: str
    security: str  # "none", "starttls" or "tls" (implicit TLS)
    timeout: int
    ca_file: str | None
    from_email: str
    retention_days: int


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_from_address(name: str, value: str) -> str:
    """``addr@example.org`` or ``Name <addr@example.org>``, on one line."""
    if "\n" in value or "\r" in value:
        raise ImproperlyConfigured(f"{name} must be one line")
    _, address = parseaddr(value)
    try:
        validate_email(address)
    except ValidationError as exc:
        raise ImproperlyConfigured(
            f"{name} must be an e-mail address (optionally 'Name <address>'), not {value!r}"
        ) from exc
    return value


def _host(production: bool, transport: str) -> str:
    host = (env_str("SMTP_HOST") or "").strip()
    if not host:
        if production and transport == "smtp":
            raise ImproperlyConfigured("SMTP_HOST is required in production (or EMAIL_TRANSPORT)")
        return "localhost"
    if not (HOSTNAME.match(host) or is_loopback(host)):
        raise ImproperlyConfigured(f"SMTP_HOST must be a host name or IP address, not {host!r}")
    return host


def mail_settings(*, production: bool) -> MailSettings:
    """Read EMAIL_TRANSPORT, SMTP_* and DEFAULT_FROM_EMAIL; refuse what cannot work."""
    transport = env_choice("EMAIL_TRANSPORT", "smtp" if production else "outbox", set(BACKENDS))
    security = env_choice("SMTP_SECURITY", "starttls", set(DEFAULT_PORTS))
    host = _host(production, transport)
    port = env_int("SMTP_PORT", DEFAULT_PORTS[security], minimum=1, maximum=65535)
    user = env_str("SMTP_USER") or ""
    password = env_str("SMTP_PASSWORD") or ""
    if bool(user) != bool(password):
        raise ImproperlyConfigured("SMTP_USER and SMTP_PASSWORD go together: set both or neither")
    if user and security == "none" and not is_loopback(host):
        raise ImproperlyConfigured(
            "SMTP_SECURITY=none would send SMTP_PASSWORD in clear text to "
            f"{host}; use starttls or tls"
        )
    ca_file = env_str("SMTP_CA_FILE") or None
    if ca_file is not None and not Path(ca_file).is_file():
        raise ImproperlyConfigured(f"SMTP_CA_FILE={ca_file!r} is not a readable file")
    from_email = env_str("DEFAULT_FROM_EMAIL")
    if not from_email:
        if production and transport == "smtp":
            raise ImproperlyConfigured("DEFAULT_FROM_EMAIL is required in production")
        from_email = DEVELOPMENT_FROM
    return MailSettings(
        transport=transport,
        backend=BACKENDS[transport],
        host=host,
        port=port,
        user=user,
        password=password,
        security=security,
        timeout=env_int("SMTP_TIMEOUT", 30, minimum=1, maximum=600),
        ca_file=ca_file,
        from_email=check_from_address("DEFAULT_FROM_EMAIL", from_email.strip()),
        retention_days=env_int("MAIL_LOG_RETENTION_DAYS", 90, minimum=1, maximum=3650),
    )
