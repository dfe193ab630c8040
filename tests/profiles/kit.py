"""Pictures for the profile tests: real ones with metadata, fakes, bombs, and a multipart body."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import encode_multipart
from PIL import Image

BOUNDARY = "PeopleBoundary7MA4YWxk"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
GPS_IFD = 0x8825


def picture(
    fmt: str = "JPEG", size: tuple[int, int] = (64, 48), colour: str = "teal", gps: bool = False
) -> bytes:
    """A real picture; with ``gps`` it carries EXIF with a GPS position and an author."""
    out = io.BytesIO()
    image = Image.new("RGB", size, colour)
    options: dict[str, object] = {}
    if gps:
        exif = Image.Exif()
        exif[0x013B] = "Erika Mustermann"  # Artist
        exif[0x010F] = "SpyCam"  # Make
        exif.get_ifd(GPS_IFD).update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 1.0)})
        options["exif"] = exif
    if fmt == "PNG":
        options["pnginfo"] = _png_text()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def portrait(gps: bool = True) -> bytes:
    """A friendlier test photo for screenshots: a drawn head and shoulders, with EXIF/GPS."""
    from PIL import ImageDraw

    image = Image.new("RGB", (600, 600), "#cfe3f4")
    draw = ImageDraw.Draw(image)
    draw.ellipse((110, 380, 490, 760), fill="#2f5d8a")  # shoulders
    draw.ellipse((200, 130, 400, 350), fill="#e8b894")  # face
    draw.pieslice((190, 110, 410, 330), 180, 360, fill="#5a3b22")  # hair
    out = io.BytesIO()
    options: dict[str, object] = {}
    if gps:
        exif = Image.Exif()
        exif.get_ifd(GPS_IFD).update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 1.0)})
        options["exif"] = exif
    image.save(out, format="JPEG", quality=90, **options)
    return out.getvalue()


def _png_text() -> object:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "secret comment")
    return info


def bomb_png(side: int = 20_000) -> bytes:
    """A small file that claims a huge picture (a 1-bit PNG compresses to almost nothing)."""
    out = io.BytesIO()
    Image.new("1", (side, side), 0).save(out, format="PNG", optimize=True)
    return out.getvalue()


def multipart_photo(data: bytes | None = None, name: str = "me.jpg") -> bytes:
    """A multipart body with the field ``photo`` (for the API)."""
    upload = SimpleUploadedFile(name, data if data is not None else picture(), "image/jpeg")
    return encode_multipart(BOUNDARY, {"photo": upload})
