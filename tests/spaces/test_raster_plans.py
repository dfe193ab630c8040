"""Raster floor plans are decoded and re-encoded: pixels only, no metadata, no fakes."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from deskwerk.audit.models import AuditEvent
from deskwerk.core.errors import Forbidden, InvalidInput
from deskwerk.spaces.models import Floor, Resource
from deskwerk.spaces.plans import (
    MAX_PLAN_SIDE,
    checked_drawing,
    floor_plan_upload,
    reencode_raster,
    svg_size,
)
from deskwerk.tenancy.context import tenant_context


def png(width: int = 40, height: int = 20, **info: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 220, 240)).save(out, format="PNG", **info)
    return out.getvalue()


def jpeg_with_exif(width: int = 40, height: int = 30) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[0x013B] = "Erika Mustermann"  # Artist
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 40)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_a_jpeg_loses_its_exif_and_keeps_its_pixels():
    data = jpeg_with_exif()
    assert b"SpyCam" in data
    assert b"Mustermann" in data
    drawing = reencode_raster(data)
    assert drawing.kind == "jpg"
    assert (drawing.width, drawing.height) == (40, 30)
    assert b"SpyCam" not in drawing.data
    assert b"Mustermann" not in drawing.data
    with Image.open(io.BytesIO(drawing.data)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        r, g, b = image.getpixel((5, 5))
        assert abs(r - 10) < 8
        assert abs(g - 120) < 8
        assert abs(b - 40) < 8


def test_a_png_loses_text_chunks_and_trailing_bytes():
    from PIL import PngImagePlugin

    meta = PngImagePlugin.PngInfo()
    meta.add_text("Author", "Erika Mustermann")
    data = png(pnginfo=meta) + b"<script>alert(1)</script>"
    drawing = reencode_raster(data)
    assert b"Mustermann" not in drawing.data
    assert b"script" not in drawing.data
    with Image.open(io.BytesIO(drawing.data)) as image:
        assert image.format == "PNG"
        assert image.size == (40, 20)
        assert not image.text


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + b"just text renamed to .png" * 10,
        b"\xff\xd8\xff" + b"not really a jpeg" * 10,
        png()[:60],  # truncated
        b"hello, I am a text file.png",
    ],
    ids=["fake-png", "fake-jpeg", "truncated-png", "plain-text"],
)
def test_fake_and_broken_images_are_refused(data):
    with pytest.raises(InvalidInput) as exc:
        reencode_raster(data)
    assert exc.value.code == "invalid_plan"


def test_an_image_with_too_many_pixels_is_refused_before_decoding():
    # A small file that claims a huge image (a decompression bomb in miniature).
    out = io.BytesIO()
    Image.new("1", (MAX_PLAN_SIDE + 1, 20)).save(out, format="PNG")
    with pytest.raises(InvalidInput) as exc:
        reencode_raster(out.getvalue())
    assert exc.value.code == "plan_too_large"


def test_svg_with_script_is_refused_and_its_size_is_read():
    with pytest.raises(InvalidInput):
        checked_drawing(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    ok = checked_drawing(b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1200 800"/>')
    assert (ok.kind, ok.width, ok.height) == ("svg", 1200, 800)
    assert svg_size(b'<svg xmlns="http://www.w3.org/2000/svg" width="30" height="40"/>') == (30, 40)
    assert svg_size(b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>') is None


def test_upload_stores_the_reencoded_image_fits_the_floor_and_keeps_places(
    owner, member, site, bound
):
    floor = site.floor  # 1000 x 1000, D1 at (10, 10)
    with pytest.raises(Forbidden):
        floor_plan_upload(actor=member, floor=floor, data=png(400, 200))
    floor = floor_plan_upload(actor=owner, floor=floor, data=jpeg_with_exif(400, 200))
    assert floor.plan_image.name.endswith(".jpg")
    stored = floor.plan_image.read()
    assert b"SpyCam" not in stored
    floor = Floor.objects.get(pk=floor.pk)
    assert (floor.plan_width, floor.plan_height) == (400, 200)
    desk = Resource.objects.get(pk=site.desks[0].pk)
    assert (desk.pos_x, desk.pos_y) == pytest.approx((4.0, 2.0))  # 1 % of the width / height
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "floor.plan" in actions
    assert "floor.update" in actions


def test_a_refused_upload_writes_nothing(owner, site):
    with tenant_context(site.floor.tenant):
        with pytest.raises(InvalidInput):
            floor_plan_upload(actor=owner, floor=site.floor, data=b"\x89PNG\r\n\x1a\nfake")
        floor = Floor.objects.get(pk=site.floor.pk)
        assert not floor.plan_image
        assert (floor.plan_width, floor.plan_height) == (1000, 1000)
        assert not AuditEvent.objects.filter(action__startswith="floor.").exists()
