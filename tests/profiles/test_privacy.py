"""The profile's data in the data subject's rights: the export carries the photo file, the
erasure deletes it (and every profile row), pseudonymisation leaves profiles alone."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from deskwerk.privacy.datamap import REGISTRY, Action, Category
from deskwerk.profiles.models import FavouriteColleague, FavouriteResource, Profile
from deskwerk.profiles.storage import photo_dir
from deskwerk.tenancy.context import tenant_context
from tests.profiles.kit import MULTIPART, multipart_photo, picture

pytestmark = pytest.mark.django_db


def _with_profile(api_member, member, owner, site) -> str:
    api_member.client.generic(
        "PUT",
        "/api/v1/me/profile/photo",
        multipart_photo(picture(gps=True)),
        content_type=MULTIPART,
    )
    api_member.patch("/me/profile", {"finder_choice": "shown"})
    api_member.post("/me/favourites", {"resource_id": site.desks[0].pk})
    api_member.post("/me/favourites", {"person_id": owner.pk})
    with tenant_context(member.tenant):
        return Profile.objects.get(user=member).photo.name


def test_every_profile_field_is_profile_data_deleted_at_erasure():
    for label in ("profiles.Profile", "profiles.FavouriteResource", "profiles.FavouriteColleague"):
        for name, rule in REGISTRY[label].personal.items():
            assert rule.category == Category.PROFILE, (label, name)
            assert rule.on_erasure == Action.DELETE_ROW, (label, name)
            assert rule.on_pseudonymise == Action.KEEP, (label, name)


def test_the_access_export_carries_the_photo(api_member, api_owner, member, owner, site):
    stored = _with_profile(api_member, member, owner, site)
    created = api_owner.post("/privacy/requests", {"kind": "access", "subject_id": member.pk})
    response = api_owner.client.get(f"/api/v1/privacy/requests/{created.data['id']}/export")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))

    [photo] = [n for n in archive.namelist() if n.startswith("files/profiles.Profile/")]
    assert photo.endswith("/photo/" + stored.split("/")[-1])
    with Image.open(io.BytesIO(archive.read(photo))) as image:
        assert image.format == "JPEG"
        assert len(image.getexif()) == 0
    import json

    profile_data = json.loads(archive.read("data/c-profile.json"))
    models = {m["model"]: m for m in profile_data["models"]}
    assert models["profiles.Profile"]["rows"][0]["finder_choice"] == "shown"
    assert {"profiles.FavouriteResource", "profiles.FavouriteColleague"} <= set(models)


def test_erasure_deletes_the_photo_file_and_the_rows(
    api_member, api_owner, member, owner, site, django_capture_on_commit_callbacks
):
    _with_profile(api_member, member, owner, site)
    # The owner has the member as a favourite colleague too: that row goes with the member.
    api_owner.post("/me/favourites", {"person_id": member.pk})
    assert [p for p in photo_dir().rglob("*") if p.is_file()]

    filed = api_member.post("/privacy/requests", {"kind": "erasure"})
    with django_capture_on_commit_callbacks(execute=True):
        done = api_owner.post(f"/privacy/requests/{filed.data['id']}/execute", {"confirm": True})

    assert done.status_code == 200, done.data
    assert [p for p in photo_dir().rglob("*") if p.is_file()] == []
    for model in (Profile, FavouriteResource, FavouriteColleague):
        assert not model.unscoped.filter(user_id=member.pk).exists()
    assert not FavouriteColleague.unscoped.filter(colleague_id=member.pk).exists()


def test_pseudonymisation_leaves_profiles_alone():
    """Profiles are not booking or usage history: no pseudonymisation target names them."""
    from deskwerk.privacy.pseudonymise import plans

    assert not [p for p in plans() if "profiles" in str(p).lower()]
