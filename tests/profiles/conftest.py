"""Profile tests: photos go to a per-test folder."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _photos_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.PROFILE_PHOTO_DIR = tmp_path / "photos"
