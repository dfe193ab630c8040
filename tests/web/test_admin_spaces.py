"""The space administration pages: who may use them, what they write (only through the
spaces services), and how they refuse bad input."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from deskwerk.audit.models import AuditEvent
from deskwerk.spaces.models import Amenity, Building, Floor, Location, Resource, Zone
from deskwerk.tenancy.context import tenant_context
from tests.web.booking_support import signed_in

BASE = "/t/acme/admin/spaces"
JSON = {"HTTP_ACCEPT": "application/json"}


def rows(tenant, model, **filters):
    with tenant_context(tenant):
        return list(model.objects.filter(**filters))


def audit_count(tenant) -> int:
    with tenant_context(tenant):
        return AuditEvent.objects.count()


def png_upload(width=200, height=100, name="plan.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x013B] = "Erika Mustermann"
    Image.new("RGB", (width, height), "white").save(out, format="JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


# --- who may --------------------------------------------------------------------------------


def pages(site) -> list[str]:
    return [
        f"{BASE}/",
        f"{BASE}/locations/new/",
        f"{BASE}/locations/{site.location.pk}/",
        f"{BASE}/locations/{site.location.pk}/buildings/new/",
        f"{BASE}/buildings/{site.building.pk}/",
        f"{BASE}/buildings/{site.building.pk}/floors/new/",
        f"{BASE}/floors/{site.floor.pk}/",
        f"{BASE}/floors/{site.floor.pk}/plan/",
        f"{BASE}/floors/{site.floor.pk}/rows/new/",
        f"{BASE}/places/{site.desks[0].pk}/",
    ]


def test_the_owner_sees_every_page(owner, site):
    client = signed_in(owner)
    for path in pages(site):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_a_member_is_told_not_allowed_and_nothing_is_written(member, site):
    client = signed_in(member)
    for path in pages(site):
        response = client.get(path)
        assert response.status_code == 403, path
        assert b"Not allowed" in response.content
    before = audit_count(site.floor.tenant)
    response = client.post(f"{BASE}/locations/new/", {"name": "Sneaky"})
    assert response.status_code == 403
    response = client.post(f"{BASE}/places/{site.desks[0].pk}/move/", {"x": 50, "y": 50}, **JSON)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not rows(site.floor.tenant, Location, name="Sneaky")
    assert rows(site.floor.tenant, Resource, pk=site.desks[0].pk)[0].pos_x == 10
    assert audit_count(site.floor.tenant) == before


def test_a_person_of_another_tenant_is_a_stranger_and_foreign_ids_are_404(
    outsider, site, other_site
):
    client = signed_in(outsider)
    response = client.get(f"{BASE}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/t/acme/login/")
    # In their own tenant, the ids of acme's spaces do not exist.
    theirs = "/t/globex/admin/spaces"
    assert client.get(f"{theirs}/").status_code == 200
    for path in [
        f"{theirs}/locations/{site.location.pk}/",
        f"{theirs}/buildings/{site.building.pk}/",
        f"{theirs}/floors/{site.floor.pk}/plan/",
        f"{theirs}/places/{site.desks[0].pk}/",
    ]:
        assert client.get(path).status_code == 404, path
    assert (
        client.post(f"{theirs}/places/{site.desks[0].pk}/move/", {"x": 1, "y": 1}).status_code
        == 404
    )
    assert client.post(f"{theirs}/floors/{site.floor.pk}/delete/").status_code == 404
    assert rows(site.floor.tenant, Floor, pk=site.floor.pk)


def test_anonymous_visitors_are_sent_to_sign_in(site):
    response = Client().get(f"{BASE}/floors/{site.floor.pk}/plan/")
    assert response.status_code == 302
    assert "/t/acme/login/" in response["Location"]


def test_posts_without_csrf_token_are_refused(owner, site):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post(f"{BASE}/locations/new/", {"name": "No token"}).status_code == 403
    response = client.post(f"{BASE}/places/{site.desks[0].pk}/move/", {"x": 50, "y": 50})
    assert response.status_code == 403
    assert not rows(site.floor.tenant, Location, name="No token")
    assert rows(site.floor.tenant, Resource, pk=site.desks[0].pk)[0].pos_x == 10


# --- locations, buildings, floors ------------------------------------------------------------


def test_create_edit_and_delete_a_location_building_and_floor(owner, tenant):
    client = signed_in(owner)
    response = client.post(
        f"{BASE}/locations/new/",
        {
            "name": "Stuttgart",
            "city": "Stuttgart",
            "country": "DE",
            "timezone": "Europe/Berlin",
            "work_day_start": "07:30",
            "work_day_end": "19:00",
        },
    )
    assert response.status_code == 302
    (location,) = rows(tenant, Location)
    assert location.city == "Stuttgart"
    response = client.post(f"{BASE}/locations/{location.pk}/buildings/new/", {"name": "Main"})
    assert response.status_code == 302
    (building,) = rows(tenant, Building)
    response = client.post(
        f"{BASE}/buildings/{building.pk}/floors/new/", {"name": "3rd floor", "level": 3}
    )
    (floor,) = rows(tenant, Floor)
    assert response["Location"].endswith(f"/floors/{floor.pk}/plan/")
    page = client.get(f"{BASE}/").content.decode()
    assert "Stuttgart" in page
    assert "Main" in page
    assert "3rd floor" in page

    # Edit
    client.post(f"{BASE}/floors/{floor.pk}/", {"name": "Third floor", "level": 3})
    assert rows(tenant, Floor)[0].name == "Third floor"
    # A location cannot be deleted while it has buildings.
    response = client.post(f"{BASE}/locations/{location.pk}/delete/", follow=True)
    assert "cannot be deleted" in response.content.decode()
    assert rows(tenant, Location)
    # Inside out it works.
    client.post(f"{BASE}/floors/{floor.pk}/delete/")
    client.post(f"{BASE}/buildings/{building.pk}/delete/")
    client.post(f"{BASE}/locations/{location.pk}/delete/")
    assert not rows(tenant, Location)
    assert not rows(tenant, Building)
    assert not rows(tenant, Floor)
    with tenant_context(tenant):
        actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"location.create", "building.create", "floor.update", "location.delete"} <= actions


def test_bad_location_input_is_shown_and_writes_nothing(owner, tenant, site):
    client = signed_in(owner)
    before = audit_count(tenant)
    response = client.post(
        f"{BASE}/locations/new/",
        {
            "name": site.location.name,  # taken
            "country": "DE",
            "timezone": "Europe/Berlin",
            "work_day_start": "08:00",
            "work_day_end": "18:00",
        },
    )
    assert response.status_code == 422
    assert "already exists" in response.content.decode()
    response = client.post(
        f"{BASE}/locations/new/",
        {
            "name": "X",
            "country": "Germany",
            "timezone": "Mars/Olympus",
            "work_day_start": "18:00",
            "work_day_end": "08:00",
        },
    )
    assert response.status_code == 422
    assert len(rows(tenant, Location)) == 1
    assert audit_count(tenant) == before


# --- the plan: upload, place, move, edit, bulk ----------------------------------------------


def test_upload_a_plan_reencoded_and_fitted(owner, site):
    client = signed_in(owner)
    response = client.post(
        f"{BASE}/floors/{site.floor.pk}/plan/upload/", {"plan": png_upload(), "fit": "on"}
    )
    assert response.status_code == 302
    floor = rows(site.floor.tenant, Floor, pk=site.floor.pk)[0]
    assert (floor.plan_width, floor.plan_height) == (200, 100)
    assert b"Mustermann" not in floor.plan_image.read()
    page = client.get(f"{BASE}/floors/{floor.pk}/plan/").content.decode()
    assert f"/api/v1/floors/{floor.pk}/plan?v=" in page


@pytest.mark.parametrize(
    ("payload", "name"),
    [
        (b"\x89PNG\r\n\x1a\nthis is a text file", "fake.png"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.svg"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.test/x.png"/></svg>',
            "external.svg",
        ),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (5 * 1024 * 1024 + 1), "huge.png"),
    ],
    ids=["fake-png", "svg-script", "svg-external", "too-large"],
)
def test_bad_plans_are_refused_with_a_message(owner, site, payload, name):
    client = signed_in(owner)
    before = audit_count(site.floor.tenant)
    response = client.post(
        f"{BASE}/floors/{site.floor.pk}/plan/upload/",
        {"plan": SimpleUploadedFile(name, payload)},
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "not a floor plan we can accept" in text or "too large" in text
    floor = rows(site.floor.tenant, Floor, pk=site.floor.pk)[0]
    assert not floor.plan_image
    assert audit_count(site.floor.tenant) == before


def test_place_a_desk_and_move_it_in_percent(owner, site):
    client = signed_in(owner)
    response = client.post(
        f"{BASE}/floors/{site.floor.pk}/places/new/", {"kind": "desk", "x": 25, "y": 75}, **JSON
    )
    assert response.status_code == 201
    data = response.json()
    assert data["name"] == "Desk 5"
    assert (data["x"], data["y"]) == (25, 75)
    assert data["label"].startswith("Desk 5")
    desk = rows(site.floor.tenant, Resource, pk=data["id"])[0]
    assert (desk.pos_x, desk.pos_y) == (250, 750)  # plan units of a 1000 x 1000 floor
    response = client.post(data["move_url"], {"x": "12.5", "y": "40"}, **JSON)
    assert response.status_code == 200
    assert response.json()["x"] == 12.5
    desk = rows(site.floor.tenant, Resource, pk=data["id"])[0]
    assert (desk.pos_x, desk.pos_y) == (125, 400)
    with tenant_context(site.floor.tenant):
        assert AuditEvent.objects.filter(action="resource.update", object_id=str(desk.pk)).exists()


@pytest.mark.parametrize(
    "position",
    [{"x": 101, "y": 5}, {"x": -1, "y": 5}, {"x": "nan", "y": 5}, {"x": "a", "y": 5}, {"x": 5}],
    ids=["over-100", "negative", "nan", "text", "missing"],
)
def test_positions_out_of_range_are_refused(owner, site, position):
    client = signed_in(owner)
    desk = site.desks[0]
    before = audit_count(site.floor.tenant)
    response = client.post(f"{BASE}/places/{desk.pk}/move/", position, **JSON)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert "0 to 100" in response.json()["error"]
    response = client.post(
        f"{BASE}/floors/{site.floor.pk}/places/new/", {"kind": "desk", **position}, **JSON
    )
    assert response.status_code == 422
    assert rows(site.floor.tenant, Resource, pk=desk.pk)[0].pos_x == 10
    assert len(rows(site.floor.tenant, Resource)) == 4
    assert audit_count(site.floor.tenant) == before


def test_duplicate_name_is_a_conflict(owner, site):
    client = signed_in(owner)
    response = client.post(
        f"{BASE}/floors/{site.floor.pk}/places/new/",
        {"kind": "desk", "name": "D1", "x": 1, "y": 1},
        **JSON,
    )
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate"


def test_set_zone_amenities_and_position_in_the_form(owner, site, tenant):
    with tenant_context(tenant):
        monitor = Amenity.objects.create(code="monitor", name="Monitor")
        other_zone = Zone.objects.create(
            floor=Floor.objects.create(building=site.building, name="2"), name="Elsewhere"
        )
    client = signed_in(owner)
    desk = site.desks[1]
    form = {
        "name": "D2",
        "kind": "desk",
        "capacity": 1,
        "zone": site.zone.pk,
        "amenities": [monitor.pk],
        "bookable": "on",
        "x": 50,
        "y": 60,
    }
    response = client.post(f"{BASE}/places/{desk.pk}/", form)
    assert response.status_code == 302
    with tenant_context(tenant):
        desk = Resource.objects.get(pk=desk.pk)
        assert list(desk.amenities.values_list("code", flat=True)) == ["monitor"]
        assert (desk.pos_x, desk.pos_y, desk.zone_id) == (500, 600, site.zone.pk)
    page = client.get(f"{BASE}/floors/{site.floor.pk}/plan/").content.decode()
    assert 'aria-label="Desk D2 — zone Team — Monitor"' in page
    # A zone of another floor is not a choice here.
    response = client.post(f"{BASE}/places/{desk.pk}/", {**form, "zone": other_zone.pk})
    assert response.status_code == 422
    with tenant_context(tenant):
        assert Resource.objects.get(pk=desk.pk).zone_id == site.zone.pk


def test_bulk_create_a_row_of_desks(owner, site, tenant):
    client = signed_in(owner)
    response = client.post(
        f"{BASE}/floors/{site.floor.pk}/rows/new/",
        {
            "name_prefix": "3.",
            "start": 1,
            "digits": 2,
            "count": 5,
            "kind": "desk",
            "x": 10,
            "y": 50,
            "spacing": 4,
            "direction": "right",
            "zone": site.zone.pk,
        },
    )
    assert response.status_code == 302
    made = sorted(rows(tenant, Resource, name__startswith="3."), key=lambda r: r.name)
    assert [r.name for r in made] == ["3.01", "3.02", "3.03", "3.04", "3.05"]
    assert [r.pos_x for r in made] == [100, 140, 180, 220, 260]
    assert {r.pos_y for r in made} == {500}
    assert {r.zone_id for r in made} == {site.zone.pk}
    with tenant_context(tenant):
        assert AuditEvent.objects.filter(action="resource.create").count() == 5


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"count": 201}, 422),
        ({"count": 0}, 422),
        ({"x": 90, "spacing": 5, "count": 5}, 422),  # leaves the plan
        ({"name_prefix": "D", "start": 2}, 422),  # D2, D3 exist: all or nothing
        ({"direction": "sideways"}, 422),
    ],
    ids=["too-many", "none", "off-plan", "name-taken", "direction"],
)
def test_bad_rows_write_nothing(owner, site, tenant, change, status):
    client = signed_in(owner)
    form = {
        "name_prefix": "R",
        "start": 1,
        "digits": 0,
        "count": 3,
        "kind": "desk",
        "x": 10,
        "y": 10,
        "spacing": 5,
        "direction": "right",
        **change,
    }
    before = audit_count(tenant)
    response = client.post(f"{BASE}/floors/{site.floor.pk}/rows/new/", form)
    assert response.status_code == status
    assert len(rows(tenant, Resource)) == 4
    assert audit_count(tenant) == before


def test_the_editor_lists_every_place_as_a_named_control(owner, site):
    page = signed_in(owner).get(f"{BASE}/floors/{site.floor.pk}/plan/").content.decode()
    for desk in site.desks:
        assert f'data-id="{desk.pk}"' in page
    assert 'aria-label="Desk D1 — zone Team"' in page
    assert 'aria-label="Room"' in page
    assert "style=" not in page
    assert "<script>" not in page


def test_pages_are_translated(owner, site):
    client = signed_in(owner, HTTP_ACCEPT_LANGUAGE="de")
    page = client.get(f"{BASE}/floors/{site.floor.pk}/plan/").content.decode()
    assert "Arbeitsplatz hinzufügen" in page
    assert "Grundriss von 1" in page
    assert "Plätze auf dieser Etage" in page


def test_move_answer_is_json(owner, site):
    client = signed_in(owner)
    response = client.post(f"{BASE}/places/{site.desks[0].pk}/move/", {"x": 1, "y": 2}, **JSON)
    assert json.loads(response.content)["id"] == site.desks[0].pk
