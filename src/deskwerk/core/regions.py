"""Where personal data is processed (§ 5 of the agreement: only in the EU or the EEA).

Every external service the installation uses declares its region, an ISO 3166-1 country code,
in the environment. A system check refuses to start (``deskwerk.E030``) when one lies outside
the EU/EEA and, in production, when a service in use declares none (``deskwerk.E031``).
Services on the same machine (loopback, a local file or socket) are where the application
runs: ``HOSTING_REGION``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

# The 27 member states of the EU and the three further EEA states (IS, LI, NO).
EU = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
EEA = EU | {"IS", "LI", "NO"}


@dataclass(frozen=True)
class Service:
    """An external service holding or carrying personal data, and the region it declares."""

    name: str  # what it is, for the message
    setting: str  # the environment variable declaring its region
    region: str  # "" when undeclared


def _is_local(host: str | None) -> bool:
    from deskwerk.notify.config import is_loopback

    return not host or host.startswith("/") or is_loopback(host)


def database_host() -> str:
    """The default database's host ("" or a socket path: this machine)."""
    return str(settings.DATABASES["default"].get("HOST") or "")


def services_in_use() -> list[Service]:
    """The external services this configuration uses, each with its declared region."""
    regions: dict[str, str] = getattr(settings, "DATA_REGIONS", {})
    hosting = regions.get("HOSTING_REGION", "")

    def service(name: str, setting: str, local: bool) -> Service:
        if local:  # on this machine: where the application runs
            return Service(f"{name} (on this machine)", "HOSTING_REGION", hosting)
        return Service(name, setting, regions.get(setting, ""))

    used = [Service("application hosting", "HOSTING_REGION", hosting)]
    used.append(service("database", "DATABASE_REGION", _is_local(database_host())))
    if settings.EMAIL_TRANSPORT == "smtp":
        used.append(service("SMTP relay", "SMTP_REGION", _is_local(settings.EMAIL_HOST)))
    # Files (floor plans, photos, exports) live under MEDIA_ROOT on this machine until a
    # remote storage backend exists; then it declares STORAGE_REGION like the rest.
    used.append(service("file storage", "STORAGE_REGION", True))
    huey = settings.HUEY
    if "url" in huey:
        host = urlsplit(str(huey["url"])).hostname
        used.append(service("task queue (Redis)", "REDIS_REGION", _is_local(host)))
    if regions.get("BACKUP_REGION") or getattr(settings, "BACKUP_TARGET", ""):
        used.append(service("backup target", "BACKUP_REGION", False))
    return used


def region_check(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """§ 5: no service outside the EU/EEA; in production none without a declared region."""
    problems: list[checks.CheckMessage] = []
    for s in services_in_use():
        if s.region and s.region not in EEA:
            problems.append(
                checks.Error(
                    f"{s.name} is in {s.region} ({s.setting}), outside the EU/EEA: the data "
                    "processing agreement (§ 5) allows processing only in the EU or the EEA",
                    id="deskwerk.E030",
                )
            )
        elif not s.region and settings.PRODUCTION:
            problems.append(
                checks.Error(
                    f"{s.name} declares no region: set {s.setting} to its ISO country code "
                    "(e.g. DE)",
                    id="deskwerk.E031",
                )
            )
    return problems
