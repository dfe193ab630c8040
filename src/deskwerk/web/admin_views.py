"""Space administration pages: locations, buildings, floors, plan drawings and the plan editor.

Views parse input and call ``deskwerk.spaces.services`` / ``deskwerk.spaces.plans``; they never
write models. Who may use them is decided by the services' own check (``spaces.manage`` in
``deskwerk.access.roles``): the tenant's other people get a 403 page, people of other tenants
are strangers here (sent to sign in, as on every tenant page), and ids of another tenant are 404
because every lookup goes through the tenant-scoped managers.

The editor works with positions in percent of the drawing; the services store plan units
(``Floor.plan_width`` x ``plan_height``), so the views convert.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Model
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deskwerk.access.roles import has_permission
from deskwerk.accounts.models import User
from deskwerk.core.errors import DomainError
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
from deskwerk.tenancy.urls import base_prefix
from deskwerk.web.admin_forms import (
    AmenityForm,
    BuildingForm,
    BulkForm,
    FloorForm,
    LocationForm,
    MoveForm,
    PlaceForm,
    PlanUploadForm,
    ResourceForm,
    ZoneForm,
)
from deskwerk.web.booking_forms import KIND_LABELS
from deskwerk.web.booking_plan import title

PERMISSION = "spaces.manage"
M = TypeVar("M", bound=Model)
View = Callable[..., HttpResponse]


def space_admin(view: View) -> View:
    """Signed in (else to the sign-in page) and allowed to manage spaces (else a 403 page)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not has_permission(request.user, PERMISSION):
            if _wants_json(request):
                return JsonResponse(
                    {"code": "permission_denied", "error": _("You may not manage spaces.")},
                    status=403,
                )
            return render(request, "admin/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _get(model: type[M], pk: int) -> M:
    """The bound tenant's object, or 404 (missing and another tenant's look the same)."""
    obj = model.objects.filter(pk=pk).first()  # type: ignore[attr-defined]
    if obj is None:
        raise Http404(f"{model._meta.verbose_name} not found")
    return cast(M, obj)


def friendly(exc: DomainError) -> str:
    """A refusal of the services, in the page's language."""
    texts = {
        "duplicate": _("Something with this name already exists here. Choose another name."),
        "in_use": _(
            "This cannot be deleted while it still contains buildings, floors, zones, places or "
            "bookings. Remove those first, or mark the places as not bookable."
        ),
        "invalid_plan": _(
            "This file is not a floor plan we can accept: it must be a valid PNG or JPEG image, "
            "or an SVG drawing without scripts, links to other files or embedded documents "
            "(%(detail)s)."
        )
        % {"detail": exc.detail},
        "plan_too_large": _(
            "The plan is too large: at most 5 MB and 10,000 pixels per side (%(detail)s)."
        )
        % {"detail": exc.detail},
        "permission_denied": _("You may not manage spaces."),
        "zone_floor_mismatch": _("The zone belongs to another floor."),
        "immutable_field": _("A space cannot be moved to another parent."),
    }
    return texts.get(exc.code) or _("The input was refused: %(detail)s") % {"detail": exc.detail}


# --- overview ------------------------------------------------------------------------------

# The administration's sections: (URL name, label, permissions of which one suffices).
SECTIONS: list[tuple[str, Any, tuple[str, ...]]] = [
    ("web:admin-spaces", gettext_lazy("Spaces"), ("spaces.manage",)),
    ("web:admin-people", gettext_lazy("People and roles"), ("people.manage", "roles.grant")),
    ("web:admin-people-roles", gettext_lazy("Role report"), ("roles.grant", "audit.read")),
    ("web:admin-settings", gettext_lazy("Settings"), ("tenant.settings", "privacy.settings")),
]


def admin_sections(request: HttpRequest) -> list[dict[str, Any]]:
    """The sections the signed-in person may open (the tabs above every admin page)."""
    items = []
    for name, label, permissions in SECTIONS:
        if not any(has_permission(request.user, p) for p in permissions):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "active": request.path.startswith(url)})
    # The role report lives under the people pages: only the most specific tab is current.
    active = [i for i in items if i["active"]]
    for item in active[:-1]:
        item["active"] = False
    return items


