"""The session engine (``SESSION_ENGINE = "deskwerk.websessions.store"``).

Rows hold a SHA-256 of the cookie and the data encrypted with AES-256-GCM; the associated data
binds each ciphertext to its row's key hash, so ciphertext copied into another row does not
decrypt. Every load enforces the tenant's idle and absolute timeouts. A session that is
expired, tampered with, under an unknown key or of an inactive tenant is deleted and the
request continues signed out — never an error page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import CreateError, SessionBase, UpdateError
from django.core.signing import JSONSerializer
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from deskwerk.core.request_context import truncate_ip
from deskwerk.tenancy.models import Tenant
from deskwerk.websessions import crypto
from deskwerk.websessions.models import WebSession
from deskwerk.websessions.timeouts import session_timeouts

logger = logging.getLogger("deskwerk.websessions")

TOUCH_EVERY = dt.timedelta(minutes=1)  # last activity is written at most once a minute


def hash_key(session_key: str) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest()


def associated_data(key_hash: str) -> bytes:
    return b"deskwerk session\x00" + key_hash.encode()


def seal(data: dict[str, Any], key_hash: str) -> tuple[str, bytes]:
    """(key id, ciphertext) of session data for the row with ``key_hash``."""
    plaintext = JSONSerializer().dumps(data)
    return crypto.encrypt(plaintext, associated_data(key_hash))


def unseal(row: WebSession) -> dict[str, Any] | None:
    """The row's data, or None when it cannot be decrypted (tampered, unknown key)."""
    plaintext = crypto.decrypt(row.key_id, bytes(row.data), associated_data(row.key_hash))
    if plaintext is None:
        return None
    try:
        data = JSONSerializer().loads(plaintext)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def expired_because(row: WebSession, now: dt.datetime) -> str | None:
    """Why the session is no longer valid at ``now`` (None: it is)."""
    timeouts = session_timeouts(row.tenant)
    if now >= row.expires_at or now >= row.created_at + timeouts.absolute:
        return "absolute timeout"
    if now - row.last_activity >= timeouts.idle:
        return "idle timeout"
    if row.tenant is not None and not row.tenant.is_active:
        return "tenant inactive"
    return None


