#!/usr/bin/env python3
"""Set up a local environment and run Deskwerk: ``python3 dev.py demo`` or ``python3 dev.py test``.

Needs only Python >= 3.11 and network access to PyPI. Creates ``.venv`` from the hash-pinned
lock files on first use (and again whenever a lock file changes), then runs the command inside
it. Works where Debian/Ubuntu ship Python without ``ensurepip``: pip is then fetched from PyPI as
a wheel and its SHA-256 checked.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
LOCKS = {"runtime": ROOT / "requirements.lock", "dev": ROOT / "requirements-dev.lock"}

USAGE = """usage: python3 dev.py COMMAND [ARGS...]

  demo [ARGS]   seed the demo tenant (embedded SQLite) and serve it on http://127.0.0.1:8000
  test [ARGS]   run the test suite (pytest ARGS); DATABASE_URL=postgres://... for PostgreSQL
  check         ruff, ruff format --check, mypy and makemigrations --check
  deskwerk ARGS run the deskwerk command (manage.py) inside the environment
  setup         only create or update .venv
"""


def say(message: str) -> None:
    print(f"[dev] {message}", file=sys.stderr, flush=True)


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    subprocess.run([str(a) for a in args], check=True, env=env)


def wheel_url(base: str, release: dict) -> tuple[dict, str]:
    """The release's wheel and its absolute URL: mirrors and proxies may answer with links
    relative to the JSON document."""
    wheel = next(u for u in release["urls"] if u["packagetype"] == "bdist_wheel")
    return wheel, urllib.parse.urljoin(base, wheel["url"])


def bootstrap_pip() -> None:
    """Install pip into a venv created without it, from PyPI's wheel, hash-checked."""
    say("this Python has no ensurepip; fetching pip from PyPI")
    with urllib.request.urlopen("https://pypi.org/pypi/pip/json", timeout=60) as response:
        release = json.load(response)
        base = response.geturl()
    wheel, url = wheel_url(base, release)
    with urllib.request.urlopen(url, timeout=120) as response:
        data = response.read()
    if hashlib.sha256(data).hexdigest() != wheel["digests"]["sha256"]:
        sys.exit("[dev] the downloaded pip wheel does not match PyPI's SHA-256; stopping")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / wheel["filename"]
        path.write_bytes(data)
        run(PY, path / "pip", "install", "--quiet", "--no-index", path)


def ensure_env(kind: str) -> None:
    """Create or refresh .venv so that it matches the lock file of ``kind`` (runtime or dev)."""
    if sys.version_info < (3, 11):
        sys.exit(f"[dev] Deskwerk needs Python >= 3.11; this is {sys.version.split()[0]}")
    lock = LOCKS[kind]
    digest = hashlib.sha256(lock.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp = VENV / f".installed-{kind}"
    if stamp.exists() and stamp.read_text() == digest and PY.exists():
        return
    if kind == "runtime" and (VENV / ".installed-dev").exists():
        dev_digest = hashlib.sha256(
            LOCKS["dev"].read_bytes() + (ROOT / "pyproject.toml").read_bytes()
        ).hexdigest()
        if (VENV / ".installed-dev").read_text() == dev_digest:
            return  # the dev environment contains the runtime one
    if not PY.exists():
        say(f"creating {VENV.relative_to(ROOT)} with Python {sys.version.split()[0]}")
        try:
            venv.EnvBuilder(with_pip=True).create(VENV)
        except (subprocess.CalledProcessError, OSError):
            venv.EnvBuilder(with_pip=False, clear=True).create(VENV)
        if not (BIN / "pip").exists():
            bootstrap_pip()
    say(f"installing pinned {kind} dependencies from {lock.name} (first run takes a minute)")
    quiet = ["--quiet", "--disable-pip-version-check"]
    run(PY, "-m", "pip", "install", *quiet, "--require-hashes", "-r", lock)
    run(PY, "-m", "pip", "install", *quiet, "--no-deps", "-e", ROOT)
    stamp.write_text(digest)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0 if argv else 2
    command, args = argv[0], argv[1:]
    os.chdir(ROOT)
    env = dict(os.environ)
    if command == "setup":
        ensure_env("dev")
        return 0
    if command == "demo":
        ensure_env("runtime")
        env.setdefault("DESKWERK_ENV", "development")
        os.execve(BIN / "deskwerk", [str(BIN / "deskwerk"), "demo", *args], env)
    if command == "deskwerk":
        ensure_env("runtime")
        os.execve(BIN / "deskwerk", [str(BIN / "deskwerk"), *args], env)
    if command == "test":
        ensure_env("dev")
        database = "PostgreSQL" if env.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
        say(f"running the tests on {database}")
        os.execve(PY, [str(PY), "-m", "pytest", *args], env)
    if command == "check":
        ensure_env("dev")
        steps = [
            [BIN / "ruff", "check", "."],
            [BIN / "ruff", "format", "--check", "."],
            [BIN / "mypy", "src"],
            [BIN / "deskwerk", "makemigrations", "--check", "--dry-run"],
        ]
        failed = 0
        for step in steps:
            say(" ".join(str(s.name if isinstance(s, Path) else s) for s in step))
            failed |= subprocess.run([str(s) for s in step], env=env).returncode != 0
        return 1 if failed else 0
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