@require_GET
@login_required
def admin_index(request: HttpRequest) -> HttpResponse:
    """The "Admin" entry of the main navigation: the first section the person may use."""
    sections = admin_sections(request)
    if not sections:
        return render(request, "admin/forbidden.html", status=403)
    return redirect(sections[0]["url"])


@require_GET
@space_admin
def spaces_index(request: HttpRequest) -> HttpResponse:
    """All locations with their buildings and floors (three queries), and the amenities."""
    locations = list(Location.objects.all())
    buildings = list(Building.objects.all())
    floors = list(Floor.objects.annotate(places=Count("resources")))
    by_building: dict[int, list[Floor]] = {}
    for f in floors:
        by_building.setdefault(f.building_id, []).append(f)
    by_location: dict[int, list[Building]] = {}
    for b in buildings:
        b.floor_list = by_building.get(b.pk, [])
        by_location.setdefault(b.location_id, []).append(b)
    for loc in locations:
        loc.building_list = by_location.get(loc.pk, [])
    return render(
        request,
        "admin/spaces.html",
        {
            "sections": admin_sections(request),
            "locations": locations,
            "amenities": list(Amenity.objects.all()),
            "amenity_form": AmenityForm(),
        },
    )


@require_POST
@space_admin
def amenity_create(request: HttpRequest) -> HttpResponse:
    form = AmenityForm(request.POST)
    if form.is_valid():
        try:
            services.space_create(actor=_actor(request), model=Amenity, data=form.cleaned_data)
        except DomainError as exc:
            messages.error(request, friendly(exc))
        else:
            messages.success(
                request, _("Amenity %(name)s added.") % {"name": form.cleaned_data["name"]}
            )
    else:
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, _("The amenity was not added: %(errors)s") % {"errors": errors})
    return redirect("web:admin-spaces")


# --- locations, buildings, floors: one pattern for all three --------------------------------


def _form_page(
    request: HttpRequest,
    *,
    form: Any,
    heading: str,
    back: str,
    obj: Model | None = None,
    delete_url: str = "",
    parents: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "admin/form.html",
        {
            "form": form,
            "heading": heading,
            "back": back,
            "obj": obj,
            "delete_url": delete_url,
            "parents": parents or [],
        },
        status=status,
    )


def _save(
    request: HttpRequest,
    form: Any,
    *,
    model: type[Model],
    obj: Model | None,
    extra: dict[str, Any] | None = None,
) -> Model | None:
    """Create or update through the services; a refusal becomes a form error (None)."""
    data = dict(form.cleaned_data)
    try:
        if obj is None:
            return services.space_create(
                actor=_actor(request), model=model, data={**data, **(extra or {})}
            )
        return services.space_update(actor=_actor(request), obj=obj, data=data)
    except DomainError as exc:
        form.add_error(None, friendly(exc))
        return None


def _space_edit(
    request: HttpRequest,
    *,
    model: type[Model],
    form_class: type[Any],
    obj: Model | None,
    fields: tuple[str, ...],
    saved: str,
    heading: str,
    delete_name: str,
    extra: dict[str, Any] | None = None,
    parents: list[tuple[str, str]] | None = None,
    created_url: Callable[[Model], str] | None = None,
) -> HttpResponse:
    """The create/edit page of a location, building or floor.

    ``saved`` is the view's own translated message with a ``%(name)s`` placeholder (the
    catalogue keeps one literal per kind); ``created_url`` is where a new object leads next.
    """
    initial = {f: getattr(obj, f) for f in fields} if obj else None
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        result = _save(request, form, model=model, obj=obj, extra=extra)
        if result is not None:
            messages.success(request, saved % {"name": form.cleaned_data["name"]})
            if obj is None and created_url is not None:
                return redirect(created_url(result))
            return redirect("web:admin-spaces")
    return _form_page(
        request,
        form=form,
        heading=heading,
        back=reverse("web:admin-spaces"),
        obj=obj,
        delete_url=reverse(delete_name, args=[obj.pk]) if obj else "",
        parents=parents,
        status=422 if request.method == "POST" else 200,
    )


