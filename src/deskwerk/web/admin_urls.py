"""The space administration pages, included into the ``web`` namespace of ``tenant_urls``
(names ``web:admin-…``), all under ``admin/spaces/``."""

from django.urls import path

from deskwerk.web import admin_views as v

urlpatterns = [
    path("admin/", v.admin_index, name="admin"),
    path("admin/spaces/", v.spaces_index, name="admin-spaces"),
    path("admin/spaces/amenities/new/", v.amenity_create, name="admin-amenity-new"),
    path("admin/spaces/locations/new/", v.location_edit, name="admin-location-new"),
    path("admin/spaces/locations/<int:location_id>/", v.location_edit, name="admin-location"),
    path(
        "admin/spaces/locations/<int:location_id>/delete/",
        v.location_delete,
        name="admin-location-delete",
    ),
    path(
        "admin/spaces/locations/<int:location_id>/buildings/new/",
        v.building_edit,
        name="admin-building-new",
    ),
    path("admin/spaces/buildings/<int:building_id>/", v.building_edit, name="admin-building"),
    path(
        "admin/spaces/buildings/<int:building_id>/delete/",
        v.building_delete,
        name="admin-building-delete",
    ),
    path(
        "admin/spaces/buildings/<int:building_id>/floors/new/",
        v.floor_edit,
        name="admin-floor-new",
    ),
    path("admin/spaces/floors/<int:floor_id>/", v.floor_edit, name="admin-floor"),
    path("admin/spaces/floors/<int:floor_id>/delete/", v.floor_delete, name="admin-floor-delete"),
    path("admin/spaces/floors/<int:floor_id>/plan/", v.floor_plan, name="admin-floor-plan"),
    path(
        "admin/spaces/floors/<int:floor_id>/plan/upload/",
        v.floor_plan_upload,
        name="admin-floor-plan-upload",
    ),
    path("admin/spaces/floors/<int:floor_id>/zones/new/", v.zone_create, name="admin-zone-new"),
    path(
        "admin/spaces/floors/<int:floor_id>/places/new/",
        v.resource_place,
        name="admin-resource-place",
    ),
    path("admin/spaces/floors/<int:floor_id>/rows/new/", v.resource_bulk, name="admin-bulk"),
    path("admin/spaces/places/<int:resource_id>/", v.resource_edit, name="admin-resource"),
    path(
        "admin/spaces/places/<int:resource_id>/move/",
        v.resource_move,
        name="admin-resource-move",
    ),
    path(
        "admin/spaces/places/<int:resource_id>/delete/",
        v.resource_delete,
        name="admin-resource-delete",
    ),
]
