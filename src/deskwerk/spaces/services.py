"""Administration of spaces. Every write: admin check, same-tenant check, validation, audit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from deskwerk.access.roles import require_permission
from deskwerk.accounts.models import User
from deskwerk.audit.services import audit_record
from deskwerk.core.errors import Conflict, InvalidInput
from deskwerk.spaces.models import (
    Amenity,
    Building,
    Floor,
    Location,
    Resource,
    ResourceAmenity,
    Zone,
)
from deskwerk.tenancy.services import assert_same_tenant

T = TypeVar("T", bound=models.Model)

# Which fields each kind of space accepts from callers; everything else is refused.
EDITABLE: dict[type[models.Model], set[str]] = {
    Location: {
        "name",
        "street",
        "postal_code",
        "city",
        "country",
        "timezone",
        "work_day_start",
        "work_day_end",
    },
    Building: {"location", "name"},
    Floor: {"building", "name", "level", "plan_width", "plan_height"},
    Zone: {"floor", "name"},
    Amenity: {"code", "name"},
    Resource: {"floor", "zone", "kind", "name", "capacity", "pos_x", "pos_y", "bookable"},
}
# Parents may not move between these once set (bookings copy the floor).
IMMUTABLE_AFTER_CREATE = {"location", "building", "floor"}


def _validated_save(obj: models.Model) -> None:
    try:
        obj.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        raise InvalidInput(detail, errors=exc.message_dict) from exc
    # Check constraints here, so a violation (e.g. a working day ending before it starts) is
    # invalid input rather than the IntegrityError below, which would call it a duplicate.
    for constraint in obj._meta.constraints:
        if isinstance(constraint, models.CheckConstraint):
            try:
                constraint.validate(type(obj), obj)  # type: ignore[attr-defined]
            except ValidationError as exc:
                raise InvalidInput(" ".join(exc.messages)) from exc
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise Conflict(
            f"a {obj._meta.verbose_name} with this name already exists here", code="duplicate"
        ) from exc


def _check_parents(actor: User, obj: models.Model) -> None:
    parents = [
        getattr(obj, f)
        for f in ("location", "building", "floor", "zone")
        if hasattr(obj, f"{f}_id") and getattr(obj, f"{f}_id")
    ]
    assert_same_tenant(actor.tenant, *parents)
    if isinstance(obj, Resource) and obj.zone is not None and obj.zone.floor_id != obj.floor_id:
        raise InvalidInput("the zone is on another floor", code="zone_floor_mismatch")


def space_create(*, actor: User, model: type[T], data: Mapping[str, Any]) -> T:
    """Create a location, building, floor, zone, amenity or resource."""
    require_permission(actor, "spaces.manage")
    unknown = set(data) - EDITABLE[model] - {"amenities"}
    if unknown:
        raise InvalidInput(f"unknown fields: {', '.join(sorted(unknown))}")
    fields = {k: v for k, v in data.items() if k != "amenities"}
    obj = model(tenant=actor.tenant, **fields)
    _check_parents(actor, obj)
    with transaction.atomic():
        _validated_save(obj)
        if isinstance(obj, Resource) and "amenities" in data:
            _set_amenities(actor, obj, data["amenities"])
        audit_record(
            tenant=actor.tenant,
            actor=actor,
            action=f"{model._meta.model_name}.create",
            obj=obj,
            changed_fields=data.keys(),
        )
    return obj


def space_update(*, actor: User, obj: T, data: Mapping[str, Any]) -> T:
    """Change the given fields of a space; parents cannot change."""
    require_permission(actor, "spaces.manage")
    assert_same_tenant(actor.tenant, obj)
    model = type(obj)
    unknown = set(data) - EDITABLE[model] - {"amenities"}
    if unknown:
        raise InvalidInput(f"unknown fields: {', '.join(sorted(unknown))}")
    moved = IMMUTABLE_AFTER_CREATE & set(data)
    if moved:
        raise InvalidInput(
            f"cannot move to another {', '.join(sorted(moved))}", code="immutable_field"
        )
    changed = [k for k, v in data.items() if k != "amenities" and getattr(obj, k) != v]
    for key in changed:
        setattr(obj, key, data[key])
    _check_parents(actor, obj)
    with transaction.atomic():
        if changed:
            _validated_save(obj)
        if isinstance(obj, Resource) and "amenities" in data:
            _set_amenities(actor, obj, data["amenities"])
            changed.append("amenities")
        if changed:
            audit_record(
                tenant=actor.tenant,
                actor=actor,
                action=f"{model._meta.model_name}.update",
                obj=obj,
                changed_fields=changed,
            )
    return obj


def space_delete(*, actor: User, obj: models.Model) -> None:
    """Delete a space that nothing depends on; otherwise refuse with ``in_use``."""
    require_permission(actor, "spaces.manage")
    assert_same_tenant(actor.tenant, obj)
    try:
        with transaction.atomic():
            pk = obj.pk
            obj.delete()
            audit_record(
                tenant=actor.tenant,
                actor=actor,
                action=f"{obj._meta.model_name}.delete",
                object_type=obj._meta.label_lower,
                object_id=pk,
            )
    except models.ProtectedError as exc:
        raise Conflict(
            f"this {obj._meta.verbose_name} still has dependants (bookings or children); "
            "mark it not bookable instead",
            code="in_use",
        ) from exc


def _set_amenities(actor: User, resource: Resource, amenity_ids: Iterable[int]) -> None:
    ids = set(amenity_ids)
    found = set(Amenity.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if found != ids:
        raise InvalidInput("unknown amenity ids", code="unknown_amenity")
    ResourceAmenity.objects.filter(resource=resource).exclude(amenity_id__in=ids).delete()
    existing = set(
        ResourceAmenity.objects.filter(resource=resource).values_list("amenity_id", flat=True)
    )
    ResourceAmenity.objects.bulk_create(
        ResourceAmenity(tenant=actor.tenant, resource=resource, amenity_id=i)
        for i in ids - existing
    )


# --- rows of desks ---------------------------------------------------------------------------

MAX_BULK_RESOURCES = 200
DIRECTIONS: dict[str, tuple[int, int]] = {
    "right": (1, 0),
    "left": (-1, 0),
    "down": (0, 1),
    "up": (0, -1),
}


def resources_bulk_create(
    *,
    actor: User,
    floor: Floor,
    prefix: str,
    start: int,
    count: int,
    x: float,
    y: float,
    spacing: float,
    direction: str = "right",
    digits: int = 0,
    kind: str = Resource.Kind.DESK,
    zone: Zone | None = None,
    amenities: Iterable[int] = (),
) -> list[Resource]:
    """Create a row of ``count`` resources named prefix+number, ``spacing`` plan units apart.

    All or nothing: one transaction, every name and position checked before anything is
    written (a clash with an existing name refuses the whole row), one audit event per resource.
    """
    require_permission(actor, "spaces.manage")
    assert_same_tenant(actor.tenant, floor, *([zone] if zone is not None else []))
    if not 1 <= count <= MAX_BULK_RESOURCES:
        raise InvalidInput(f"count must be between 1 and {MAX_BULK_RESOURCES}")
    if direction not in DIRECTIONS:
        raise InvalidInput(f"direction must be one of {', '.join(DIRECTIONS)}")
    if not 0 <= start <= 1_000_000 or not 0 <= digits <= 6 or spacing < 0:
        raise InvalidInput("start, digits or spacing out of range")
    if zone is not None and zone.floor_id != floor.pk:
        raise InvalidInput("the zone is on another floor", code="zone_floor_mismatch")
    dx, dy = DIRECTIONS[direction]
    rows = []
    for n in range(count):
        px, py = x + dx * spacing * n, y + dy * spacing * n
        if not (0 <= px <= floor.plan_width and 0 <= py <= floor.plan_height):
            raise InvalidInput(
                f"the row leaves the plan after {n} places; use a smaller spacing or count"
            )
        name = f"{prefix}{str(start + n).zfill(digits)}"
        rows.append(
            Resource(
                tenant=actor.tenant,
                floor=floor,
                zone=zone,
                kind=kind,
                name=name,
                pos_x=px,
                pos_y=py,
            )
        )
    names = [r.name for r in rows]
    taken = set(Resource.objects.filter(floor=floor, name__in=names).values_list("name", flat=True))
    if taken:
        raise Conflict(
            f"names already used on this floor: {', '.join(sorted(taken)[:5])}", code="duplicate"
        )
    amenity_ids = sorted(set(amenities))
    with transaction.atomic():
        created = []
        for obj in rows:
            _validated_save(obj)
            if amenity_ids:
                _set_amenities(actor, obj, amenity_ids)
            audit_record(
                tenant=actor.tenant,
                actor=actor,
                action="resource.create",
                obj=obj,
                changed_fields=["floor", "zone", "kind", "name", "pos_x", "pos_y"]
                + (["amenities"] if amenity_ids else []),
            )
            created.append(obj)
    return created
