"""Profile photos: accept only real PNG, JPEG or WebP pictures, and keep only their pixels.

The checks run in the order that keeps a hostile upload cheapest to refuse: the byte size,
the signature (the first bytes, not the file name or the declared type), the pixel count
read from the header before anything is decoded (decompression bombs), then a full decode.
The picture is then cropped to a square, scaled down to at most ``PHOTO_SIDE`` pixels and
written afresh as JPEG from a new image that carries no ``info`` at all: no EXIF (camera,
GPS position, author), no ICC profile, no XMP or comment, no bytes hidden after the image.
Decision 0028 explains the choices.
"""

from __future__ import annotations

import io

from deskwerk.core.errors import InvalidInput

MAX_PHOTO_BYTES = 2 * 1024 * 1024
MAX_PHOTO_PIXELS = 25_000_000  # read from the header, before decoding
MAX_PHOTO_SIDE = 8_000
MIN_PHOTO_SIDE = 16
PHOTO_SIDE = 512  # the stored photo is a square of at most this many pixels
PHOTO_QUALITY = 85
ACCEPTED = "PNG, JPEG or WebP"


def sniff_photo(data: bytes) -> str:
    """The Pillow format the signature announces; GIF, SVG and everything else are refused."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    raise InvalidInput(f"a profile photo must be a {ACCEPTED} image", code="unsupported_photo_type")


def clean_photo(data: bytes) -> bytes:
    """Check ``data`` and return the photo as it is stored: a fresh, metadata-free JPEG."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if len(data) > MAX_PHOTO_BYTES:
        raise InvalidInput(
            f"a profile photo may be at most {MAX_PHOTO_BYTES // (1024 * 1024)} MB",
            code="photo_too_large",
        )
    expected = sniff_photo(data)
    unreadable = InvalidInput(f"the file is not a readable {ACCEPTED} image", code="invalid_photo")
    try:
        with Image.open(io.BytesIO(data), formats=[expected]) as probe:
            width, height = probe.size
            if width * height > MAX_PHOTO_PIXELS or max(width, height) > MAX_PHOTO_SIDE:
                raise InvalidInput(
                    f"a profile photo may be at most {MAX_PHOTO_SIDE} pixels per side and "
                    f"{MAX_PHOTO_PIXELS} pixels in all",
                    code="photo_too_large",
                )
            if min(width, height) < MIN_PHOTO_SIDE:
                raise InvalidInput(
                    f"a profile photo needs at least {MIN_PHOTO_SIDE} pixels per side",
                    code="invalid_photo",
                )
            probe.verify()
        with Image.open(io.BytesIO(data), formats=[expected]) as source:
            source.load()
            # Turn the pixels as the camera meant; the orientation tag goes with the rest.
            image = ImageOps.exif_transpose(source) or source
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                rgba = image.convert("RGBA")
                flat = Image.new("RGB", rgba.size, (255, 255, 255))
                flat.paste(rgba, mask=rgba.getchannel("A"))
                image = flat
            else:
                image = image.convert("RGB")
            side = min(PHOTO_SIDE, *image.size)
            image = ImageOps.fit(image, (side, side), method=Image.Resampling.LANCZOS)
            # A new image from the raw pixels: nothing of the upload's ``info`` survives.
            fresh = Image.frombytes("RGB", image.size, image.tobytes())
            out = io.BytesIO()
            fresh.save(out, format="JPEG", quality=PHOTO_QUALITY, optimize=True)
    except InvalidInput:
        raise
    except Image.DecompressionBombError as exc:  # Pillow's own guard, at open
        raise InvalidInput(
            f"a profile photo may be at most {MAX_PHOTO_PIXELS} pixels in all",
            code="photo_too_large",
        ) from exc
    except UnidentifiedImageError as exc:
        raise unreadable from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:  # truncated or corrupt
        raise unreadable from exc
    return out.getvalue()
