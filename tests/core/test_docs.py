"""Docs stay true: every error code the code can raise is documented."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r"""code\s*=\s*"([a-z_]+)"|problem\(\s*\d+,\s*"([a-z_]+)\"""")


def test_every_error_code_is_in_the_api_docs():
    documented = (ROOT / "docs" / "api.md").read_text()
    raised = set()
    for path in (ROOT / "src" / "deskwerk").rglob("*.py"):
        for match in CODE.finditer(path.read_text()):
            raised.add(match.group(1) or match.group(2))
    raised -= {"conflict", "bad_request"}  # base classes, never raised as such
    missing = sorted(c for c in raised if f"`{c}`" not in documented)
    assert raised, "the pattern found no codes: the test would pass vacuously"
    assert not missing, f"undocumented error codes: {missing}"


ENV_READ = re.compile(r"""(?:env_\w+|environ\.get)\(\s*f?"([A-Z_]+)\"""")


def test_every_environment_variable_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    read = set()
    for path in (ROOT / "src" / "deskwerk").rglob("*.py"):
        read.update(ENV_READ.findall(path.read_text()))
    read -= {"DJANGO_SETTINGS_MODULE"}
    assert "DATABASE_URL" in read
    assert "SECRET_KEY" in read
    missing = sorted(name for name in read if f"`{name}`" not in readme)
    assert not missing, f"environment variables missing from the README's table: {missing}"