def _delete(request: HttpRequest, obj: Model, back: str, name: str) -> HttpResponse:
    try:
        services.space_delete(actor=_actor(request), obj=obj)
    except DomainError as exc:
        messages.error(request, friendly(exc))
        return redirect(back)
    messages.success(request, _("%(name)s deleted.") % {"name": name})
    return redirect("web:admin-spaces")


LOCATION_FIELDS = (
    "name",
    "street",
    "postal_code",
    "city",
    "country",
    "timezone",
    "work_day_start",
    "work_day_end",
)


@require_http_methods(["GET", "POST"])
@space_admin
def location_edit(request: HttpRequest, location_id: int | None = None) -> HttpResponse:
    obj = _get(Location, location_id) if location_id else None
    return _space_edit(
        request,
        model=Location,
        form_class=LocationForm,
        obj=obj,
        fields=LOCATION_FIELDS,
        saved=_("Location %(name)s saved."),
        heading=_("Edit location %(name)s") % {"name": obj.name} if obj else _("New location"),
        delete_name="web:admin-location-delete",
    )


@require_POST
@space_admin
def location_delete(request: HttpRequest, location_id: int) -> HttpResponse:
    obj = _get(Location, location_id)
    return _delete(request, obj, reverse("web:admin-location", args=[obj.pk]), obj.name)


@require_http_methods(["GET", "POST"])
@space_admin
def building_edit(
    request: HttpRequest, building_id: int | None = None, location_id: int | None = None
) -> HttpResponse:
    obj = _get(Building, building_id) if building_id else None
    location = obj.location if obj else _get(Location, cast(int, location_id))
    return _space_edit(
        request,
        model=Building,
        form_class=BuildingForm,
        obj=obj,
        fields=("name",),
        saved=_("Building %(name)s saved."),
        heading=(
            _("Edit building %(name)s") % {"name": obj.name}
            if obj
            else _("New building in %(location)s") % {"location": location.name}
        ),
        delete_name="web:admin-building-delete",
        extra={"location": location},
        parents=[(_("Location"), location.name)],
    )


@require_POST
@space_admin
def building_delete(request: HttpRequest, building_id: int) -> HttpResponse:
    obj = _get(Building, building_id)
    return _delete(request, obj, reverse("web:admin-building", args=[obj.pk]), obj.name)


@require_http_methods(["GET", "POST"])
@space_admin
def floor_edit(
    request: HttpRequest, floor_id: int | None = None, building_id: int | None = None
) -> HttpResponse:
    obj = _get(Floor, floor_id) if floor_id else None
    building = obj.building if obj else _get(Building, cast(int, building_id))
    return _space_edit(
        request,
        model=Floor,
        form_class=FloorForm,
        obj=obj,
        fields=("name", "level"),
        saved=_("Floor %(name)s saved."),
        heading=(
            _("Edit floor %(name)s") % {"name": obj.name}
            if obj
            else _("New floor in %(building)s") % {"building": building.name}
        ),
        delete_name="web:admin-floor-delete",
        extra={"building": building},
        parents=[(_("Location"), building.location.name), (_("Building"), building.name)],
        # Next step for a new floor: its drawing and places.
        created_url=lambda floor: reverse("web:admin-floor-plan", args=[floor.pk]),
    )


@require_POST
@space_admin
def floor_delete(request: HttpRequest, floor_id: int) -> HttpResponse:
    obj = _get(Floor, floor_id)
    return _delete(request, obj, reverse("web:admin-floor", args=[obj.pk]), obj.name)


# --- the plan editor -------------------------------------------------------------------------


def _percent(value: float, size: int) -> float:
    return round(min(max(value / max(size, 1) * 100, 0), 100), 2)


def _units(percent: float, size: int) -> float:
    return round(percent * size / 100, 2)


def _amenity_map(resource_ids: list[int]) -> dict[int, list[int]]:
    links: dict[int, list[int]] = {}
    for rid, aid in ResourceAmenity.objects.filter(resource_id__in=resource_ids).values_list(
        "resource_id", "amenity_id"
    ):
        links.setdefault(rid, []).append(aid)
    return links


