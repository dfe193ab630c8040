"""Helpers for the demo tests: plan files in a temporary media root, brute-force checks."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from deskwerk.bookings.models import Booking
from deskwerk.tenancy.models import Tenant

SVG = "{http://www.w3.org/2000/svg}"
FORBIDDEN_ELEMENTS = {"script", "foreignObject", "image", "use", "a", "iframe", "style", "feImage"}


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def overlapping_pairs(tenant: Tenant) -> list[tuple[Any, Any]]:
    """Every pair of bookings that hold the same resource, or the same person's resource of one
    kind, at the same time. Compared pair by pair, without the seeder's own bookkeeping.

    Completed and released bookings held their resource as much as active ones did, so only
    cancelled bookings are left out.
    """
    rows = list(
        Booking.unscoped.filter(tenant=tenant)
        .exclude(state=Booking.State.CANCELLED)
        .values_list("pk", "resource_id", "resource__kind", "booked_for_id", "starts_at", "ends_at")
    )
    by_resource: dict[int, list[Any]] = defaultdict(list)
    by_person: dict[tuple[int, str], list[Any]] = defaultdict(list)
    for row in rows:
        by_resource[row[1]].append(row)
        by_person[(row[3], row[2])].append(row)
    clashes = []
    for group in [*by_resource.values(), *by_person.values()]:
        for a, b in itertools.combinations(group, 2):
            if a[4] < b[5] and b[4] < a[5]:
                clashes.append((a, b))
    return clashes


def parse_safe_svg(text: str) -> ET.Element:
    """Parse a plan and insist it can run nothing and load nothing."""
    assert "<!DOCTYPE" not in text
    assert "<!ENTITY" not in text
    assert text.count("http") == 1  # the SVG namespace, nothing else
    root = ET.fromstring(text.encode())  # noqa: S314 - our own output, entities refused above
    assert root.tag == f"{SVG}svg"
    for element in root.iter():
        local = element.tag.rsplit("}", 1)[-1]
        assert local not in FORBIDDEN_ELEMENTS, local
        for name, value in element.attrib.items():
            attr = name.rsplit("}", 1)[-1].lower()
            assert not attr.startswith("on"), name
            assert attr != "href", name
            assert "url(" not in value, value
            assert "javascript:" not in value.lower(), value
    return root


def drawn_positions(root: ET.Element) -> dict[str, tuple[float, float]]:
    """Centre of the first rectangle of every resource's group: where it is drawn, by name."""
    found = {}
    for group in root.iter(f"{SVG}g"):
        element_id = group.get("id", "")
        if not element_id.startswith("resource-"):
            continue
        name = element_id.removeprefix("resource-").replace("_", " ")
        rect = group.find(f"{SVG}rect")
        assert rect is not None
        x, y = float(rect.get("x", 0)), float(rect.get("y", 0))
        w, h = float(rect.get("width", 0)), float(rect.get("height", 0))
        found[name] = (x + w / 2, y + h / 2)
    return found
