"""Where profile photos live: a private folder, never under ``MEDIA_ROOT``.

Photos are personal data (profile category, DPA § 4 (1) c). They are handed out only by the
photo view to signed-in people of the same tenant (``Cache-Control: private``); the storage has
no URL, so no template or API can link to a public copy by mistake.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from deskwerk.core.storage import PrivateStorage


def photo_dir() -> Path:
    """``settings.PROFILE_PHOTO_DIR`` if set (tests), else ``<VAR_DIR>/photos``."""
    configured = getattr(settings, "PROFILE_PHOTO_DIR", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "photos"


_storage = PrivateStorage(photo_dir)


def photo_storage() -> PrivateStorage:
    """The storage of ``Profile.photo`` (a callable, so migrations name no path)."""
    return _storage
