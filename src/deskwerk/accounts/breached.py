"""An offline breach corpus: is a password among the hundreds of millions known from breaches?

The operator may point ``BREACHED_PASSWORDS_FILE`` at the "Pwned Passwords" list in its
SHA-1, ordered-by-hash form (lines ``<40 hex digits>:<count>``, sorted by hash, any size).
Looking a password up is a binary search over file offsets: about 30 reads of a few bytes
each, no index, no network, and no third party learns anything (decision 0023).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks

# Once the bisection has narrowed the range to this many bytes, the rest is read line by line.
SCAN_BYTES = 4096


def _key(line: bytes) -> bytes:
    return line[:40].upper()


def sha1_hex(password: str) -> bytes:
    """The corpus's key for ``password``: its upper-case hex SHA-1 (the file's format)."""
    return (
        hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest().upper().encode()
    )


def in_corpus(password: str, path: Path) -> bool:
    """Whether ``password``'s SHA-1 is a line of the sorted corpus at ``path``."""
    target = sha1_hex(password)
    with path.open("rb") as f:
        lo, hi = 0, f.seek(0, 2)
        # Invariant: every line that starts at or before ``lo`` (after the first) sorts
        # below ``target``, so the target, if present, starts after ``lo``.
        while hi - lo > SCAN_BYTES:
            mid = (lo + hi) // 2
            f.seek(mid)
            f.readline()  # the rest of the line ``mid`` falls into
            line = f.readline()
            if line and _key(line) < target:
                lo = mid
            else:
                hi = mid
        f.seek(lo)
        if lo:
            f.readline()
        for line in f:
            key = _key(line)
            if key >= target:
                return key == target
    return False


_LINE = re.compile(rb"^[0-9A-Fa-f]{40}(:\d+)?\r?\n?$")


def corpus_check(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """A configured corpus that is missing or not in the expected format fails at start-up,
    rather than silently checking nothing."""
    configured = settings.BREACHED_PASSWORDS_FILE
    if not configured:
        return []
    path = Path(configured)
    try:
        with path.open("rb") as f:
            first = f.readline()
    except OSError as exc:
        return [checks.Error(f"BREACHED_PASSWORDS_FILE: {exc}", id="deskwerk.E020")]
    if not _LINE.match(first):
        return [
            checks.Error(
                "BREACHED_PASSWORDS_FILE is not a SHA-1 list ordered by hash "
                "(lines of 40 hex digits, optionally ':count')",
                id="deskwerk.E021",
            )
        ]
    return []
