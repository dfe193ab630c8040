"""Per-request facts that services record in the audit log (request id, client address)."""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    request_id: str
    ip: str  # already truncated: never a full client address


_current: ContextVar[RequestInfo | None] = ContextVar("deskwerk_request", default=None)


def truncate_ip(raw: str | None) -> str:
    """IPv4 to /24 and IPv6 to /48: enough to spot abuse, too little to single a person out."""
    if not raw:
        return ""
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


def current_request() -> RequestInfo | None:
    return _current.get()


def set_request(info: RequestInfo | None):  # type: ignore[no-untyped-def]
    return _current.set(info)


def reset_request(token) -> None:  # type: ignore[no-untyped-def]
    _current.reset(token)
