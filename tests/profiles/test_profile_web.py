"""The profile page: who reaches it, the photo form, language, and the finder choice only where
the tenant's mode allows one."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from deskwerk.profiles.models import Profile
from deskwerk.profiles.settings import EVERYONE, NOBODY, OPT_OUT, finder_mode_update
from deskwerk.tenancy.context import tenant_context
from tests.api.conftest import assert_problem
from tests.profiles.kit import bomb_png, picture
from tests.web.booking_support import signed_in

pytestmark = pytest.mark.django_db
PAGE = "/t/acme/me/profile/"


def _profile(user) -> Profile | None:
    with tenant_context(user.tenant):
        return Profile.objects.filter(user=user).first()


def _mode(owner, mode):
    with tenant_context(owner.tenant):
        finder_mode_update(actor=owner, tenant=owner.tenant, mode=mode)


@pytest.mark.parametrize("who", ["owner", "member"])
def test_owner_and_member_see_their_profile(who, request):
    user = request.getfixturevalue(who)
    page = signed_in(user).get(PAGE)
    assert page.status_code == 200
    text = page.content.decode()
    assert user.email in text
    assert "Favourite places" in text
    assert 'href="/t/acme/me/profile/"' in text  # the user menu links here


def test_outsiders_and_anonymous_people_do_not_get_in(tenant, outsider, client):
    assert client.get(PAGE).status_code == 302
    assert signed_in(outsider).get(PAGE).status_code == 302  # not signed in at acme
    assert signed_in(outsider).get("/t/globex/me/profile/").status_code == 200  # their own


def test_upload_and_remove_a_photo(member, owner):
    client = signed_in(member)
    upload = SimpleUploadedFile("me.jpg", picture(gps=True), "image/jpeg")
    response = client.post("/t/acme/me/profile/photo/", {"photo": upload}, follow=True)
    assert "Your photo is saved." in response.content.decode()
    assert _profile(member).photo
    assert f"/t/acme/people/{member.pk}/photo/?v=" in client.get(PAGE).content.decode()

    response = client.post("/t/acme/me/profile/photo/remove/", follow=True)
    assert "Your photo is removed." in response.content.decode()
    assert not _profile(member).photo


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\nnot really", "could not be read as a picture"),
        (picture("GIF"), "Please choose a PNG, JPEG or WebP picture."),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "Please choose a PNG, JPEG or WebP"),
        (bomb_png(), "This picture is too large."),
        (b"\xff\xd8\xff" + b"0" * (2 * 1024 * 1024 + 1), "This picture is too large."),
    ],
    ids=["fake-png", "gif", "svg", "bomb", "oversized"],
)
def test_bad_photos_get_a_friendly_message(member, data, message):
    upload = SimpleUploadedFile("x.png", data, "image/png")
    response = signed_in(member).post("/t/acme/me/profile/photo/", {"photo": upload}, follow=True)
    assert message in response.content.decode()
    assert _profile(member) is None


def test_no_file_is_a_message(member):
    response = signed_in(member).post("/t/acme/me/profile/photo/", {}, follow=True)
    assert "Please choose a picture first." in response.content.decode()


def test_language_is_saved_on_the_person(member):
    client = signed_in(member)
    client.post("/t/acme/me/profile/settings/", {"language": "de"})
    member.refresh_from_db()
    assert member.language == "de"
    assert client.get(PAGE)["Content-Language"] == "de"
    client.post("/t/acme/me/profile/settings/", {"language": "xx"})
    member.refresh_from_db()
    assert member.language == "de"


def test_the_choice_is_offered_and_saved_in_the_default_mode(member):
    client = signed_in(member)
    page = client.get(PAGE).content.decode()
    assert 'name="finder_choice" value="shown"' in page
    client.post("/t/acme/me/profile/settings/", {"language": "", "finder_choice": "shown"})
    assert _profile(member).finder_choice == "shown"


@pytest.mark.parametrize("mode", [EVERYONE, NOBODY])
def test_no_choice_where_the_tenant_decides(mode, owner, member, api_member):
    _mode(owner, mode)
    client = signed_in(member)
    assert 'name="finder_choice"' not in client.get(PAGE).content.decode()
    response = client.post("/t/acme/me/profile/settings/", {"finder_choice": "hidden"}, follow=True)
    assert "Your organisation decides" in response.content.decode()
    assert _profile(member) is None
    assert_problem(
        api_member.patch("/me/profile", {"finder_choice": "hidden"}),
        422,
        "finder_choice_not_allowed",
    )


def test_the_api_profile(api_member, member, owner):
    got = api_member.get("/me/profile").data
    assert got["finder_mode"] == "opt_in"
    assert got["finder_choice_allowed"] is True
    assert got["visible_in_finder"] is False
    assert got["photo_url"] is None
    changed = api_member.patch("/me/profile", {"finder_choice": "shown", "language": "en"}).data
    assert changed["visible_in_finder"] is True
    assert changed["language"] == "en"
    _mode(owner, OPT_OUT)
    hidden = api_member.patch("/me/profile", {"finder_choice": "hidden"}).data
    assert hidden["visible_in_finder"] is False
    for bad in ({"finder_choice": "maybe"}, {"language": "fr"}, {"language": None}, {"photo": "x"}):
        assert api_member.patch("/me/profile", bad).status_code == 422
