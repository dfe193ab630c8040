"""Settings refuse malformed values instead of guessing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from deskwerk.core.env import env_bool, env_int, parse_database_url
from deskwerk.core.request_context import truncate_ip


@pytest.mark.parametrize(("raw", "value"), [("true", True), ("0", False), ("Yes", True)])
def test_env_bool_reads_clear_words(monkeypatch, raw, value):
    monkeypatch.setenv("X_FLAG", raw)
    assert env_bool("X_FLAG", not value) is value


def test_env_bool_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG", False)


def test_env_int_refuses_garbage_and_out_of_range(monkeypatch):
    monkeypatch.setenv("X_INT", "12a")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_INT", 1)
    monkeypatch.setenv("X_INT", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("X_INT", 5, minimum=1)


def test_database_url_for_postgres_and_sqlite():
    pg = parse_database_url("postgres://u:p%40ss@db.local:6543/app", base_dir=Path("/x"))
    assert (pg["ENGINE"], pg["NAME"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"]) == (
        "django.db.backends.postgresql",
        "app",
        "u",
        "p@ss",
        "db.local",
        "6543",
    )
    relative = parse_database_url("sqlite:///var/app.db", base_dir=Path("/x"))
    assert relative["NAME"] == "/x/var/app.db"
    absolute = parse_database_url("sqlite:////srv/app.db", base_dir=Path("/x"))
    assert absolute["NAME"] == "/srv/app.db"


@pytest.mark.parametrize("url", ["mysql://x/y", "postgres://host", "nonsense"])
def test_database_url_refuses_what_we_do_not_run_on(url):
    with pytest.raises(ImproperlyConfigured):
        parse_database_url(url, base_dir=Path("/x"))


def _import_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DESKWERK_ENV", "DEBUG"}
    }
    return subprocess.run(
        [sys.executable, "-c", "import deskwerk.settings"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _import_settings(DESKWERK_ENV="production")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_debug():
    result = _import_settings(DESKWERK_ENV="production", DEBUG="true", SECRET_KEY="x" * 40)
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


def test_a_malformed_boolean_stops_start_up():
    result = _import_settings(DEBUG="perhaps")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


@pytest.mark.parametrize(
    ("raw", "truncated"),
    [("203.0.113.77", "203.0.113.0"), ("2001:db8:abcd:12::1", "2001:db8:abcd::"), ("junk", "")],
)
def test_ip_addresses_are_truncated(raw, truncated):
    assert truncate_ip(raw) == truncated
