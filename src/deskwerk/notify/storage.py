"""Where the outbox keeps messages: ``OUTBOX_DIR`` (``var/outbox/``), readable by the owner only."""

from __future__ import annotations

from django.conf import settings

from deskwerk.core.storage import PrivateStorage

_storage = PrivateStorage(lambda: settings.OUTBOX_DIR)


def outbox_storage() -> PrivateStorage:
    """The storage of ``OutgoingMail.eml`` (a callable, so migrations name no path)."""
    return _storage
