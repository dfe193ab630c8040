"""What the booking pages show: the chosen floor, day and time window, and one marker per
resource with its status. Reads only; a fixed number of queries whatever the floor's size."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode

from django.http import Http404
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from deskwerk.accounts.models import User
from deskwerk.bookings.selectors import ResourceAvailability, Status, availability
from deskwerk.bookings.timeslots import DayPart, day_window
from deskwerk.spaces.models import Amenity, Building, Floor, Location, Zone
from deskwerk.tenancy.urls import base_prefix
from deskwerk.web.booking_forms import KIND_LABELS, PlanQueryForm

UTC = dt.UTC


@dataclass(frozen=True)
class Window:
    """A time window at a location: the UTC interval and its wall-clock ends there."""

    day: dt.date
    key: str  # full, morning, afternoon, custom
    starts_at: dt.datetime
    ends_at: dt.datetime
    location: Location

    @property
    def local_start(self) -> dt.datetime:
        return self.starts_at.astimezone(self.location.zone)

    @property
    def local_end(self) -> dt.datetime:
        return self.ends_at.astimezone(self.location.zone)


def default_day(location: Location, now: dt.datetime | None = None) -> dt.date:
    """Today at the location, or tomorrow once today's working hours are over."""
    local = (now or timezone.now()).astimezone(location.zone)
    if local.time() >= location.work_day_end:
        return local.date() + dt.timedelta(days=1)
    return local.date()


def make_window(
    location: Location,
    day: dt.date,
    key: str = "full",
    start: dt.time | None = None,
    end: dt.time | None = None,
) -> Window:
    """A day part from the location's working hours, or custom wall-clock times there."""
    if key == "custom" and start is not None and end is not None and start < end:
        # Through UTC and back, as timeslots does, so a time a DST jump skips is normalised.
        starts_at = dt.datetime.combine(day, start, tzinfo=location.zone).astimezone(UTC)
        ends_at = dt.datetime.combine(day, end, tzinfo=location.zone).astimezone(UTC)
        return Window(day, key, starts_at, ends_at, location)
    part = DayPart(key) if key in {p.value for p in DayPart} else DayPart.FULL
    starts_at, ends_at = day_window(location, day, part)
    return Window(day, part.value, starts_at, ends_at, location)


@dataclass(slots=True)
class Marker:
    """One resource as the plan and the list draw it; every string prepared once."""

    pk: int
    name: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    amenities: str
    amenity_ids: list[int]
    zone: str
    capacity: int
    x: str
    y: str
    label: str
    title: str
    booking_id: int | None


@dataclass
class Tree:
    """Locations, buildings and floors of the tenant, from one query."""

    floors: list[Floor]

    def locations(self) -> list[Location]:
        seen: dict[int, Location] = {}
        for f in self.floors:
            seen.setdefault(f.building.location_id, f.building.location)
        return sorted(seen.values(), key=lambda loc: (loc.name, loc.pk))

    def buildings(self, location: Location) -> list[Building]:
        seen: dict[int, Building] = {}
        for f in self.floors:
            if f.building.location_id == location.pk:
                seen.setdefault(f.building_id, f.building)
        return sorted(seen.values(), key=lambda b: (b.name, b.pk))

    def floors_of(self, building: Building) -> list[Floor]:
        return [f for f in self.floors if f.building_id == building.pk]


def load_tree() -> Tree:
    return Tree(
        list(
            Floor.objects.select_related("building__location").order_by(
                "building__location__name", "building__name", "level", "name", "id"
            )
        )
    )


