"""Where the outbox keeps messages: ``OUTBOX_DIR`` (``var/outbox/``), readable by the owner only."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class OutboxStorage(FileSystemStorage):
    """Files under ``settings.OUTBOX_DIR``, read at each use (tests point it elsewhere).

    Never served: ``url()`` refuses, as messages hold invitation and reset links.
    """

    def __init__(self) -> None:
        super().__init__(file_permissions_mode=0o600, directory_permissions_mode=0o700)

    @property
    def base_location(self) -> str:
        return str(settings.OUTBOX_DIR)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    @property
    def base_url(self) -> None:  # type: ignore[override]
        return None


_storage = OutboxStorage()


def outbox_storage() -> OutboxStorage:
    """The storage of ``OutgoingMail.eml`` (a callable, so migrations name no path)."""
    return _storage
