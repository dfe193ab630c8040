"""Profile photos: only real PNG/JPEG/WebP pictures, re-encoded, every piece of metadata gone,
served only to signed-in colleagues of the same tenant."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from deskwerk.audit.models import AuditEvent
from deskwerk.core.errors import InvalidInput
from deskwerk.profiles.models import Profile
from deskwerk.profiles.photos import MAX_PHOTO_BYTES, PHOTO_SIDE, clean_photo
from deskwerk.profiles.storage import photo_dir
from deskwerk.tenancy.context import tenant_context
from tests.api.conftest import assert_problem
from tests.profiles.kit import MULTIPART, bomb_png, multipart_photo, picture
from tests.web.booking_support import signed_in

pytestmark = pytest.mark.django_db


def _put(api, data: bytes, name: str = "me.jpg"):
    response = api.client.generic(
        "PUT", "/api/v1/me/profile/photo", multipart_photo(data, name), content_type=MULTIPART
    )
    response.data = response.json() if response.content else None
    return response


def _stored_files() -> list:
    root = photo_dir()
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _profile(user) -> Profile | None:
    with tenant_context(user.tenant):
        return Profile.objects.filter(user=user).first()


# --- the cleaning itself ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_every_accepted_type_becomes_a_plain_square_jpeg(fmt):
    cleaned = clean_photo(picture(fmt, size=(900, 600), gps=fmt == "JPEG"))
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.format == "JPEG"
        assert image.size == (PHOTO_SIDE, PHOTO_SIDE)  # cropped square, scaled down
        assert not image.getexif()
        assert "exif" not in image.info
        assert "icc_profile" not in image.info
        assert "comment" not in image.info
        assert "xmp" not in image.info


def test_exif_with_a_gps_position_is_gone():
    original = picture("JPEG", gps=True)
    with Image.open(io.BytesIO(original)) as image:
        assert image.getexif().get_ifd(0x8825)  # the test picture really has a position
    cleaned = clean_photo(original)
    with Image.open(io.BytesIO(cleaned)) as image:
        exif = image.getexif()
        assert len(exif) == 0
        assert not exif.get_ifd(0x8825)
    assert b"Erika" not in cleaned
    assert b"SpyCam" not in cleaned
    assert b"Exif" not in cleaned


def test_icc_profiles_and_png_text_are_gone():
    from PIL import ImageCms

    out = io.BytesIO()
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.new("RGB", (40, 40), "red").save(out, format="JPEG", icc_profile=icc)
    assert b"secret comment" in picture("PNG")
    for data in (out.getvalue(), picture("PNG")):
        cleaned = clean_photo(data)
        with Image.open(io.BytesIO(cleaned)) as image:
            assert "icc_profile" not in image.info
        assert b"secret comment" not in cleaned


def test_bytes_hidden_after_the_image_are_gone():
    cleaned = clean_photo(picture("JPEG") + b"HIDDEN-PAYLOAD" * 10)
    assert b"HIDDEN-PAYLOAD" not in cleaned


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"this is not a picture" * 20, "invalid_photo"),  # fake PNG
        (b"\xff\xd8\xff" + b"\x00" * 200, "invalid_photo"),  # fake JPEG
        (picture("JPEG")[:200], "invalid_photo"),  # truncated
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "unsupported_photo_type",
        ),
        (picture("GIF"), "unsupported_photo_type"),
        (picture("BMP"), "unsupported_photo_type"),
        (b"", "unsupported_photo_type"),
        (picture("PNG", size=(8, 8)), "invalid_photo"),  # too small to be a photo
        (b"\x89PNG\r\n\x1a\n" + b"x" * MAX_PHOTO_BYTES, "photo_too_large"),
    ],
    ids=["fake-png", "fake-jpeg", "truncated", "svg", "gif", "bmp", "empty", "tiny", "oversized"],
)
def test_bad_input_is_refused_with_a_code(data, code):
    with pytest.raises(InvalidInput) as refused:
        clean_photo(data)
    assert refused.value.code == code


@pytest.mark.parametrize("side", [6_000, 20_000])
def test_a_decompression_bomb_is_refused_before_decoding(side):
    """36 megapixels (over our limit, under Pillow's) and 400 megapixels (over both)."""
    bomb = bomb_png(side)
    assert len(bomb) < 200_000  # a small file that claims a huge picture
    with pytest.raises(InvalidInput) as refused:
        clean_photo(bomb)
    assert refused.value.code == "photo_too_large"


# --- the API ---------------------------------------------------------------------------------


def test_upload_over_the_api_stores_a_clean_photo(api_member, member):
    response = _put(api_member, picture("JPEG", size=(700, 700), gps=True))

    assert response.status_code == 200, response.data
    assert response.data["photo_url"].startswith(f"/t/acme/people/{member.pk}/photo/?v=")
    profile = _profile(member)
    with profile.photo.open("rb") as handle, Image.open(handle) as image:
        assert image.format == "JPEG"
        assert image.size == (512, 512)
        assert len(image.getexif()) == 0
    assert [p.name for p in _stored_files()] == [profile.photo.name.split("/")[-1]]
    with tenant_context(member.tenant):
        assert AuditEvent.objects.filter(action="profile.photo", actor_id=member.pk).exists()


def test_a_new_photo_replaces_the_old_file(api_member, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _put(api_member, picture("PNG"))
    first = _profile(member).photo.name
    with django_capture_on_commit_callbacks(execute=True):
        _put(api_member, picture("WEBP"))
    second = _profile(member).photo.name

    assert first != second
    assert [p.name for p in _stored_files()] == [second.split("/")[-1]]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"fake" * 50, "invalid_photo"),
        (picture("GIF"), "unsupported_photo_type"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "unsupported_photo_type"),
        (bomb_png(), "photo_too_large"),
    ],
    ids=["fake-png", "gif", "svg", "bomb"],
)
def test_bad_uploads_are_422_and_store_nothing(api_member, member, data, code):
    response = _put(api_member, data)

    assert_problem(response, 422, code)
    assert _profile(member) is None
    assert _stored_files() == []


