"""What of a tenant is compliance documentation, kept after offboarding (DPA § 14 (3)).

Apps that hold such documentation (audit log, instruction register, breach notices, support
grants, notices) register a source here in their ``AppConfig.ready``; offboarding calls every
source before deleting the tenant and keeps the result in the operator tenant for the
configured period. A source returns JSON-serialisable rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deskwerk.tenancy.models import Tenant

Source = Callable[[Tenant], list[dict[str, Any]]]

_SOURCES: dict[str, Source] = {}


def register_source(name: str, source: Source) -> None:
    """Register ``source`` under ``name`` (e.g. ``"instructions"``); names are unique."""
    if name in _SOURCES and _SOURCES[name] is not source:
        raise ValueError(f"documentation source {name!r} is registered twice")
    _SOURCES[name] = source


def documentation_sources() -> dict[str, Source]:
    """Every registered source, by name."""
    return dict(_SOURCES)
