"""Spaces over the API: members read, administrators write (scope ``spaces:admin``).

No ``from __future__ import annotations`` here: the generated handlers annotate with classes
held in closures, which ninja must see as objects, not strings.
"""

import datetime as dt
from typing import Any, Literal

from django.db.models import Model, QuerySet
from django.http import FileResponse, HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from deskwerk.api.auth import require_scope
from deskwerk.api.pagination import paginate
from deskwerk.api.schemas import ERRORS, Page, StrictIn
from deskwerk.core.errors import NotFound
from deskwerk.spaces import plans, services
from deskwerk.spaces.models import (
    Amenity,
    Building,
    Floor,
    Location,
    Resource,
    ResourceAmenity,
    Zone,
)

router = Router(tags=["spaces"])

Name = Field(min_length=1, max_length=200)


class LocationOut(Schema):
    id: int
    name: str
    street: str
    postal_code: str
    city: str
    country: str
    timezone: str
    work_day_start: dt.time
    work_day_end: dt.time


class LocationIn(StrictIn):
    name: str = Name
    street: str = Field("", max_length=200)
    postal_code: str = Field("", max_length=20)
    city: str = Field("", max_length=100)
    country: str = Field("DE", min_length=2, max_length=2)
    timezone: str = Field("Europe/Berlin", max_length=64)
    work_day_start: dt.time = dt.time(8, 0)
    work_day_end: dt.time = dt.time(18, 0)


class LocationPatch(StrictIn):
    name: str | None = Field(None, min_length=1, max_length=200)
    street: str | None = Field(None, max_length=200)
    postal_code: str | None = Field(None, max_length=20)
    city: str | None = Field(None, max_length=100)
    country: str | None = Field(None, min_length=2, max_length=2)
    timezone: str | None = Field(None, max_length=64)
    work_day_start: dt.time | None = None
    work_day_end: dt.time | None = None


class BuildingOut(Schema):
    id: int
    location_id: int
    name: str


class BuildingIn(StrictIn):
    location_id: int
    name: str = Name


class BuildingPatch(StrictIn):
    name: str | None = Field(None, min_length=1, max_length=200)


class FloorOut(Schema):
    id: int
    building_id: int
    name: str
    level: int
    plan_width: int
    plan_height: int
    has_plan: bool

    @staticmethod
    def resolve_has_plan(obj: Floor) -> bool:
        return bool(obj.plan_image)


class FloorIn(StrictIn):
    building_id: int
    name: str = Name
    level: int = Field(0, ge=-20, le=200)
    plan_width: int = Field(1000, ge=10, le=100_000)
    plan_height: int = Field(1000, ge=10, le=100_000)


class FloorPatch(StrictIn):
    name: str | None = Field(None, min_length=1, max_length=200)
    level: int | None = Field(None, ge=-20, le=200)
    plan_width: int | None = Field(None, ge=10, le=100_000)
    plan_height: int | None = Field(None, ge=10, le=100_000)


class ZoneOut(Schema):
    id: int
    floor_id: int
    name: str


class ZoneIn(StrictIn):
    floor_id: int
    name: str = Name


class ZonePatch(StrictIn):
    name: str | None = Field(None, min_length=1, max_length=200)


class AmenityOut(Schema):
    id: int
    code: str
    name: str


