"""A real SMTP server on loopback (aiosmtpd), a self-signed certificate, and mail settings.

The server runs in a thread of its own; delivery runs in the test's thread (Huey's immediate
mode), after commit.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SMTP_USER = "deskwerk"
SMTP_PASSWORD = "relay password 123"


@pytest.fixture(autouse=True)
def _mail_settings(settings: Any, tmp_path: Path) -> None:
    """An outbox per test, and retries without waiting (three attempts in all)."""
    settings.OUTBOX_DIR = tmp_path / "outbox"
    settings.MAIL_RETRY_DELAYS = (0, 0)
    settings.DEFAULT_FROM_EMAIL = "Deskwerk <noreply@deskwerk.test>"


def free_port() -> int:
    """A port nobody listens on (the OS picked it; closed again at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    tls: bool
    login: str | None


@dataclass
class Collector:
    """aiosmtpd handler: keeps every message; refuses recipients it is told to."""

    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # address -> SMTP reply

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        login = session.auth_data.login.decode() if session.auth_data else None
        self.received.append(
            Received(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                message=message,
                # STARTTLS sets session.ssl; under implicit TLS the transport itself is TLS.
                tls=session.ssl is not None
                or server.transport.get_extra_info("ssl_object") is not None,
                login=login,
            )
        )
        return "250 Message accepted for delivery"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        SMTP_USER.encode(),
        SMTP_PASSWORD.encode(),
    )
    return AuthResult(success=ok, auth_data=data if ok else None)


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1 and localhost, made here (EC P-256: fast)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Deskwerk test SMTP")])
    now = dt.datetime.now(dt.UTC)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    paths = Certificate(cert=folder / "cert.pem", key=folder / "key.pem")
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@dataclass
class SmtpServer:
    host: str
    port: int
    collector: Collector

    @property
    def received(self) -> list[Received]:
        return self.collector.received


StartServer = Callable[..., SmtpServer]


@pytest.fixture
def smtp_server(settings: Any, certificate: Certificate) -> Iterator[StartServer]:
    """Start a real SMTP server and point Django's SMTP settings at it.

    ``security``: "none", "starttls" (STARTTLS required) or "tls" (implicit TLS);
    ``auth``: require SMTP AUTH (over TLS) with SMTP_USER / SMTP_PASSWORD;
    ``trust``: configure the certificate as SMTP_CA_FILE (else the system's CAs apply).
    """
    controllers: list[Controller] = []

    def start(security: str = "none", *, auth: bool = False, trust: bool = True) -> SmtpServer:
        collector = Collector()
        port = free_port()
        kwargs: dict[str, Any] = {}
        if security != "none":
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(certificate.cert, certificate.key)
            if security == "starttls":
                kwargs |= {"tls_context": context, "require_starttls": True}
            else:
                # The server cannot tell that an implicit-TLS connection is encrypted: let it
                # offer AUTH anyway (the client sends nothing before the TLS handshake).
                kwargs |= {"ssl_context": context, "auth_require_tls": False}
        if auth:
            kwargs |= {"authenticator": _authenticate, "auth_required": True}
        controller = Controller(collector, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        controllers.append(controller)
        settings.EMAIL_BACKEND = "deskwerk.notify.backends.SmtpBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_USE_TLS = security == "starttls"
        settings.EMAIL_USE_SSL = security == "tls"
        settings.EMAIL_HOST_USER = SMTP_USER if auth else ""
        settings.EMAIL_HOST_PASSWORD = SMTP_PASSWORD if auth else ""
        settings.EMAIL_TIMEOUT = 5
        settings.SMTP_CA_FILE = str(certificate.cert) if trust else None
        return SmtpServer(host="127.0.0.1", port=port, collector=collector)

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def outbox_transport(settings: Any) -> Path:
    settings.EMAIL_BACKEND = "deskwerk.notify.backends.OutboxBackend"
    settings.EMAIL_TRANSPORT = "outbox"
    return Path(settings.OUTBOX_DIR)
