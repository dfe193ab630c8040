"""Floor plan images: accept only what is safe to show in our origin.

SVG is parsed and rebuilt from an allowlist of drawing elements and attributes — no scripts,
event handlers, external references, entities or foreign content survive. PNG and JPEG are
checked by signature and size. (Re-encoding raster images to strip metadata comes with the web
app, which brings an image library.)
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from django.core.files.base import ContentFile
from django.db import transaction

from deskwerk.access.roles import require_permission
from deskwerk.accounts.models import User
from deskwerk.audit.services import audit_record
from deskwerk.core.errors import InvalidInput
from deskwerk.spaces.models import Floor
from deskwerk.tenancy.services import assert_same_tenant

MAX_PLAN_BYTES = 5 * 1024 * 1024
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

ALLOWED_ELEMENTS = {
    "svg",
    "g",
    "defs",
    "title",
    "desc",
    "rect",
    "circle",
    "ellipse",
    "line",
    "polyline",
    "polygon",
    "path",
    "text",
    "tspan",
    "symbol",
    "use",
    "linearGradient",
    "radialGradient",
    "stop",
    "clipPath",
    "pattern",
    "marker",
}
ALLOWED_ATTRIBUTES = {
    "id",
    "class",
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "width",
    "height",
    "d",
    "points",
    "transform",
    "viewBox",
    "preserveAspectRatio",
    "fill",
    "fill-opacity",
    "fill-rule",
    "stroke",
    "stroke-width",
    "stroke-opacity",
    "stroke-dasharray",
    "stroke-linecap",
    "stroke-linejoin",
    "opacity",
    "font-family",
    "font-size",
    "font-weight",
    "text-anchor",
    "dominant-baseline",
    "href",
    "offset",
    "stop-color",
    "stop-opacity",
    "gradientUnits",
    "gradientTransform",
    "patternUnits",
    "clip-path",
    "marker-end",
    "marker-start",
    "markerWidth",
    "markerHeight",
    "refX",
    "refY",
    "orient",
    "version",
    "role",
    "aria-label",
    "aria-hidden",
    "dx",
    "dy",
    "rotate",
    "clipPathUnits",
}
_LOCAL_URL = re.compile(r"url\(\s*#[\w.-]+\s*\)")


def _local_name(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


def sanitize_svg(data: bytes) -> bytes:
    """Rebuild an SVG from its allowed parts, or refuse it with ``invalid_plan``."""
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise InvalidInput("SVG with a DOCTYPE or entities is refused", code="invalid_plan")
    try:
        root = ET.fromstring(data)  # noqa: S314
    except ET.ParseError as exc:
        raise InvalidInput("the SVG is not well-formed XML", code="invalid_plan") from exc
    if _local_name(root.tag) != (SVG_NS, "svg"):
        raise InvalidInput("the file is not an SVG document", code="invalid_plan")

    def clean(element: ET.Element) -> ET.Element:
        namespace, name = _local_name(element.tag)
        if namespace != SVG_NS or name not in ALLOWED_ELEMENTS:
            raise InvalidInput(f"SVG element <{name}> is not allowed", code="invalid_plan")
        copy = ET.Element(name)
        for key, value in element.attrib.items():
            attr_ns, attr = _local_name(key)
            if attr_ns not in ("", XLINK_NS) or attr not in ALLOWED_ATTRIBUTES:
                raise InvalidInput(f"SVG attribute {attr!r} is not allowed", code="invalid_plan")
            if attr == "href" and not value.startswith("#"):
                raise InvalidInput("SVG links must stay inside the file", code="invalid_plan")
            if "url(" in value and not _LOCAL_URL.fullmatch(value.strip()):
                raise InvalidInput("SVG may only refer to its own parts", code="invalid_plan")
            copy.set("href" if attr == "href" else attr, value)
        copy.text, copy.tail = element.text, element.tail
        copy.extend([clean(child) for child in element])
        return copy

    cleaned = clean(root)
    cleaned.set("xmlns", SVG_NS)
    return ET.tostring(cleaned, encoding="utf-8", xml_declaration=True)


def _sniff(data: bytes) -> str:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if b"<svg" in data[:4096]:
        return "svg"
    raise InvalidInput("a floor plan must be SVG, PNG or JPEG", code="invalid_plan")


def floor_plan_set(*, actor: User, floor: Floor, data: bytes) -> Floor:
    """Store a checked plan image for the floor, replacing the previous one."""
    require_permission(actor, "spaces.manage")
    assert_same_tenant(actor.tenant, floor)
    if len(data) > MAX_PLAN_BYTES:
        raise InvalidInput(
            f"a floor plan may be at most {MAX_PLAN_BYTES} bytes", code="plan_too_large"
        )
    kind = _sniff(data)
    if kind == "svg":
        data = sanitize_svg(data)
    with transaction.atomic():
        old = floor.plan_image.name if floor.plan_image else None
        floor.plan_image.save(
            f"t{floor.tenant_id}-floor{floor.pk}.{kind}", ContentFile(data), save=False
        )
        floor.save(update_fields=["plan_image"])
        audit_record(
            tenant=actor.tenant,
            actor=actor,
            action="floor.plan",
            obj=floor,
            changed_fields=["plan_image"],
        )
        if old and old != floor.plan_image.name:
            storage = floor.plan_image.storage
            transaction.on_commit(lambda: storage.delete(old))
    return floor