class AmenityIn(StrictIn):
    code: str = Field(min_length=1, max_length=50, pattern=r"^[a-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=100)


class AmenityPatch(StrictIn):
    name: str | None = Field(None, min_length=1, max_length=100)


ResourceKind = Literal["desk", "room", "parking", "home_office"]


class ResourceOut(Schema):
    id: int
    floor_id: int
    zone_id: int | None
    kind: ResourceKind
    name: str
    capacity: int
    pos_x: float
    pos_y: float
    bookable: bool
    amenity_ids: list[int]

    @staticmethod
    def resolve_amenity_ids(obj: Resource) -> list[int]:
        return sorted(getattr(obj, "_amenity_ids", []))


class ResourceIn(StrictIn):
    floor_id: int
    zone_id: int | None = None
    kind: ResourceKind = "desk"
    name: str = Field(min_length=1, max_length=100)
    capacity: int = Field(1, ge=1, le=1000)
    pos_x: float = Field(0, ge=0, le=100_000)
    pos_y: float = Field(0, ge=0, le=100_000)
    bookable: bool = True
    amenity_ids: list[int] = Field(default_factory=list, max_length=50)


class ResourcePatch(StrictIn):
    zone_id: int | None = None
    kind: ResourceKind | None = None
    name: str | None = Field(None, min_length=1, max_length=100)
    capacity: int | None = Field(None, ge=1, le=1000)
    pos_x: float | None = Field(None, ge=0, le=100_000)
    pos_y: float | None = Field(None, ge=0, le=100_000)
    bookable: bool | None = None
    amenity_ids: list[int] | None = Field(None, max_length=50)


def _get(model: type[Model], pk: int) -> Any:
    """The object of the bound tenant, or 404 (whether missing or another tenant's)."""
    obj = model.objects.filter(pk=pk).first()  # type: ignore[attr-defined]
    if obj is None:
        raise NotFound(f"{model._meta.verbose_name} not found")
    return obj


def _to_service_data(model: type[Model], payload: Schema, *, partial: bool) -> dict[str, Any]:
    """Map ``*_id`` fields to objects of the bound tenant (404 for foreign ids)."""
    raw = payload.model_dump(exclude_unset=partial)
    data: dict[str, Any] = {}
    parents = {"location_id": Location, "building_id": Building, "floor_id": Floor, "zone_id": Zone}
    for key, value in raw.items():
        if key in parents:
            data[key[:-3]] = _get(parents[key], value) if value is not None else None
        elif key == "amenity_ids":
            if value is not None:
                data["amenities"] = value
        elif value is not None or not partial:
            data[key] = value
    return data


def _with_amenities(resources: list[Resource]) -> list[Resource]:
    links: dict[int, list[int]] = {}
    for rid, aid in ResourceAmenity.objects.filter(
        resource_id__in=[r.pk for r in resources]
    ).values_list("resource_id", "amenity_id"):
        links.setdefault(rid, []).append(aid)
    for r in resources:
        r._amenity_ids = links.get(r.pk, [])  # type: ignore[attr-defined]
    return resources


def _register(
    path: str,
    model: type[Model],
    out: type[Schema],
    create_in: type[Schema],
    patch_in: type[Schema],
    filter_in: type[Schema] = Schema,
) -> None:
    """List, get, create, patch and delete for one kind of space, with one set of rules."""
    name = model._meta.model_name
    post_process: Any = _with_amenities if model is Resource else (lambda items: items)

    # A default, so a filter schema without fields is not a required parameter (422).
    no_filters = filter_in()

    def list_items(
        request: HttpRequest,
        filters: Query[filter_in] = no_filters,  # type: ignore[valid-type]
        cursor: str | None = None,
        limit: int = 100,
    ) -> Any:
        require_scope(request, "spaces:read")
        qs: QuerySet[Any] = model.objects.all()  # type: ignore[attr-defined]
        qs = qs.filter(**filters.model_dump(exclude_none=True))  # type: ignore[attr-defined]
        items, next_cursor = paginate(
            qs, order=["id"], cursor=cursor, limit=limit, key=lambda o: [o.pk]
        )
        return {"items": post_process(items), "next_cursor": next_cursor}

    router.get(
        f"/{path}",
        response={200: Page[out], **ERRORS},  # type: ignore[valid-type]
        operation_id=f"{name}_list",
        summary=f"List {model._meta.verbose_name_plural}",
    )(list_items)

    @router.get(
        f"/{path}/{{item_id}}",
        response={200: out, **ERRORS},
        operation_id=f"{name}_get",
        summary=f"Get a {model._meta.verbose_name}",
    )
    def get_item(request: HttpRequest, item_id: int) -> Any:
        require_scope(request, "spaces:read")
        return post_process([_get(model, item_id)])[0]

    @router.post(
        f"/{path}",
        response={201: out, **ERRORS},
        operation_id=f"{name}_create",
        summary=f"Create a {model._meta.verbose_name}",
    )
    def create_item(request: HttpRequest, payload: create_in) -> Any:  # type: ignore[valid-type]
        user = require_scope(request, "spaces:admin")
        obj = services.space_create(
            actor=user, model=model, data=_to_service_data(model, payload, partial=False)
        )
        return Status(201, post_process([obj])[0])

    @router.patch(
        f"/{path}/{{item_id}}",
        response={200: out, **ERRORS},
        operation_id=f"{name}_update",
        summary=f"Change a {model._meta.verbose_name}",
    )
    def update_item(request: HttpRequest, item_id: int, payload: patch_in) -> Any:  # type: ignore[valid-type]
        user = require_scope(request, "spaces:admin")
        obj = _get(model, item_id)
        obj = services.space_update(
            actor=user, obj=obj, data=_to_service_data(model, payload, partial=True)
        )
        return post_process([obj])[0]

    @router.delete(
        f"/{path}/{{item_id}}",
        response={204: None, **ERRORS},
        operation_id=f"{name}_delete",
        summary=f"Delete a {model._meta.verbose_name}",
    )
    def delete_item(request: HttpRequest, item_id: int) -> Any:
        user = require_scope(request, "spaces:admin")
        services.space_delete(actor=user, obj=_get(model, item_id))
        return Status(204, None)


class NoFilter(Schema):
    pass


class BuildingFilter(Schema):
    location_id: int | None = None


class FloorFilter(Schema):
    building_id: int | None = None


class ZoneFilter(Schema):
    floor_id: int | None = None


class ResourceFilter(Schema):
    floor_id: int | None = None
    zone_id: int | None = None
    kind: ResourceKind | None = None


_register("locations", Location, LocationOut, LocationIn, LocationPatch, NoFilter)
_register("buildings", Building, BuildingOut, BuildingIn, BuildingPatch, BuildingFilter)
_register("floors", Floor, FloorOut, FloorIn, FloorPatch, FloorFilter)
_register("zones", Zone, ZoneOut, ZoneIn, ZonePatch, ZoneFilter)
_register("amenities", Amenity, AmenityOut, AmenityIn, AmenityPatch, NoFilter)
_register("resources", Resource, ResourceOut, ResourceIn, ResourcePatch, ResourceFilter)


@router.put(
    "/floors/{floor_id}/plan",
    operation_id="floor_plan_set",
    summary="Upload the floor's plan image (raw SVG, PNG or JPEG body)",
    response={200: FloorOut, **ERRORS},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}}
                for media in ("image/svg+xml", "image/png", "image/jpeg")
            },
        }
    },
)
def floor_plan_set(request: HttpRequest, floor_id: int) -> Any:
    """SVG is checked against an allowlist (no scripts or external references); PNG and JPEG
    are decoded and re-encoded (metadata gone, fakes refused); at most 5 MB."""
    user = require_scope(request, "spaces:admin")
    floor = _get(Floor, floor_id)
    # Read from the stream: Django's request.body cap is for forms, the plan has its own.
    data = request.read(plans.MAX_PLAN_BYTES + 1)
    return plans.floor_plan_upload(actor=user, floor=floor, data=data, fit=False)


@router.get(
    "/floors/{floor_id}/plan",
    operation_id="floor_plan",
    summary="The floor's plan image",
    response={200: None, **ERRORS},
)
def floor_plan(request: HttpRequest, floor_id: int) -> Any:
    require_scope(request, "spaces:read")
    floor = _get(Floor, floor_id)
    if not floor.plan_image:
        raise NotFound("this floor has no plan")
    response = FileResponse(floor.plan_image.open("rb"))
    if floor.plan_image.name.endswith(".svg"):
        response["Content-Type"] = "image/svg+xml"
        # An uploaded SVG must never run script in our origin.
        response["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; sandbox"
        )
    return response