def test_a_body_that_is_not_multipart_is_refused(api_member, member):
    response = api_member.client.generic(
        "PUT", "/api/v1/me/profile/photo", picture(), content_type="image/jpeg"
    )
    assert_problem(response, 422, "validation_error")
    missing = api_member.client.generic(
        "PUT",
        "/api/v1/me/profile/photo",
        b"--PeopleBoundary7MA4YWxk--\r\n",
        content_type=MULTIPART,
    )
    assert_problem(missing, 422, "validation_error")
    assert _stored_files() == []


def test_remove_deletes_the_file(api_member, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _put(api_member, picture())
    with django_capture_on_commit_callbacks(execute=True):
        response = api_member.delete("/me/profile/photo")

    assert response.status_code == 204
    assert _stored_files() == []
    assert api_member.get("/me/profile").data["photo_url"] is None


# --- serving ---------------------------------------------------------------------------------


def test_the_photo_is_served_privately_to_colleagues_only(
    api_member, member, owner, outsider, client
):
    _put(api_member, picture())
    url = f"/t/acme/people/{member.pk}/photo/"

    colleague = signed_in(owner).get(url)
    assert colleague.status_code == 200
    assert colleague["Content-Type"] == "image/jpeg"
    assert colleague["Cache-Control"] == "private, max-age=3600"
    assert colleague.content.startswith(b"\xff\xd8\xff")

    assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    # Someone of another tenant is not signed in here; in their own tenant the id is unknown.
    assert signed_in(outsider).get(url).status_code == 302
    assert signed_in(outsider).get(f"/t/globex/people/{member.pk}/photo/").status_code == 404
    assert signed_in(owner).get(f"/t/acme/people/{owner.pk}/photo/").status_code == 404  # none


def test_no_photo_is_reachable_as_public_media(api_member, member, settings):
    _put(api_member, picture())
    stored = _profile(member).photo
    assert not str(photo_dir()).startswith(str(settings.MEDIA_ROOT))
    with pytest.raises((ValueError, TypeError)):
        stored.url  # noqa: B018 - the storage has no public address


def test_a_restricted_persons_photo_is_not_served(api_member, member, owner):
    from django.utils import timezone

    from deskwerk.accounts.models import User

    _put(api_member, picture())
    User.unscoped.filter(pk=member.pk).update(restricted_at=timezone.now())
    assert signed_in(owner).get(f"/t/acme/people/{member.pk}/photo/").status_code == 404
