"""dev.py's fallback for Pythons without ensurepip finds pip's wheel however PyPI links it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dev():
    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RELEASE = {
    "urls": [
        {"packagetype": "sdist", "url": "https://files.example/pip-26.3.tar.gz"},
        {"packagetype": "bdist_wheel", "url": "WHEEL", "digests": {"sha256": "x"}},
    ]
}


@pytest.mark.parametrize(
    ("link", "absolute"),
    [
        (
            "https://files.pythonhosted.org/packages/07/pip-26.3-py3-none-any.whl",
            "https://files.pythonhosted.org/packages/07/pip-26.3-py3-none-any.whl",
        ),
        # What a proxying mirror answered on this machine: a link relative to the JSON document.
        (
            "../../packages/packages/07/pip-26.3-py3-none-any.whl",
            "https://pypi.org/packages/packages/07/pip-26.3-py3-none-any.whl",
        ),
    ],
)
def test_it_resolves_absolute_and_relative_wheel_links(dev, link, absolute):
    release = {
        "urls": [dict(u, url=link if u["url"] == "WHEEL" else u["url"]) for u in RELEASE["urls"]]
    }
    wheel, url = dev.wheel_url("https://pypi.org/pypi/pip/json", release)
    assert wheel["packagetype"] == "bdist_wheel"
    assert url == absolute
