"""AES-256-GCM under the data keys of ``settings.DATA_KEYS`` (newest encrypts, all decrypt)."""

from __future__ import annotations

import functools
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from deskwerk.websessions.keys import decode_key, key_id

NONCE_BYTES = 12  # 96-bit random nonces: safe for far more messages than a key ever sees


@functools.cache
def _ring(keys: tuple[str, ...]) -> tuple[str, dict[str, AESGCM]]:
    """(newest key id, key id -> cipher). Cached per setting, so tests may override it."""
    ciphers = {}
    for text in keys:
        raw = decode_key(text)
        ciphers[key_id(raw)] = AESGCM(raw)
    return key_id(decode_key(keys[0])), ciphers


def keyring() -> tuple[str, dict[str, AESGCM]]:
    return _ring(tuple(settings.DATA_KEYS))


def newest_key_id() -> str:
    return keyring()[0]


def encrypt(plaintext: bytes, associated: bytes) -> tuple[str, bytes]:
    """(key id, nonce + ciphertext + tag) under the newest key."""
    kid, ciphers = keyring()
    nonce = os.urandom(NONCE_BYTES)
    return kid, nonce + ciphers[kid].encrypt(nonce, plaintext, associated)


def decrypt(kid: str, blob: bytes, associated: bytes) -> bytes | None:
    """The plaintext, or None for an unknown key, a tampered blob or other associated data."""
    cipher = keyring()[1].get(kid)
    if cipher is None or len(blob) < NONCE_BYTES + 16:
        return None
    try:
        return cipher.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], associated)
    except InvalidTag:
        return None
