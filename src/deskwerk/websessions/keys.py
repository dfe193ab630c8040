"""Data keys for encrypting session data: read from the environment, checked at start-up.

Pure Python (no models), so ``settings.py`` can call it. ``DATA_KEYS`` is a comma-separated
list of base64url-encoded 32-byte keys, newest first: the newest encrypts, all decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

KEY_BYTES = 32  # AES-256


def encode_key(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_key(text: str) -> bytes:
    """One base64url key (padding optional) to its 32 bytes; anything else is refused."""
    text = text.strip()
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured("DATA_KEYS: a key is not base64url") from exc
    if len(raw) != KEY_BYTES or encode_key(raw) != text.rstrip("="):
        raise ImproperlyConfigured(f"DATA_KEYS: each key must be {KEY_BYTES} bytes, base64url")
    return raw


def key_id(raw: bytes) -> str:
    """A short fingerprint naming the key in each row (reveals nothing about the key)."""
    return hashlib.sha256(b"deskwerk data key id\x00" + raw).hexdigest()[:12]


def parse_data_keys(text: str) -> list[str]:
    """The keys of a DATA_KEYS value, validated, newest first; duplicates refused."""
    keys = [item.strip() for item in text.split(",") if item.strip()]
    if not keys:
        raise ImproperlyConfigured("DATA_KEYS names no key")
    ids = [key_id(decode_key(k)) for k in keys]
    if len(set(ids)) != len(ids):
        raise ImproperlyConfigured("DATA_KEYS names a key twice")
    return keys


def data_keys_setting(raw: str | None, *, production: bool, var_dir: Path) -> list[str]:
    """``DATA_KEYS`` (or ``DATA_KEYS_FILE``); outside production a generated key in var/.

    In production a missing or malformed key stops start-up: sessions must never be written
    unencrypted or under a key nobody keeps.
    """
    if raw and raw.strip():
        return parse_data_keys(raw)
    if production:
        raise ImproperlyConfigured("DATA_KEYS (or DATA_KEYS_FILE) is required in production")
    key_file = var_dir / "data_keys"
    if not key_file.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        key_file.write_text(encode_key(secrets.token_bytes(KEY_BYTES)), encoding="utf-8")
        key_file.chmod(0o600)
    return parse_data_keys(key_file.read_text(encoding="utf-8"))
