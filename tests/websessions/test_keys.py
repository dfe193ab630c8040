"""Data keys: parsed strictly, required in production, generated into var/ elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from deskwerk.websessions import crypto
from deskwerk.websessions.keys import data_keys_setting, decode_key, parse_data_keys
from tests.websessions.conftest import new_key


def test_keys_are_read_newest_first(tmp_path):
    first, second = new_key(), new_key()

    keys = data_keys_setting(f" {first} , {second},", production=True, var_dir=tmp_path)

    assert keys == [first, second]
    assert len(decode_key(first)) == 32
    assert not (tmp_path / "data_keys").exists()


@pytest.mark.parametrize(
    "raw",
    [
        "not base64 at all!",
        "c2hvcnQ",  # "short": 5 bytes
        new_key() + "AAAA",  # 35 bytes
        ",",
    ],
)
def test_a_malformed_key_stops_start_up(raw, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="DATA_KEYS"):
        data_keys_setting(raw, production=False, var_dir=tmp_path)


def test_a_key_given_twice_is_refused():
    key = new_key()
    with pytest.raises(ImproperlyConfigured, match="twice"):
        parse_data_keys(f"{key},{key}=")


def test_production_requires_a_key(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="required in production"):
        data_keys_setting(None, production=True, var_dir=tmp_path)


def test_elsewhere_a_key_is_generated_once_into_var(tmp_path):
    first = data_keys_setting("", production=False, var_dir=tmp_path)
    again = data_keys_setting(None, production=False, var_dir=tmp_path)

    assert first == again
    assert len(first) == 1
    assert (tmp_path / "data_keys").stat().st_mode & 0o777 == 0o600


def _import_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DESKWERK_ENV", "DEBUG", "DATA_KEYS", "DATA_KEYS_FILE"}
    }
    return subprocess.run(
        [sys.executable, "-c", "import deskwerk.settings as s; print(len(s.DATA_KEYS))"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings_refuse_to_start_without_data_keys():
    result = _import_settings(DESKWERK_ENV="production", SECRET_KEY="x" * 40)

    assert result.returncode != 0
    assert "DATA_KEYS" in result.stderr


def test_data_keys_may_come_from_a_file(tmp_path):
    secret = tmp_path / "keys"
    secret.write_text(f"{new_key()},{new_key()}\n")

    result = _import_settings(DATA_KEYS_FILE=str(secret), DESKWERK_VAR_DIR=str(tmp_path / "var"))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2"
    assert not (tmp_path / "var" / "data_keys").exists()


def test_decryption_refuses_what_the_keys_did_not_seal(settings):
    settings.DATA_KEYS = [new_key()]
    kid, blob = crypto.encrypt(b"hello", b"row-a")

    assert crypto.decrypt(kid, blob, b"row-a") == b"hello"
    assert crypto.decrypt(kid, blob, b"row-b") is None  # other associated data
    assert crypto.decrypt(kid, blob[:10], b"row-a") is None  # truncated
    assert crypto.decrypt("unknown", blob, b"row-a") is None
    assert blob[12:-16] != b"hello"


def test_production_cookies_are_host_prefixed_secure_httponly_lax(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import deskwerk.settings as s; print(s.SESSION_COOKIE_NAME, s.SESSION_COOKIE_SECURE,"
            " s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, s.SESSION_ENGINE)",
        ],
        env={
            **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATA_KEYS_FILE"}},
            "DESKWERK_ENV": "production",
            "SECRET_KEY": "x" * 40,
            "DATA_KEYS": new_key(),
            "EMAIL_TRANSPORT": "outbox",
            "DESKWERK_VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "__Host-sessionid", "True", "True", "Lax", "deskwerk.websessions.store",
    ]  # fmt: skip
