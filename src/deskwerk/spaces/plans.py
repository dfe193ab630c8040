"""Floor plan images: accept only what is safe to show in our origin.

SVG is parsed and rebuilt from an allowlist of drawing elements and attributes — no scripts,
event handlers, external references, entities or foreign content survive. PNG and JPEG are
checked by signature and size by ``floor_plan_set``; ``floor_plan_upload`` (the web
administration) also decodes and re-encodes them with Pillow, which strips their metadata.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

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


# --- raster re-encoding and the drawing's size (web administration) ---------------------------
#
# ``floor_plan_set`` checks a raster plan by its signature only. ``floor_plan_upload`` below
# goes further: the image is decoded completely and written afresh, so only pixels reach
# storage — no EXIF (camera, GPS position, author), no text chunks, no bytes hidden after the
# image data — and a text file renamed .png is refused because it does not decode.

MAX_PLAN_SIDE = 10_000  # pixels per side
MAX_PLAN_PIXELS = 40_000_000  # checked before decoding: no decompression bombs
MIN_PLAN_SIDE = 10
MAX_PLAN_UNITS = 100_000  # the API's bound on plan_width / plan_height


@dataclass(frozen=True)
class PlanDrawing:
    """A checked plan file and its size in its own units (pixels, or the SVG's viewBox)."""

    data: bytes
    kind: str  # "svg", "png" or "jpg"
    width: int | None
    height: int | None


def reencode_raster(data: bytes) -> PlanDrawing:
    """Decode a PNG or JPEG completely and encode it again: pixels only, no metadata."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if len(data) > MAX_PLAN_BYTES:
        raise InvalidInput(
            f"a floor plan may be at most {MAX_PLAN_BYTES} bytes", code="plan_too_large"
        )
    kind = _sniff(data)
    if kind == "svg":
        raise InvalidInput("not a PNG or JPEG image", code="invalid_plan")
    expected = "PNG" if kind == "png" else "JPEG"
    unreadable = InvalidInput("the file is not a readable PNG or JPEG image", code="invalid_plan")
    try:
        with Image.open(io.BytesIO(data), formats=[expected]) as probe:
            width, height = probe.size
            if width * height > MAX_PLAN_PIXELS or max(width, height) > MAX_PLAN_SIDE:
                raise InvalidInput(
                    f"a floor plan may be at most {MAX_PLAN_SIDE} pixels per side and "
                    f"{MAX_PLAN_PIXELS} pixels in all",
                    code="plan_too_large",
                )
            if min(width, height) < MIN_PLAN_SIDE:
                raise InvalidInput(
                    f"a floor plan needs at least {MIN_PLAN_SIDE} pixels per side",
                    code="invalid_plan",
                )
            probe.verify()
        with Image.open(io.BytesIO(data), formats=[expected]) as source:
            source.load()
            # Turn the pixels as the camera meant, then drop the tag with everything else.
            image = ImageOps.exif_transpose(source) or source
            if kind == "png":
                has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
                image = image.convert("RGBA" if has_alpha else "RGB")
            else:
                image = image.convert("RGB")
            out = io.BytesIO()
            if kind == "png":
                image.save(out, format="PNG", optimize=True)
            else:
                image.save(out, format="JPEG", quality=90, optimize=True)
            width, height = image.size
    except InvalidInput:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise unreadable from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:  # truncated or corrupt data
        raise unreadable from exc
    return PlanDrawing(data=out.getvalue(), kind=kind, width=width, height=height)


_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def svg_size(data: bytes) -> tuple[int, int] | None:
    """The drawing's size from its viewBox (else width/height without units), or None."""
    try:
        root = ET.fromstring(data)  # noqa: S314 - called on sanitised SVG only
    except ET.ParseError:
        return None
    numbers = [float(n) for n in _NUMBER.findall(root.get("viewBox", ""))]
    if len(numbers) == 4:
        width, height = numbers[2], numbers[3]
    else:
        try:
            width = float(root.get("width", "").removesuffix("px"))
            height = float(root.get("height", "").removesuffix("px"))
        except ValueError:
            return None
    size = (round(width), round(height))
    if not all(MIN_PLAN_SIDE <= side <= MAX_PLAN_UNITS for side in size):
        return None
    return size


def checked_drawing(data: bytes) -> PlanDrawing:
    """SVG sanitised (refused if it holds scripts or external references), PNG/JPEG re-encoded."""
    if len(data) > MAX_PLAN_BYTES:
        raise InvalidInput(
            f"a floor plan may be at most {MAX_PLAN_BYTES} bytes", code="plan_too_large"
        )
    kind = _sniff(data)
    if kind != "svg":
        return reencode_raster(data)
    cleaned = sanitize_svg(data)
    size = svg_size(cleaned)
    return PlanDrawing(
        data=cleaned,
        kind="svg",
        width=size[0] if size else None,
        height=size[1] if size else None,
    )


def floor_plan_upload(*, actor: User, floor: Floor, data: bytes, fit: bool = True) -> Floor:
    """Store a plan as ``floor_plan_set`` does, but with raster images re-encoded.

    With ``fit`` the floor takes the drawing's proportions (plan_width/plan_height become its
    size) and the resources already placed keep their place relative to the drawing.
    """
    require_permission(actor, "spaces.manage")
    assert_same_tenant(actor.tenant, floor)
    drawing = checked_drawing(data)
    with transaction.atomic():
        floor = floor_plan_set(actor=actor, floor=floor, data=drawing.data)
        if fit and drawing.width and drawing.height:
            floor_plan_fit(actor=actor, floor=floor, width=drawing.width, height=drawing.height)
    return floor


def floor_plan_fit(*, actor: User, floor: Floor, width: int, height: int) -> Floor:
    """Give the floor a new coordinate space; resources are scaled along (same relative spot)."""
    from django.db.models import F

    from deskwerk.spaces.models import Resource

    require_permission(actor, "spaces.manage")
    assert_same_tenant(actor.tenant, floor)
    if not (MIN_PLAN_SIDE <= width <= MAX_PLAN_UNITS and MIN_PLAN_SIDE <= height <= MAX_PLAN_UNITS):
        raise InvalidInput("the plan size is out of range", code="validation_error")
    if (floor.plan_width, floor.plan_height) == (width, height):
        return floor
    sx = width / max(floor.plan_width, 1)
    sy = height / max(floor.plan_height, 1)
    with transaction.atomic():
        moved = Resource.objects.filter(floor=floor).update(
            pos_x=F("pos_x") * sx, pos_y=F("pos_y") * sy
        )
        floor.plan_width, floor.plan_height = width, height
        floor.save(update_fields=["plan_width", "plan_height"])
        audit_record(
            tenant=actor.tenant,
            actor=actor,
            action="floor.update",
            obj=floor,
            changed_fields=["plan_width", "plan_height"]
            + (["resources.pos_x", "resources.pos_y"] if moved else []),
        )
    return floor
