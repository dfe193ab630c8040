"""Brute-force protection: failure counters per account and per IP address, temporary lockout.

Lives below ``authenticate()`` (the backend calls it), so every sign-in front-end gets it. The
counters are rows (``LoginCounter``), updated under a row lock, so all web workers share them.
Unknown e-mail addresses are counted and locked like real accounts: a lockout says nothing
about whether an account exists. Only a real account's owner gets the notice e-mail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from deskwerk.accounts.models import LoginCounter, User
from deskwerk.audit.services import audit_record
from deskwerk.core.errors import DomainError
from deskwerk.tenancy.models import Tenant
from deskwerk.tenancy.sections import section_read, section_update

logger = logging.getLogger("deskwerk.accounts")

# (default, minimum, maximum): failures before a lockout, the window they count in and the
# lockout, both in minutes (issue 4, item 4).
BOUNDS: dict[str, tuple[int, int, int]] = {
    "max_failures": (5, 3, 20),
    "window_minutes": (15, 1, 1440),
    "lockout_minutes": (15, 1, 1440),
}
# Per IP address (of one tenant): many people may share an address behind a NAT, so the limit
# is far higher, and it is the operator's, not the tenant's.
IP_MAX_FAILURES = 50
IP_WINDOW = dt.timedelta(minutes=15)
# Rows untouched this long are over in every tenant (window and lockout at most 1440 minutes).
PURGE_AFTER = dt.timedelta(minutes=max(BOUNDS["window_minutes"][2], BOUNDS["lockout_minutes"][2]))
# Notices in German for tenants in German-speaking time zones, otherwise English.
GERMAN_ZONES = frozenset(
    {"Europe/Berlin", "Europe/Vienna", "Europe/Zurich", "Europe/Busingen", "Europe/Vaduz"}
)


@dataclass(frozen=True)
class LockoutSettings:
    max_failures: int = BOUNDS["max_failures"][0]
    window_minutes: int = BOUNDS["window_minutes"][0]
    lockout_minutes: int = BOUNDS["lockout_minutes"][0]


def lockout_settings(tenant: Tenant) -> LockoutSettings:
    return section_read(tenant, section="lockout", cls=LockoutSettings, bounds=BOUNDS)


def lockout_settings_update(
    *, actor: User, tenant: Tenant, changes: dict[str, int]
) -> LockoutSettings:
    """Change the tenant's lockout settings (``tenant.settings``); bounded (422), audited."""
    return section_update(
        actor=actor,
        tenant=tenant,
        section="lockout",
        cls=LockoutSettings,
        bounds=BOUNDS,
        changes=changes,
        permission="tenant.settings",
        action="tenant.lockout_settings",
    )


class LockedOut(Exception):
    """A sign-in refused because the account or the address is locked until ``until``."""

    def __init__(self, until: dt.datetime, kind: str) -> None:
        super().__init__(f"{kind} locked until {until.isoformat()}")
        self.until = until
        self.kind = kind

    def as_error(self) -> AccountLocked:
        return AccountLocked(
            "too many failed attempts; try again later", retry_after=self.until.isoformat()
        )


class AccountLocked(DomainError):
    status = 429
    code = "account_locked"
    title = "Temporarily locked"


def _key(tenant: Tenant, kind: str, value: str) -> str:
    message = f"{tenant.pk}:{kind}:{value.strip().lower()}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _keys(tenant: Tenant, email: str, ip: str | None) -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = [(LoginCounter.Kind.ACCOUNT, _key(tenant, "account", email))]
    if ip:
        keys.append((LoginCounter.Kind.IP, _key(tenant, "ip", ip)))
    return keys


def check_not_locked(
    *, tenant: Tenant, email: str, ip: str | None, now: dt.datetime | None = None
) -> None:
    """Raise ``LockedOut`` while the account or the address is locked."""
    now = now or timezone.now()
    for kind, key in _keys(tenant, email, ip):
        until = (
            LoginCounter.unscoped.filter(tenant=tenant, kind=kind, key=key, locked_until__gt=now)
            .values_list("locked_until", flat=True)
            .first()
        )
        if until is not None:
            raise LockedOut(until, kind)


def _counter(tenant: Tenant, kind: str, key: str, now: dt.datetime) -> LoginCounter:
    """The row, locked for update; created on the first failure (a racing create retries)."""
    for _ in range(2):
        row = (
            LoginCounter.unscoped.select_for_update()
            .filter(tenant=tenant, kind=kind, key=key)
            .first()
        )
        if row is not None:
            return row
        try:
            with transaction.atomic():
                return LoginCounter.unscoped.create(
                    tenant=tenant, kind=kind, key=key, window_started_at=now
                )
        except IntegrityError:
            continue
    raise RuntimeError("login counter could not be created")  # pragma: no cover


def record_failure(
    *, tenant: Tenant, email: str, ip: str | None, user: User | None, now: dt.datetime | None = None
) -> bool:
    """Count a failed sign-in; lock when a limit is reached. True when this failure locked the
    account (its owner, if any, then gets one notice)."""
    now = now or timezone.now()
    policy = lockout_settings(tenant)
    locked_account = False
    with transaction.atomic():
        for kind, key in _keys(tenant, email, ip):
            if kind == LoginCounter.Kind.ACCOUNT:
                limit, window = policy.max_failures, dt.timedelta(minutes=policy.window_minutes)
                lockout = dt.timedelta(minutes=policy.lockout_minutes)
            else:
                limit, window, lockout = IP_MAX_FAILURES, IP_WINDOW, IP_WINDOW
            row = _counter(tenant, kind, key, now)
            if row.locked_until is not None and row.locked_until > now:
                continue  # already locked: neither counted again nor noticed again
            if row.window_started_at <= now - window or row.locked_until is not None:
                row.failures, row.window_started_at, row.locked_until = 0, now, None
            row.failures += 1
            if user is not None:
                row.user = user
            if row.failures >= limit:
                row.locked_until = now + lockout
                row.failures = 0
                audit_record(
                    tenant=tenant,
                    actor=None,
                    action="auth.lockout",
                    object_type="accounts.user",
                    object_id=user.pk
                    if user is not None and kind == LoginCounter.Kind.ACCOUNT
                    else "",
                    changed_fields=[kind],
                )
                if kind == LoginCounter.Kind.ACCOUNT:
                    locked_account = True
                    if user is not None:
                        _notify(user, row.locked_until)
            row.save()
    return locked_account


def reset(*, tenant: Tenant, email: str) -> None:
    """A successful sign-in clears the account's counter (not the address's)."""
    LoginCounter.unscoped.filter(
        tenant=tenant, kind=LoginCounter.Kind.ACCOUNT, key=_key(tenant, "account", email)
    ).delete()


def _notify(user: User, until: dt.datetime) -> None:
    from deskwerk.notify.services import send_mail_message

    send_mail_message(
        tenant=user.tenant,
        to=[user],
        template="lockout_notice",
        context={"name": user.full_name, "until": until},
        language="de" if user.tenant.default_timezone in GERMAN_ZONES else "en",
    )


def counters_purge(*, now: dt.datetime | None = None) -> int:
    """Delete counters whose window and lockout are over in every tenant (a periodic job)."""
    now = now or timezone.now()
    stale = LoginCounter.unscoped.filter(window_started_at__lte=now - PURGE_AFTER).exclude(
        locked_until__gt=now
    )
    count, _ = stale.delete()
    if count:
        logger.info("purged %d login counters", count)
    return count