class SessionStore(SessionBase):
    """Django's session API over ``WebSession`` rows."""

    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self._row: WebSession | None = None
        self.request_meta: dict[str, Any] | None = None  # set by ClientInfoMiddleware

    # -- what the request tells about the browser (computed only when a row is written) ----

    def _client(self) -> dict[str, str]:
        meta = self.request_meta
        if meta is None:
            return {}
        from deskwerk.usage.services import user_agent_family

        return {
            "device": user_agent_family(meta.get("HTTP_USER_AGENT")),
            "ip": truncate_ip(meta.get("REMOTE_ADDR")),
        }

    # -- reading ---------------------------------------------------------------------------

    def _invalid(self, row: WebSession | None, why: str) -> dict[str, Any]:
        if row is not None:
            WebSession.objects.filter(pk=row.pk).delete()
            logger.info("session %s ended: %s", row.public_id, why)
        self._row = None
        self._session_key = None
        return {}

    def load(self) -> dict[str, Any]:
        key = self.session_key
        if key is None:
            return {}
        row = WebSession.objects.select_related("tenant").filter(key_hash=hash_key(key)).first()
        if row is None:
            return self._invalid(None, "unknown")
        now = timezone.now()
        why = expired_because(row, now)
        if why:
            return self._invalid(row, why)
        data = unseal(row)
        if data is None:
            logger.warning("session %s could not be decrypted (key %s)", row.public_id, row.key_id)
            return self._invalid(row, "undecryptable")
        if str(data.get(SESSION_KEY, "")) != ("" if row.user_id is None else str(row.user_id)):
            return self._invalid(row, "account mismatch")
        if now - row.last_activity >= TOUCH_EVERY:
            changes: dict[str, Any] = {"last_activity": now, **self._client()}
            WebSession.objects.filter(pk=row.pk).update(**changes)
            for name, value in changes.items():
                setattr(row, name, value)
        self._row = row
        return data

    def exists(self, session_key: str) -> bool:
        return WebSession.objects.filter(key_hash=hash_key(session_key)).exists()

    # -- writing ---------------------------------------------------------------------------

    def create(self) -> None:
        while True:
            self._session_key = self._get_new_session_key()  # type: ignore[attr-defined]
            try:
                self.save(must_create=True)
            except CreateError:
                continue
            self.modified = True
            return

    def _owner(self, data: dict[str, Any]) -> tuple[int | None, Tenant | None]:
        """(user id, tenant) the data names; the tenant is reused when the user is unchanged."""
        raw = data.get(SESSION_KEY)
        if raw is None:
            return None, None
        user_id = int(raw)
        if self._row is not None and self._row.user_id == user_id:
            return user_id, self._row.tenant
        from deskwerk.accounts.models import User

        user = User.unscoped.select_related("tenant").filter(pk=user_id).first()
        return user_id, user.tenant if user is not None else None

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            return self.create()
        data = self._get_session(no_load=must_create)  # type: ignore[attr-defined]
        key_hash = hash_key(self.session_key)
        user_id, tenant = self._owner(data)
        key_id, blob = seal(data, key_hash)
        now = timezone.now()
        if must_create:
            new = WebSession(
                key_hash=key_hash,
                tenant=tenant,
                user_id=user_id,
                created_at=now,
                last_activity=now,
                expires_at=now + session_timeouts(tenant).absolute,
                key_id=key_id,
                data=blob,
                **self._client(),
            )
            try:
                with transaction.atomic():
                    new.save(force_insert=True)
            except IntegrityError as exc:
                raise CreateError from exc
            self._row = new
            return
        row = self._row
        if row is None or row.key_hash != key_hash:
            row = WebSession.objects.select_related("tenant").filter(key_hash=key_hash).first()
        if row is None:
            raise UpdateError
        changes: dict[str, Any] = {
            "key_id": key_id,
            "data": blob,
            "user_id": user_id,
            "tenant": tenant,
            "last_activity": now,
        }
        if tenant != row.tenant:
            # Signed in: the tenant's absolute timeout counts from the session's creation
            # (a new session is created at sign-in, see ``cycle_key``).
            changes["expires_at"] = row.created_at + session_timeouts(tenant).absolute
        try:
            updated = WebSession.objects.filter(pk=row.pk).update(**changes)
        except DatabaseError as exc:
            raise UpdateError from exc
        if not updated:
            raise UpdateError
        for name, value in changes.items():
            setattr(row, name, value)
        self._row = row

    def delete(self, session_key: str | None = None) -> None:
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        WebSession.objects.filter(key_hash=hash_key(session_key)).delete()
        if self._row is not None and self._row.key_hash == hash_key(session_key):
            self._row = None

    def get_session_cookie_age(self) -> int:
        """The cookie lives as long as the tenant allows a session at most (the server
        enforces the idle and absolute timeouts itself); before sign-in SESSION_COOKIE_AGE."""
        row = self._row
        if row is not None and row.tenant is not None:
            return max(0, int((row.expires_at - timezone.now()).total_seconds()))
        # Just signed in: the row learns its tenant when it is saved, after this.
        _, tenant = self._owner(self._get_session())  # type: ignore[attr-defined]
        if tenant is None:
            return int(settings.SESSION_COOKIE_AGE)
        return int(session_timeouts(tenant).absolute.total_seconds())

    @property
    def public_id(self) -> int | None:
        """The public id of this session's row (loaded on demand), for "current" in lists."""
        self._get_session()  # type: ignore[attr-defined]
        return self._row.public_id if self._row is not None else None

    @classmethod
    def clear_expired(cls) -> None:
        from deskwerk.websessions.services import sessions_purge

        sessions_purge()