def marker_data(
    resource: Resource,
    floor: Floor,
    *,
    zones: dict[int, str],
    amenity_names: dict[int, str],
    amenity_ids: list[int],
) -> dict[str, Any]:
    """What the editor needs of one resource (also the JSON answer after a change)."""
    kind_label = str(KIND_LABELS.get(resource.kind, resource.kind))
    amenities = ", ".join(sorted(amenity_names[i] for i in amenity_ids if i in amenity_names))
    zone = zones.get(resource.zone_id, "") if resource.zone_id else ""
    label_parts = [title(kind_label, resource.name)]
    if zone:
        label_parts.append(_("zone %(zone)s") % {"zone": zone})
    if amenities:
        label_parts.append(amenities)
    if not resource.bookable:
        label_parts.append(_("not bookable"))
    return {
        "id": resource.pk,
        "name": resource.name,
        "kind": resource.kind,
        "kind_label": kind_label,
        "zone": zone,
        "amenities": amenities,
        "bookable": resource.bookable,
        "x": _percent(resource.pos_x, floor.plan_width),
        "y": _percent(resource.pos_y, floor.plan_height),
        "label": " — ".join(label_parts),
        "move_url": reverse("web:admin-resource-move", args=[resource.pk]),
        "edit_url": reverse("web:admin-resource", args=[resource.pk]),
    }


def _plan_url(floor: Floor) -> str:
    if not floor.plan_image:
        return ""
    # Every upload keeps the file name (only the extension may change): bust caches with the
    # stored file's size and the plan's size.
    try:
        stored = floor.plan_image.size
    except OSError:
        stored = 0
    version = f"{floor.plan_width}x{floor.plan_height}-{stored}"
    return f"{base_prefix()}api/v1/floors/{floor.pk}/plan?v={version}"


def _editor_context(floor: Floor, **extra: Any) -> dict[str, Any]:
    zones = dict(Zone.objects.filter(floor=floor).values_list("pk", "name"))
    amenity_names = dict(Amenity.objects.values_list("pk", "name"))
    resources = list(Resource.objects.filter(floor=floor))
    links = _amenity_map([r.pk for r in resources])
    items = [
        marker_data(
            r, floor, zones=zones, amenity_names=amenity_names, amenity_ids=links.get(r.pk, [])
        )
        for r in resources
    ]
    context: dict[str, Any] = {
        "floor": floor,
        "building": floor.building,
        "location": floor.building.location,
        "items": items,
        "zones": sorted(zones.items(), key=lambda z: z[1]),
        "plan_url": _plan_url(floor),
        "upload_form": PlanUploadForm(),
        "zone_form": ZoneForm(),
        "add_buttons": [
            ("desk", _("Add desk")),
            ("room", _("Add room")),
            ("parking", _("Add parking spot")),
        ],
        "plan_size": f"{floor.plan_width} × {floor.plan_height}",
    }
    context.update(extra)
    return context


@require_GET
@space_admin
def floor_plan(request: HttpRequest, floor_id: int) -> HttpResponse:
    floor = _get(Floor, floor_id)
    return render(request, "admin/editor.html", _editor_context(floor))


@require_POST
@space_admin
def floor_plan_upload(request: HttpRequest, floor_id: int) -> HttpResponse:
    floor = _get(Floor, floor_id)
    form = PlanUploadForm(request.POST, request.FILES)
    error = ""
    if form.is_valid():
        upload = form.cleaned_data["plan"]
        if upload.size > plans.MAX_PLAN_BYTES:
            error = _(
                "The plan is too large: at most 5 MB and 10,000 pixels per side (%(detail)s)."
            ) % {"detail": f"{upload.size} bytes"}
        else:
            data = upload.read(plans.MAX_PLAN_BYTES + 1)
            try:
                plans.floor_plan_upload(
                    actor=_actor(request), floor=floor, data=data, fit=form.cleaned_data["fit"]
                )
            except DomainError as exc:
                error = friendly(exc)
            else:
                messages.success(request, _("The plan drawing was saved."))
                return redirect("web:admin-floor-plan", floor.pk)
    if error:
        form.add_error("plan", error)
    floor.refresh_from_db()
    return render(
        request, "admin/editor.html", _editor_context(floor, upload_form=form), status=422
    )


