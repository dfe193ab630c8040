"""Spaces over the API: the shapes administrators write and everyone reads."""

from __future__ import annotations

import pytest

from deskwerk.audit.models import AuditEvent
from deskwerk.spaces.models import Amenity, Location
from deskwerk.tenancy.context import tenant_context
from tests.api.conftest import PLAN_SVG, World, assert_problem

pytestmark = pytest.mark.django_db


def test_create_then_get_round_trips_a_location(api_owner, tenant):
    body = {
        "name": "Stuttgart",
        "street": "Königstraße 1",
        "postal_code": "70173",
        "city": "Stuttgart",
        "country": "DE",
        "timezone": "Europe/Berlin",
        "work_day_start": "07:30:00",
        "work_day_end": "17:00:00",
    }

    created = api_owner.post("/locations", body)
    fetched = api_owner.get(f"/locations/{created.data['id']}")

    assert created.status_code == 201, created.content
    assert fetched.data == created.data == {"id": created.data["id"], **body}
    assert Location.unscoped.get(pk=created.data["id"]).tenant_id == tenant.pk
    assert AuditEvent.unscoped.filter(action="location.create", tenant=tenant).count() == 1


def test_a_patch_changes_only_the_given_fields(world: World, api_owner):
    path = f"/locations/{world.site.location.pk}"
    before = api_owner.get(path).data

    after = api_owner.patch(path, {"city": "Esslingen"}).data

    assert after == {**before, "city": "Esslingen"}


def test_a_resource_carries_its_amenities(world: World, api_owner, tenant):
    with tenant_context(tenant):
        second = Amenity.objects.create(code="standing", name="Standing desk")
    created = api_owner.post(
        "/resources",
        {
            "floor_id": world.site.floor.pk,
            "zone_id": world.site.zone.pk,
            "kind": "room",
            "name": "Big room",
            "capacity": 12,
            "pos_x": 120.5,
            "pos_y": 40,
            "amenity_ids": [second.pk, world.amenity.pk],
        },
    )
    path = f"/resources/{created.data['id']}"

    assert created.status_code == 201, created.content
    assert created.data["amenity_ids"] == sorted([second.pk, world.amenity.pk])
    assert api_owner.patch(path, {"amenity_ids": [second.pk]}).data["amenity_ids"] == [second.pk]
    assert api_owner.patch(path, {"name": "Huge room"}).data["amenity_ids"] == [second.pk]
    assert api_owner.patch(path, {"amenity_ids": []}).data["amenity_ids"] == []
    assert api_owner.get(path).data["amenity_ids"] == []


def test_a_resource_leaves_its_zone_with_an_explicit_null(world: World, api_owner):
    path = f"/resources/{world.site.desks[2].pk}"

    response = api_owner.patch(path, {"zone_id": None})

    assert response.status_code == 200, response.content
    assert response.data["zone_id"] is None


@pytest.mark.parametrize(
    ("path", "param", "attr", "expected"),
    [
        ("/buildings", "location_id", "location", {"building", "spare_building"}),
        ("/floors", "building_id", "building", {"floor", "spare_floor"}),
        ("/zones", "floor_id", "floor", {"zone", "spare_zone"}),
    ],
)
def test_lists_filter_by_parent(world: World, api_member, path, param, attr, expected):
    items = api_member.get(path, **{param: world.ids[attr]}).data["items"]
    none = api_member.get(path, **{param: 10**9}).data["items"]

    assert {i["id"] for i in items} == {world.ids[k] for k in expected}
    assert none == []


def test_resources_filter_by_kind_and_zone(world: World, api_member):
    rooms = api_member.get("/resources", kind="room").data["items"]
    zoned = api_member.get("/resources", zone_id=world.site.zone.pk).data["items"]

    assert [r["id"] for r in rooms] == [world.site.room.pk]
    assert {r["id"] for r in zoned} == {d.pk for d in world.site.desks}


def test_a_delete_removes_the_object(world: World, api_owner):
    path = f"/amenities/{world.spare['amenity'].pk}"

    assert api_owner.delete(path).status_code == 204
    assert_problem(api_owner.get(path), 404, "not_found")
    assert_problem(api_owner.delete(path), 404, "not_found")


def test_the_floor_plan_is_served_sandboxed(world: World, api_member):
    response = api_member.client.get(f"/api/v1/floors/{world.site.floor.pk}/plan")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == PLAN_SVG


def test_a_floor_without_a_plan_is_404(world: World, api_member):
    response = api_member.get(f"/floors/{world.spare['floor'].pk}/plan")

    assert_problem(response, 404, "not_found")


def test_it_uploads_a_plan_and_serves_it_back_sanitised(api_owner, site):
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><!-- note -->'
        b'<rect width="10" height="10"/></svg>'
    )
    response = api_owner.client.put(
        f"/api/v1/floors/{site.floor.pk}/plan", svg, content_type="image/svg+xml"
    )
    assert response.status_code == 200, response.content
    assert response.json()["has_plan"] is True
    served = api_owner.client.get(f"/api/v1/floors/{site.floor.pk}/plan")
    body = b"".join(served.streaming_content)
    assert served["Content-Type"] == "image/svg+xml"
    assert "sandbox" in served["Content-Security-Policy"]
    assert b"<rect" in body
    assert b"note" not in body  # rebuilt from the allowlist: comments are gone


def test_it_refuses_a_plan_with_a_script(api_owner, site):
    evil = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    response = api_owner.client.put(
        f"/api/v1/floors/{site.floor.pk}/plan", evil, content_type="image/svg+xml"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_plan"
    site.floor.refresh_from_db()
    assert not site.floor.plan_image


def test_the_api_reencodes_raster_plans_and_refuses_fakes(api_owner, site, settings, tmp_path):
    """Same path as the web upload: metadata is gone, a PNG signature alone is not a PNG."""
    from tests.spaces.test_raster_plans import jpeg_with_exif

    settings.MEDIA_ROOT = tmp_path
    url = f"/api/v1/floors/{site.floor.pk}/plan"
    fake = api_owner.client.put(url, b"\x89PNG\r\n\x1a\n" + b"\0" * 64, content_type="image/png")
    assert fake.status_code == 422
    assert fake.json()["code"] == "invalid_plan"
    site.floor.refresh_from_db()
    assert not site.floor.plan_image

    response = api_owner.client.put(url, jpeg_with_exif(), content_type="image/jpeg")
    assert response.status_code == 200, response.content
    site.floor.refresh_from_db()
    stored = (tmp_path / site.floor.plan_image.name).read_bytes()
    assert b"Erika Mustermann" not in stored
    assert b"SpyCam" not in stored


def test_it_refuses_an_oversized_plan_before_reading_it(api_owner, site):
    from deskwerk.spaces.plans import MAX_PLAN_BYTES

    response = api_owner.client.put(
        f"/api/v1/floors/{site.floor.pk}/plan",
        b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_PLAN_BYTES,
        content_type="image/png",
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
