"""Offboarding fixtures: archives in a per-test folder, and the real SMTP server of tests/notify."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.notify.conftest import (  # noqa: F401 - fixtures
    _mail_settings,
    certificate,
    smtp_server,
)


@pytest.fixture(autouse=True)
def _archives_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.OFFBOARDING_DIR = tmp_path / "offboarding"
    settings.PROFILE_PHOTO_DIR = tmp_path / "photos"