@require_POST
@space_admin
def zone_create(request: HttpRequest, floor_id: int) -> HttpResponse:
    floor = _get(Floor, floor_id)
    form = ZoneForm(request.POST)
    if form.is_valid():
        try:
            services.space_create(
                actor=_actor(request),
                model=Zone,
                data={"floor": floor, "name": form.cleaned_data["name"]},
            )
        except DomainError as exc:
            messages.error(request, friendly(exc))
        else:
            messages.success(
                request, _("Zone %(name)s added.") % {"name": form.cleaned_data["name"]}
            )
    else:
        messages.error(request, _("A zone needs a name."))
    return redirect("web:admin-floor-plan", floor.pk)


def _json_error(message: str, code: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "error": message}, status=status)


def _form_error(form: Any) -> JsonResponse:
    errors = {k: [str(e) for e in v] for k, v in form.errors.items()}
    message = _("Positions must be numbers from 0 to 100 (percent of the plan).")
    if set(errors) - {"x", "y"}:
        message = "; ".join(e for v in errors.values() for e in v)
    return JsonResponse(
        {"code": "validation_error", "error": message, "errors": errors}, status=422
    )


def _next_name(floor: Floor, kind: str) -> str:
    """A free name such as "Desk 7" for a place added without one."""
    label = str(KIND_LABELS.get(kind, kind))
    taken = set(Resource.objects.filter(floor=floor).values_list("name", flat=True))
    number = len(taken) + 1
    while f"{label} {number}" in taken:
        number += 1
    return f"{label} {number}"


def _marker_json(resource: Resource, floor: Floor, status: int = 200) -> JsonResponse:
    zones = dict(Zone.objects.filter(floor=floor).values_list("pk", "name"))
    amenity_names = dict(Amenity.objects.values_list("pk", "name"))
    links = _amenity_map([resource.pk])
    return JsonResponse(
        marker_data(
            resource,
            floor,
            zones=zones,
            amenity_names=amenity_names,
            amenity_ids=links.get(resource.pk, []),
        ),
        status=status,
    )


@require_POST
@space_admin
def resource_place(request: HttpRequest, floor_id: int) -> HttpResponse:
    """A new place put on the plan by the editor (JSON answer: the new marker)."""
    floor = _get(Floor, floor_id)
    form = PlaceForm(request.POST)
    if not form.is_valid():
        return _form_error(form)
    kind = form.cleaned_data["kind"]
    name = form.cleaned_data["name"].strip() or _next_name(floor, kind)
    try:
        resource = services.space_create(
            actor=_actor(request),
            model=Resource,
            data={
                "floor": floor,
                "kind": kind,
                "name": name,
                "pos_x": _units(form.cleaned_data["x"], floor.plan_width),
                "pos_y": _units(form.cleaned_data["y"], floor.plan_height),
            },
        )
    except DomainError as exc:
        return _json_error(friendly(exc), exc.code, exc.status)
    return _marker_json(resource, floor, status=201)


@require_POST
@space_admin
def resource_move(request: HttpRequest, resource_id: int) -> HttpResponse:
    """Save a position from the editor (drag and drop or arrow keys)."""
    resource = _get(Resource, resource_id)
    floor = resource.floor
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _form_error(form)
    try:
        services.space_update(
            actor=_actor(request),
            obj=resource,
            data={
                "pos_x": _units(form.cleaned_data["x"], floor.plan_width),
                "pos_y": _units(form.cleaned_data["y"], floor.plan_height),
            },
        )
    except DomainError as exc:
        return _json_error(friendly(exc), exc.code, exc.status)
    return _marker_json(resource, floor)


def _choices(floor: Floor) -> dict[str, list[tuple[int, str]]]:
    return {
        "zones": list(Zone.objects.filter(floor=floor).values_list("pk", "name")),
        "amenities": list(Amenity.objects.values_list("pk", "name")),
    }


