"""Private file folders: readable by the service account only, never served by URL.

Mail outbox files hold invitation and reset links, export archives hold a tenant's whole data,
profile photos are personal data: each is handed out only by a view that checks who asks.
The folder is looked up at each use, so tests (and settings changes) can point it elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Files ``0600`` in folders ``0700`` below ``folder()``; ``url()`` refuses."""

    def __init__(self, folder: Callable[[], Path | str]) -> None:
        super().__init__(file_permissions_mode=0o600, directory_permissions_mode=0o700)
        self._folder = folder

    @property
    def base_location(self) -> str:
        return str(self._folder())

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    @property
    def base_url(self) -> None:  # type: ignore[override]
        return None