@dataclass
class Selection:
    """Everything the booking page is about: where, when, which filters."""

    tree: Tree
    form: PlanQueryForm
    location: Location | None = None
    building: Building | None = None
    floor: Floor | None = None
    window: Window | None = None
    kind: str = ""
    amenity_ids: list[int] = field(default_factory=list)
    resource_id: int | None = None
    amenity_names: dict[int, str] = field(default_factory=dict)
    _zones: dict[int, str] | None = None

    def zone_names(self) -> dict[int, str]:
        """Zone names of the floor (one query, on first use)."""
        if self._zones is None:
            self._zones = dict(Zone.objects.filter(floor=self.floor).values_list("pk", "name"))
        return self._zones

    def params(self, **override: Any) -> dict[str, Any]:
        """The selection as query parameters (for links to the other view and back)."""
        params: dict[str, Any] = {}
        if self.floor is not None and self.window is not None:
            params = {"floor": self.floor.pk, "date": self.window.day.isoformat()}
            params["window"] = self.window.key
            if self.window.key == "custom":
                params["start"] = self.window.local_start.strftime("%H:%M")
                params["end"] = self.window.local_end.strftime("%H:%M")
        if self.kind:
            params["kind"] = self.kind
        if self.amenity_ids:
            params["amenity"] = self.amenity_ids
        params.update(override)
        return {k: v for k, v in params.items() if v not in (None, "")}

    def hidden(self) -> list[tuple[str, Any]]:
        """The selection as (name, value) pairs for hidden form fields."""
        pairs: list[tuple[str, Any]] = []
        for name, value in self.params().items():
            values = value if isinstance(value, list) else [value]
            pairs += [(name, v) for v in values]
        return pairs

    def query(self, **override: Any) -> str:
        return urlencode(self.params(**override), doseq=True)

    @property
    def plan_url(self) -> str:
        """The floor's plan image, served (sanitised) by the spaces API."""
        if self.floor is None or not self.floor.plan_image:
            return ""
        return f"{base_prefix()}api/v1/floors/{self.floor.pk}/plan"


def _pick(items: list[Any], pk: int | None) -> Any:
    return next((i for i in items if i.pk == pk), None)


def resolve(data: Any) -> Selection:
    """Parse the query (GET or POST) into a selection. Unknown ids, including ids of other
    tenants, are a 404; a location, building and floor that do not fit together are resolved
    from the top (a changed location wins over the old floor)."""
    amenity_names = dict(Amenity.objects.values_list("pk", "name"))
    form = PlanQueryForm(data or None, amenity_choices=list(amenity_names.items()))
    form.is_valid()
    cleaned = getattr(form, "cleaned_data", {})
    tree = load_tree()
    selection = Selection(tree=tree, form=form, amenity_names=amenity_names)
    if not tree.floors:
        return selection
    floor_id, building_id, location_id = (
        cleaned.get("floor"),
        cleaned.get("building"),
        cleaned.get("location"),
    )
    floor = _pick(tree.floors, floor_id) if floor_id else None
    if floor_id and floor is None:
        raise Http404("floor not found")
    buildings = {f.building_id: f.building for f in tree.floors}
    building = buildings.get(building_id) if building_id else None
    if building_id and building is None:
        raise Http404("building not found")
    locations = {loc.pk: loc for loc in tree.locations()}
    location = locations.get(location_id) if location_id else None
    if location_id and location is None:
        raise Http404("location not found")
    location = (
        location
        or (building or (floor.building if floor else None) or tree.floors[0].building).location
    )
    if building is None or building.location_id != location.pk:
        in_location = tree.buildings(location)
        building = floor.building if floor and floor.building.location_id == location.pk else None
        building = building or in_location[0]
    if floor is None or floor.building_id != building.pk:
        floor = tree.floors_of(building)[0]
    selection.location, selection.building, selection.floor = location, building, floor
    day = cleaned.get("date") or default_day(location)
    key = cleaned.get("window") or "full"
    if "__all__" in form.errors:  # custom times that make no window: show the full day
        key = "full"
    selection.window = make_window(location, day, key, cleaned.get("start"), cleaned.get("end"))
    selection.kind = cleaned.get("kind") or ""
    selection.amenity_ids = sorted(set(cleaned.get("amenity") or []))
    selection.resource_id = cleaned.get("resource")
    return selection


def status_labels() -> dict[str, str]:
    return {
        Status.FREE: _("free"),
        Status.BUSY: _("booked"),
        Status.MINE: _("booked by you"),
        Status.UNAVAILABLE: _("not bookable"),
    }


def title(kind_label: str, name: str) -> str:
    """E.g. "Desk 3.14"; just the name when it says the kind already ("Room Neckar")."""
    return name if name.lower().startswith(kind_label.lower()) else f"{kind_label} {name}"