def _zone_of(floor: Floor, zone_id: int | None) -> Zone | None:
    if zone_id is None:
        return None
    zone = Zone.objects.filter(pk=zone_id, floor=floor).first()
    if zone is None:
        raise Http404("zone not found")
    return zone


@require_http_methods(["GET", "POST"])
@space_admin
def resource_edit(request: HttpRequest, resource_id: int) -> HttpResponse:
    """Name, kind, seats, zone, amenities, bookable and the position as numbers."""
    resource = _get(Resource, resource_id)
    floor = resource.floor
    initial = {
        "name": resource.name,
        "kind": resource.kind,
        "capacity": resource.capacity,
        "zone": resource.zone_id,
        "amenities": sorted(_amenity_map([resource.pk]).get(resource.pk, [])),
        "bookable": resource.bookable,
        "x": _percent(resource.pos_x, floor.plan_width),
        "y": _percent(resource.pos_y, floor.plan_height),
    }
    form = ResourceForm(request.POST or None, initial=initial, **_choices(floor))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.space_update(
                actor=_actor(request),
                obj=resource,
                data={
                    "name": data["name"],
                    "kind": data["kind"],
                    "capacity": data["capacity"],
                    "zone": _zone_of(floor, data["zone"]),
                    "bookable": data["bookable"],
                    "pos_x": _units(data["x"], floor.plan_width),
                    "pos_y": _units(data["y"], floor.plan_height),
                    "amenities": data["amenities"],
                },
            )
        except DomainError as exc:
            form.add_error(None, friendly(exc))
        else:
            messages.success(request, _("%(name)s saved.") % {"name": data["name"]})
            return redirect("web:admin-floor-plan", floor.pk)
    return render(
        request,
        "admin/resource.html",
        {
            "form": form,
            "resource": resource,
            "floor": floor,
            "heading": _("Edit %(name)s") % {"name": resource.name},
            "delete_url": reverse("web:admin-resource-delete", args=[resource.pk]),
        },
        status=422 if request.method == "POST" else 200,
    )


@require_POST
@space_admin
def resource_delete(request: HttpRequest, resource_id: int) -> HttpResponse:
    resource = _get(Resource, resource_id)
    floor_id = resource.floor_id
    try:
        services.space_delete(actor=_actor(request), obj=resource)
    except DomainError as exc:
        messages.error(request, friendly(exc))
        return redirect("web:admin-resource", resource.pk)
    messages.success(request, _("%(name)s deleted.") % {"name": resource.name})
    return redirect("web:admin-floor-plan", floor_id)


@require_http_methods(["GET", "POST"])
@space_admin
def resource_bulk(request: HttpRequest, floor_id: int) -> HttpResponse:
    """A row of places in one go (``services.resources_bulk_create``: all or nothing)."""
    floor = _get(Floor, floor_id)
    form = BulkForm(request.POST or None, **_choices(floor))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        horizontal = data["direction"] in ("left", "right")
        spacing = _units(data["spacing"], floor.plan_width if horizontal else floor.plan_height)
        try:
            created = services.resources_bulk_create(
                actor=_actor(request),
                floor=floor,
                prefix=data["name_prefix"],
                start=data["start"],
                count=data["count"],
                digits=data["digits"],
                kind=data["kind"],
                x=_units(data["x"], floor.plan_width),
                y=_units(data["y"], floor.plan_height),
                spacing=spacing,
                direction=data["direction"],
                zone=_zone_of(floor, data["zone"]),
                amenities=data["amenities"],
            )
        except DomainError as exc:
            form.add_error(None, friendly(exc))
        else:
            messages.success(
                request,
                (
                    _("%(count)s places created: %(first)s to %(last)s.")
                    if len(created) > 1
                    else _("%(name)s saved.")
                )
                % {
                    "count": len(created),
                    "first": created[0].name,
                    "last": created[-1].name,
                    "name": created[0].name,
                },
            )
            return redirect("web:admin-floor-plan", floor.pk)
    return render(
        request,
        "admin/bulk.html",
        {"form": form, "floor": floor},
        status=422 if request.method == "POST" else 200,
    )