def markers(selection: Selection, rows: list[ResourceAvailability]) -> list[Marker]:
    """Availability rows as markers, filtered by the selected amenities (all must be there).

    Runs once per resource of the floor, so everything that repeats is prepared once. The
    accessible name says kind and name, status and amenities: "Desk 3.14 — free — Monitor";
    the kind is left out when the name says it already ("Room Neckar").
    """
    assert selection.floor is not None
    floor = selection.floor
    x_scale, y_scale = 100 / max(floor.plan_width, 1), 100 / max(floor.plan_height, 1)
    labels = status_labels()
    kinds = {k: str(v) for k, v in KIND_LABELS.items()}
    lowered = {k: v.lower() for k, v in kinds.items()}
    zones = selection.zone_names()
    wanted = set(selection.amenity_ids)
    names = selection.amenity_names
    rank = {pk: n for n, pk in enumerate(names)}  # names come sorted by name
    said: dict[tuple[int, ...], str] = {}
    out = []
    for row in rows:
        if wanted and not wanted.issubset(row.amenity_ids):
            continue
        r = row.resource
        kind_label = kinds.get(r.kind, r.kind)
        status_label = labels[row.status]
        key = tuple(row.amenity_ids)
        amenities = said.get(key)
        if amenities is None:  # few distinct combinations: say each once
            ids = sorted((i for i in key if i in rank), key=rank.__getitem__)
            amenities = said[key] = ", ".join(names[i] for i in ids)
        name = r.name
        said_title = (
            name if name.lower().startswith(lowered.get(r.kind, r.kind)) else f"{kind_label} {name}"
        )
        label = f"{said_title} — {status_label}" + (f" — {amenities}" if amenities else "")
        x, y = r.pos_x * x_scale, r.pos_y * y_scale
        out.append(
            Marker(
                pk=r.pk,
                name=name,
                kind=r.kind,
                kind_label=kind_label,
                status=row.status.value,
                status_label=status_label,
                amenities=amenities,
                amenity_ids=row.amenity_ids,
                zone=zones.get(r.zone_id, "") if r.zone_id else "",
                capacity=r.capacity,
                x=f"{0 if x < 0 else 100 if x > 100 else x:.2f}",
                y=f"{0 if y < 0 else 100 if y > 100 else y:.2f}",
                label=label,
                title=said_title,
                booking_id=row.booking_id,
            )
        )
    return out


def floor_markers(selection: Selection, viewer: User) -> list[Marker]:
    """The floor's resources with their status for the window: one availability statement."""
    if selection.floor is None or selection.window is None:
        return []
    rows = availability(
        viewer=viewer,
        starts_at=selection.window.starts_at,
        ends_at=selection.window.ends_at,
        floor_id=selection.floor.pk,
        kind=selection.kind or None,
    )
    return markers(selection, rows)


def counts(items: list[Marker]) -> dict[str, int]:
    result = {s.value: 0 for s in Status}
    for m in items:
        result[m.status] += 1
    return result


# The plan and the list repeat one small fragment per resource, up to hundreds of times. Built
# here with ``html.escape`` instead of a template loop: the same markup at a tenth of the cost
# (the template engine's per-variable lookups were most of the page's time, bench/plan.py).


def marker_buttons(items: list[Marker], selected: int | None) -> SafeString:
    """The plan's markers: one focusable button per resource, named by ``Marker.label``."""
    parts = []
    for m in items:
        sel = " sel" if m.pk == selected else ""
        parts.append(
            f'<button type="submit" name="resource" value="{m.pk}" '
            f'class="res s-{m.status} k-{escape(m.kind)}{sel}" data-x="{m.x}" data-y="{m.y}" '
            f'aria-label="{escape(m.label)}"></button>'
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped or numeric


def list_rows(items: list[Marker], selected: int | None) -> SafeString:
    """The list view's rows: the same resources, statuses and actions as the plan."""
    book, details = escape(_("Book…")), escape(_("Details"))
    parts = []
    for m in items:
        kind = escape(m.kind_label)
        if m.capacity > 1:
            seats = ngettext("%(seats)s seat", "%(seats)s seats", m.capacity)
            kind += ", " + escape(seats % {"seats": m.capacity})
        action = book if m.status == Status.FREE else details
        row_class = ' class="sel"' if m.pk == selected else ""
        parts.append(
            f"<tr{row_class}>"
            f'<th scope="row">{escape(m.name)}</th><td>{kind}</td><td>{escape(m.zone)}</td>'
            f"<td>{escape(m.amenities)}</td>"
            f'<td><span class="status s-{m.status}">{escape(m.status_label)}</span></td>'
            f'<td><button type="submit" name="resource" value="{m.pk}" '
            f'class="btn btn-small btn-secondary">{action}'
            f'<span class="visually-hidden"> {escape(m.title)}</span></button></td></tr>'
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped or numeric
