"""Seeding the demo tenant: a Stuttgart engineering company with a few months of office life.

Everything is created in one transaction, so an interrupted run leaves nothing behind and an
existing demo tenant is always complete. Past bookings cannot go through ``booking_create``
(it refuses the past), so bookings are planned here — with the same two rules the service
enforces (a resource is never held twice at once; a person holds one resource of a kind at a
time) — and written with ``bulk_create``. On PostgreSQL the exclusion constraint checks the
result once more.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import time
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import DatabaseError, models, transaction
from django.db.models import F
from django.utils import timezone

from deskwerk.access.models import RoleGrant
from deskwerk.accounts.models import Membership, User
from deskwerk.audit.services import audit_erase_tenant, audit_record
from deskwerk.bookings.models import Booking
from deskwerk.bookings.timeslots import DayPart, day_window
from deskwerk.demo.floorplan import FloorLayout, Placed, office_layout, parking_layout, render_svg
from deskwerk.demo.holidays import is_working_day
from deskwerk.demo.names import email_for, people_names
from deskwerk.profiles.models import Profile
from deskwerk.spaces.models import (
    Amenity,
    Building,
    Floor,
    Location,
    Resource,
    ResourceAmenity,
    Zone,
)
from deskwerk.tenancy.context import tenant_context
from deskwerk.tenancy.models import Tenant
from deskwerk.tenancy.services import tenant_create

DEMO_SLUG = "neckarwerk"
DEMO_NAME = "Neckarwerk Maschinenbau GmbH"
FINDER_SHOWN_SHARE = 0.7
OPERATOR_SLUG = "betrieb"  # the demo's operator tenant (only where there is no real one)
OPERATOR_NAME = "Deskwerk Betrieb (Demo)"
OPERATOR_STAFF_EMAIL = "olga.berger@betrieb.example"
DEMO_DOMAIN = "neckarwerk.example"  # reserved (RFC 2606): no real mailbox is ever addressed
DEMO_PASSWORD = "deskwerk-demo-2026"  # noqa: S105 - documented, shared by every demo account
DEMO_TIMEZONE = "Europe/Berlin"
LOCATION_NAME = "Stuttgart Campus"
SETTINGS_KEY = "demo"  # tenant.settings[SETTINGS_KEY] marks a tenant as the demo's own
VERSION = 1

ADMIN_NAMES = ("Sabine Krämer", "Thomas Wagner")
EMPLOYEE_NAME = "Lukas Schneider"

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DemoScale:
    """How big the demo is. The defaults are the demo; tests use ``SMALL``."""

    people: int = 120
    desks_per_floor: int = 100
    rooms_per_floor: int = 5
    parking_spots: int = 40
    past_days: int = 90
    future_days: int = 14


FULL = DemoScale()
SMALL = DemoScale(
    people=24, desks_per_floor=12, rooms_per_floor=2, parking_spots=8, past_days=21, future_days=7
)


@dataclass(frozen=True)
class FloorSpec:
    key: str
    building: str
    name: str
    level: int
    prefix: str
    zones: tuple[str, ...]
    parking: bool = False


FLOORS = (
    FloorSpec("b1-eg", "Bau 1 (Verwaltung)", "Erdgeschoss", 0, "1.0",
              ("Vertrieb", "Kundendienst", "Marketing")),
    FloorSpec("b1-1og", "Bau 1 (Verwaltung)", "1. Obergeschoss", 1, "1.1",
              ("Konstruktion", "Elektrotechnik", "Software")),
    FloorSpec("b1-2og", "Bau 1 (Verwaltung)", "2. Obergeschoss", 2, "1.2",
              ("Einkauf", "Finanzen", "Personal")),
    FloorSpec("b2-eg", "Bau 2 (Technikum)", "Erdgeschoss", 0, "2.0",
              ("Fertigungsplanung", "Qualität", "IT")),
    FloorSpec("b2-tg", "Bau 2 (Technikum)", "Tiefgarage", -1, "P",
              ("Nord", "Mitte", "Süd"), parking=True),
)  # fmt: skip

# Meeting rooms are named after towns around Stuttgart; capacities vary per floor.
ROOMS = (
    ("Esslingen", 6), ("Ludwigsburg", 12), ("Böblingen", 4), ("Waiblingen", 8), ("Fellbach", 4),
    ("Tübingen", 10), ("Reutlingen", 6), ("Leonberg", 4), ("Sindelfingen", 16), ("Backnang", 4),
    ("Heilbronn", 8), ("Göppingen", 4), ("Nürtingen", 6), ("Schorndorf", 20), ("Marbach", 4),
    ("Herrenberg", 6), ("Kirchheim", 4), ("Kornwestheim", 10), ("Bietigheim", 6), ("Murrhardt", 8),
)  # fmt: skip

AMENITIES = (
    ("monitor", "Monitor"),
    ("docking-station", "Dockingstation"),
    ("height-adjustable", "Höhenverstellbarer Tisch"),
    ("wheelchair-accessible", "Barrierefrei"),
    ("ev-charger", "E-Ladesäule"),
    ("video-conferencing", "Videokonferenz"),
)

MEETING_NOTES = (
    "Teamrunde", "Projektbesprechung", "Kundentermin", "Design-Review", "Sprint-Planung",
    "Lieferantengespräch", "Bewerbungsgespräch", "Schulung", "1:1", "Abteilungsmeeting",
    "FMEA-Workshop", "Angebotsabstimmung",
)  # fmt: skip

# Office attendance by weekday (Mon … Fri), multiplied with each person's own habit.
WEEKDAY_FACTOR = (0.95, 1.1, 1.08, 1.02, 0.85)
NO_SHOW: dict[str, float] = {
    Resource.Kind.DESK: 0.12,
    Resource.Kind.ROOM: 0.08,
    Resource.Kind.PARKING: 0.05,
}


@dataclass
class DemoResult:
    tenant: Tenant
    created: bool
    bookings_added: int
    seconds: float
    admin_email: str = email_for(ADMIN_NAMES[0], DEMO_DOMAIN)
    employee_email: str = email_for(EMPLOYEE_NAME, DEMO_DOMAIN)
    password: str = DEMO_PASSWORD


class DemoError(Exception):
    """The demo cannot be seeded or reset (e.g. its slug belongs to a real tenant)."""


def _quiet(stage: str, done: int, total: int) -> None:
    return None


def demo_tenant(slug: str = DEMO_SLUG) -> Tenant | None:
    """The existing demo tenant, None if there is none; refuse a real tenant with its slug."""
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        return None
    if SETTINGS_KEY not in (tenant.settings or {}):
        raise DemoError(f"a tenant {slug!r} exists and is not the demo tenant; not touching it")
    return tenant


def seed_demo(
    *,
    scale: DemoScale = FULL,
    slug: str = DEMO_SLUG,
    now: dt.datetime | None = None,
    progress: Progress = _quiet,
    reset: bool = False,
) -> DemoResult:
    """Create the demo tenant, or reuse it and add bookings for days it has not seen yet."""
    started = time.monotonic()
    now = now or timezone.now()
    with transaction.atomic():
        tenant = demo_tenant(slug)
        if tenant is not None and reset:
            demo_reset(tenant, progress=progress)  # rolled back too if seeding fails
            tenant = None
        created = tenant is None
        if tenant is None:
            tenant = tenant_create(slug=slug, name=DEMO_NAME, timezone=DEMO_TIMEZONE)
            tenant.settings = {
                SETTINGS_KEY: {"version": VERSION, "scale": dataclasses.asdict(scale)}
            }
            with tenant_context(tenant):
                _create_spaces(tenant, scale, progress)
                _create_people(tenant, scale, now, progress)
        else:
            scale = DemoScale(**tenant.settings[SETTINGS_KEY].get("scale", {}))
        with tenant_context(tenant):
            if not created:
                _restore_missing_plans(tenant, scale)
            added = _seed_bookings(tenant, scale, now, progress)
        tenant.save(update_fields=["settings"])
        if created:
            _ensure_demo_operator(DEMO_PASSWORD)
    return DemoResult(
        tenant=tenant, created=created, bookings_added=added, seconds=time.monotonic() - started
    )


# --- spaces -----------------------------------------------------------------------------------


def _layouts(scale: DemoScale) -> Iterator[tuple[FloorSpec, FloorLayout]]:
    rooms = iter(ROOMS)
    for spec in FLOORS:
        title = f"{spec.building} · {spec.name}"
        if spec.parking:
            yield (
                spec,
                parking_layout(
                    title=title,
                    spot_prefix=spec.prefix,
                    spot_count=scale.parking_spots,
                    ev_count=max(1, scale.parking_spots // 5),
                    accessible_count=max(1, scale.parking_spots // 20),
                    zone_names=spec.zones,
                ),
            )
        else:
            yield (
                spec,
                office_layout(
                    title=title,
                    desk_prefix=spec.prefix,
                    desk_count=scale.desks_per_floor,
                    rooms=[next(rooms) for _ in range(scale.rooms_per_floor)],
                    zone_names=spec.zones,
                ),
            )


def _plan_name(tenant: Tenant, spec: FloorSpec) -> str:
    return f"{tenant.slug}-t{tenant.pk}-{spec.key}.svg"  # a reset gets fresh names


def _create_spaces(tenant: Tenant, scale: DemoScale, progress: Progress) -> None:
    rng = random.Random(f"{VERSION}:spaces")
    location = Location.objects.create(
        name=LOCATION_NAME,
        street="Am Neckarufer 12",
        postal_code="70376",
        city="Stuttgart",
        country="DE",
        timezone=DEMO_TIMEZONE,
        work_day_start=dt.time(8, 0),
        work_day_end=dt.time(18, 0),
    )
    amenities = {code: Amenity.objects.create(code=code, name=name) for code, name in AMENITIES}
    buildings: dict[str, Building] = {}
    links: list[ResourceAmenity] = []
    layouts = list(_layouts(scale))
    for index, (spec, layout) in enumerate(layouts, start=1):
        if spec.building not in buildings:
            buildings[spec.building] = Building.objects.create(
                location=location, name=spec.building
            )
        floor = Floor.objects.create(
            building=buildings[spec.building],
            name=spec.name,
            level=spec.level,
            plan_width=layout.width,
            plan_height=layout.height,
        )
        floor.plan_image.save(
            _plan_name(tenant, spec), ContentFile(render_svg(layout).encode()), save=True
        )
        zones = {name: Zone.objects.create(floor=floor, name=name) for name, _ in layout.zones}
        resources = Resource.unscoped.bulk_create(
            Resource(
                tenant=tenant,
                floor=floor,
                zone=zones.get(item.zone or ""),
                kind=item.kind,
                name=item.name,
                capacity=item.capacity,
                pos_x=item.x,
                pos_y=item.y,
            )
            for item in layout.items
        )
        accessible_desks = _accessible_desks(layout, rng)
        for item, resource in zip(layout.items, resources, strict=True):
            for code in _amenities_for(item, spec, rng, accessible=item.name in accessible_desks):
                links.append(
                    ResourceAmenity(tenant=tenant, resource=resource, amenity=amenities[code])
                )
        progress("seeding floors", index, len(layouts))
    ResourceAmenity.unscoped.bulk_create(links, batch_size=1000)


def _accessible_desks(layout: FloorLayout, rng: random.Random) -> set[str]:
    """A few desks per floor with room to turn a wheelchair: chairs facing the corridor."""
    near_corridor = [i.name for i in layout.items if i.kind == "desk" and i.facing < 0]
    count = max(1, sum(1 for i in layout.items if i.kind == "desk") // 25)
    return set(rng.sample(near_corridor, min(count, len(near_corridor))))


def _amenities_for(
    item: Placed, spec: FloorSpec, rng: random.Random, *, accessible: bool
) -> list[str]:
    codes: list[str] = []
    if item.kind == "desk":
        if rng.random() < 0.9:
            codes.append("monitor")
            if rng.random() < 0.7:
                codes.append("docking-station")
        if accessible or rng.random() < 0.3:
            codes.append("height-adjustable")
        if accessible:
            codes.append("wheelchair-accessible")
    elif item.kind == "room":
        codes.append("monitor")
        if item.capacity >= 6:
            codes.append("video-conferencing")
        if spec.level == 0 or item.capacity >= 8:
            codes.append("wheelchair-accessible")
    elif item.kind == "parking":
        if "ev" in item.tags:
            codes.append("ev-charger")
        if "accessible" in item.tags:
            codes.append("wheelchair-accessible")
    return codes


def _restore_missing_plans(tenant: Tenant, scale: DemoScale) -> None:
    """Re-draw plans whose files are gone (e.g. a fresh var/ against a kept PostgreSQL)."""
    floors = {(f.building.name, f.name): f for f in Floor.objects.select_related("building")}
    for spec, layout in _layouts(scale):
        floor = floors.get((spec.building, spec.name))
        if floor is None:
            continue
        if floor.plan_image and floor.plan_image.storage.exists(floor.plan_image.name):
            continue
        floor.plan_image.save(
            _plan_name(tenant, spec), ContentFile(render_svg(layout).encode()), save=True
        )


# --- people -----------------------------------------------------------------------------------


def _create_people(tenant: Tenant, scale: DemoScale, now: dt.datetime, progress: Progress) -> None:
    rng = random.Random(f"{VERSION}:people")
    fixed = [*ADMIN_NAMES, EMPLOYEE_NAME]
    names = fixed + people_names(max(0, scale.people - len(fixed)), rng=rng, taken=set(fixed))
    names = names[: scale.people]
    password = make_password(DEMO_PASSWORD)  # once: Argon2 is slow on purpose
    users = User.unscoped.bulk_create(
        User(
            tenant=tenant,
            email=email_for(name, DEMO_DOMAIN),
            full_name=name,
            password=password,
            date_joined=now - dt.timedelta(days=rng.randint(120, 3000)),
        )
        for name in names
    )
    Membership.unscoped.bulk_create(
        Membership(
            tenant=tenant,
            user=user,
            role=Membership.Role.ADMIN if user.full_name in ADMIN_NAMES else Membership.Role.MEMBER,
        )
        for user in users
    )
    RoleGrant.unscoped.bulk_create(
        RoleGrant(
            tenant=tenant,
            user=user,
            role=role,
            state=RoleGrant.State.ACTIVE,
            created_at=now,
            activated_at=now,
        )
        for user in users
        for role in (["employee", "owner"] if user.full_name in ADMIN_NAMES else ["employee"])
    )
    # Most demo people chose to be shown in the colleague finder (the tenant's default mode
    # hides everyone who has not chosen); a fixed seed, apart from the bookings' one.
    shown = random.Random(f"{VERSION}:finder")
    Profile.unscoped.bulk_create(
        Profile(tenant=tenant, user=user, finder_choice=Profile.FinderChoice.SHOWN)
        for user in users
        if user.full_name in fixed or shown.random() < FINDER_SHOWN_SHARE
    )
    audit_record(
        tenant=tenant,
        actor=None,
        action="demo.seed",
        object_type="tenancy.tenant",
        object_id=tenant.pk,
        changed_fields=["people", "spaces"],
    )
    progress("seeding people", len(users), len(users))


def _ensure_demo_operator(password: str) -> Tenant | None:
    """An operator tenant with one staff account, so the demo shows the operator console; only
    on an installation that has none (a real operator tenant is never touched)."""
    from deskwerk.processor.selectors import operator_tenant
    from deskwerk.processor.services import operator_staff_create, operator_tenant_create

    if operator_tenant() is not None or Tenant.objects.filter(slug=OPERATOR_SLUG).exists():
        return None
    tenant = operator_tenant_create(slug=OPERATOR_SLUG, name=OPERATOR_NAME)
    operator_staff_create(
        tenant=tenant, email=OPERATOR_STAFF_EMAIL, full_name="Olga Berger", password=password
    )
    return tenant


# --- bookings ---------------------------------------------------------------------------------


@dataclass
class _Person:
    id: int
    floor_id: int
    zone_id: int | None
    presence: float
    favourite: int | None = None
    car: bool = False
    ev: bool = False
    accessible: bool = False


@dataclass
class _World:
    """The seeded spaces and people as plain ids, with each person's habits."""

    location: Location
    desks: list[int]
    desks_by_zone: dict[int | None, list[int]]
    desks_by_floor: dict[int, list[int]]
    rooms: list[tuple[int, int]]  # (id, capacity)
    spots: list[int]
    floor_of: dict[int, int]
    amenities: dict[int, set[str]]
    people: list[_Person]
    admins: list[int]


def _load_world() -> _World | None:
    """Read back what was seeded. Spaces that admins added elsewhere in the running demo are
    left alone; people they added join in."""
    rng = random.Random(f"{VERSION}:habits")
    location = Location.objects.filter(name=LOCATION_NAME).first()
    if location is None:
        return None
    amenities: dict[int, set[str]] = defaultdict(set)
    for resource_id, code in ResourceAmenity.objects.values_list("resource_id", "amenity__code"):
        amenities[resource_id].add(code)
    desks: list[int] = []
    by_zone: dict[int | None, list[int]] = defaultdict(list)
    by_floor: dict[int, list[int]] = defaultdict(list)
    rooms: list[tuple[int, int]] = []
    spots: list[int] = []
    floor_of: dict[int, int] = {}
    for pk, kind, floor_id, zone_id, capacity in (
        Resource.objects.filter(bookable=True, floor__building__location=location)
        .values_list("pk", "kind", "floor_id", "zone_id", "capacity")
        .order_by("pk")
    ):
        floor_of[pk] = floor_id
        if kind == Resource.Kind.DESK:
            desks.append(pk)
            by_zone[zone_id].append(pk)
            by_floor[floor_id].append(pk)
        elif kind == Resource.Kind.ROOM:
            rooms.append((pk, capacity))
        elif kind == Resource.Kind.PARKING:
            spots.append(pk)
    teams = sorted(
        {(floor_of[d], zone) for zone, ids in by_zone.items() for d in ids[:1]},
        key=lambda t: (t[0], t[1] or 0),
    )
    users = list(
        User.objects.filter(is_active=True).order_by("pk").values_list("pk", "membership__role")
    )
    admins = [pk for pk, role in users if role == Membership.Role.ADMIN]
    order = [pk for pk, _ in users]
    rng.shuffle(order)
    free_desks = {zone: rng.sample(ids, len(ids)) for zone, ids in by_zone.items()}
    people: list[_Person] = []
    for index, pk in enumerate(order):
        floor_id, zone_id = teams[index % len(teams)] if teams else (0, None)
        person = _Person(
            id=pk, floor_id=floor_id, zone_id=zone_id, presence=rng.uniform(0.35, 0.85)
        )
        person.car = rng.random() < 0.4
        person.ev = person.car and rng.random() < 0.3
        person.accessible = index < 2 and pk not in admins
        pool = free_desks.get(zone_id, [])
        if person.accessible:
            suitable = [d for d in desks if "wheelchair-accessible" in amenities[d]]
            on_floor = [d for d in suitable if floor_of[d] == floor_id]
            person.favourite = next(iter(on_floor or suitable), None)
        elif pool and rng.random() < 0.6:
            person.favourite = pool.pop()
        people.append(person)
    people.sort(key=lambda p: p.id)
    return _World(
        location=location,
        desks=desks,
        desks_by_zone=dict(by_zone),
        desks_by_floor=dict(by_floor),
        rooms=rooms,
        spots=spots,
        floor_of=floor_of,
        amenities=dict(amenities),
        people=people,
        admins=admins,
    )


Interval = tuple[dt.datetime, dt.datetime]


@dataclass
class _Occupancy:
    """Who and what is taken when, per local day: the rules ``booking_create`` enforces."""

    resources: dict[tuple[int, dt.date], list[Interval]] = field(
        default_factory=lambda: defaultdict(list)
    )
    persons: dict[tuple[int, str, dt.date], list[Interval]] = field(
        default_factory=lambda: defaultdict(list)
    )

    @staticmethod
    def _clear(intervals: Iterable[Interval], start: dt.datetime, end: dt.datetime) -> bool:
        return all(end <= s or e <= start for s, e in intervals)

    def free(self, resource: int, person: int, kind: str, day: dt.date, window: Interval) -> bool:
        start, end = window
        return self._clear(self.resources[(resource, day)], start, end) and self._clear(
            self.persons[(person, kind, day)], start, end
        )

    def take(self, resource: int, person: int, kind: str, day: dt.date, window: Interval) -> None:
        self.resources[(resource, day)].append(window)
        self.persons[(person, kind, day)].append(window)


def _working_days(first: dt.date, last: dt.date) -> list[dt.date]:
    days = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    return [d for d in days if is_working_day(d)]


def _seed_bookings(tenant: Tenant, scale: DemoScale, now: dt.datetime, progress: Progress) -> int:
    """Plan and write bookings for every working day in the window not seeded before."""
    marker = tenant.settings[SETTINGS_KEY]
    world = _load_world()
    zone = zoneinfo.ZoneInfo(DEMO_TIMEZONE)
    today = now.astimezone(zone).date()
    first = today - dt.timedelta(days=scale.past_days)
    last = today + dt.timedelta(days=scale.future_days)
    through = marker.get("seeded_through")
    if through:
        first = max(first, dt.date.fromisoformat(through) + dt.timedelta(days=1))
    if through is None or last.isoformat() > through:
        marker["seeded_through"] = last.isoformat()
    days = _working_days(first, last) if first <= last else []
    if not days or world is None or not world.people or not world.desks:
        return 0
    occupancy = _Occupancy()
    _preload(occupancy, zone, days[0], days[-1])
    bookings: list[Booking] = []
    for index, day in enumerate(days, start=1):
        bookings.extend(_plan_day(tenant, world, occupancy, day, today, now))
        if index % 10 == 0 or index == len(days):
            progress("planning bookings, days", index, len(days))
    for start in range(0, len(bookings), 2000):
        Booking.unscoped.bulk_create(bookings[start : start + 2000])
        progress("seeding bookings", min(start + 2000, len(bookings)), len(bookings))
    # Past bookings were made some days ahead, not at the moment of seeding.
    ids = [b.pk for b in bookings if b.pk is not None]
    if ids:
        Booking.unscoped.filter(
            tenant=tenant, pk__gte=min(ids), pk__lte=max(ids), ends_at__lte=now
        ).update(created_at=F("starts_at") - dt.timedelta(days=3), updated_at=F("ends_at"))
    return len(bookings)


def _preload(occupancy: _Occupancy, zone: dt.tzinfo, first: dt.date, last: dt.date) -> None:
    """Register active bookings already in the window (e.g. made in the running demo)."""
    lo = dt.datetime.combine(first, dt.time(0), tzinfo=zone)
    hi = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    rows = Booking.objects.filter(
        state__in=Booking.ACTIVE_STATES, starts_at__lt=hi, ends_at__gt=lo
    ).values_list("resource_id", "resource__kind", "booked_for_id", "starts_at", "ends_at")
    for resource, kind, person, start, end in rows:
        day = start.astimezone(zone).date()
        while day <= end.astimezone(zone).date():
            occupancy.take(resource, person, kind, day, (start, end))
            day += dt.timedelta(days=1)


def _state(rng: random.Random, kind: str, window: Interval, now: dt.datetime) -> str:
    start, end = window
    if end <= now:
        return Booking.State.RELEASED if rng.random() < NO_SHOW[kind] else Booking.State.COMPLETED
    if start <= now:
        return Booking.State.CHECKED_IN if rng.random() < 0.85 else Booking.State.CONFIRMED
    return Booking.State.CONFIRMED


def _plan_day(
    tenant: Tenant,
    world: _World,
    occupancy: _Occupancy,
    day: dt.date,
    today: dt.date,
    now: dt.datetime,
) -> list[Booking]:
    rng = random.Random(f"{VERSION}:{day.isoformat()}")
    ahead = (day - today).days
    # Fewer bookings the further ahead: people book the next days, rarely the week after next.
    foresight = 1.0 if ahead <= 2 else max(0.4, 1.0 - 0.05 * (ahead - 2))
    windows = {part: day_window(world.location, day, part) for part in DayPart}
    out: list[Booking] = []

    def add(resource: int, person: int, window: Interval, state: str, note: str = "") -> None:
        booked_by = person
        if world.admins and rng.random() < 0.03:
            booked_by = rng.choice(world.admins)  # facility management booked it for them
        out.append(
            Booking(
                tenant=tenant,
                resource_id=resource,
                floor_id=world.floor_of[resource],
                booked_for_id=person,
                booked_by_id=booked_by,
                starts_at=window[0],
                ends_at=window[1],
                state=state,
                note=note,
            )
        )

    present: list[tuple[_Person, Interval, str]] = []
    people = world.people[:]
    rng.shuffle(people)
    for person in people:
        chance = min(0.95, person.presence * WEEKDAY_FACTOR[day.weekday()]) * foresight
        if rng.random() >= chance:
            if rng.random() < 0.04:  # booked, then stayed at home after all
                desk = rng.choice(world.desks_by_zone.get(person.zone_id) or world.desks)
                add(desk, person.id, windows[DayPart.FULL], Booking.State.CANCELLED)
            continue
        roll = rng.random()
        part = DayPart.FULL if roll < 0.8 else DayPart.MORNING if roll < 0.9 else DayPart.AFTERNOON
        window = windows[part]
        picked = _pick_desk(rng, world, occupancy, person, day, window)
        if picked is None:
            continue
        desk = picked
        if rng.random() < 0.04:  # switched desks: the first choice stays as cancelled
            other = rng.choice(world.desks)
            if other != desk:
                add(other, person.id, window, Booking.State.CANCELLED)
        occupancy.take(desk, person.id, Resource.Kind.DESK, day, window)
        state = _state(rng, Resource.Kind.DESK, window, now)
        add(desk, person.id, window, state)
        present.append((person, window, state))
        if person.car and rng.random() < 0.85:
            spot = _pick_spot(rng, world, occupancy, person, day, window)
            if spot is not None:
                occupancy.take(spot, person.id, Resource.Kind.PARKING, day, window)
                spot_state = (
                    Booking.State.RELEASED
                    if state == Booking.State.RELEASED
                    else _state(rng, Resource.Kind.PARKING, window, now)
                )
                add(spot, person.id, window, spot_state)

    # Meetings: 30 minutes to 2 hours on the half hour, organised by someone in the office.
    full_start, full_end = windows[DayPart.FULL]
    slots = int((full_end - full_start).total_seconds() // 1800)
    rooms = world.rooms[:]
    rng.shuffle(rooms)
    for room, capacity in rooms:
        meetings = rng.randint(1, 3) if capacity >= 10 else rng.randint(2, 5)
        for _ in range(round(meetings * foresight)):
            length = rng.choice((1, 2, 2, 3, 4, 4))  # half hours
            if length > slots:
                continue
            begin = full_start + dt.timedelta(minutes=30 * rng.randrange(0, slots - length + 1))
            window = (begin, begin + dt.timedelta(minutes=30 * length))
            hosts = [
                p
                for p, w, state in present
                if w[0] <= window[0] and window[1] <= w[1] and state != Booking.State.RELEASED
            ]
            for host in rng.sample(hosts, min(6, len(hosts))):
                if not occupancy.free(room, host.id, Resource.Kind.ROOM, day, window):
                    continue
                note = rng.choice(MEETING_NOTES) if rng.random() < 0.6 else ""
                if rng.random() < 0.07:
                    add(room, host.id, window, Booking.State.CANCELLED, note)
                else:
                    occupancy.take(room, host.id, Resource.Kind.ROOM, day, window)
                    add(room, host.id, window, _state(rng, Resource.Kind.ROOM, window, now), note)
                break
    return out


def _rotated(rng: random.Random, pool: Sequence[int]) -> list[int]:
    """The pool from a random starting point: a cheap stand-in for shuffling large pools."""
    if not pool:
        return []
    cut = rng.randrange(len(pool))
    return [*pool[cut:], *pool[:cut]]


def _pick_desk(
    rng: random.Random,
    world: _World,
    occupancy: _Occupancy,
    person: _Person,
    day: dt.date,
    window: Interval,
) -> int | None:
    """Favourite desk, else the team's zone, else the team's floor, else anywhere."""
    zone_pool = world.desks_by_zone.get(person.zone_id, [])
    candidates: list[int] = [person.favourite] if person.favourite else []
    candidates += rng.sample(zone_pool, len(zone_pool))
    candidates += _rotated(rng, world.desks_by_floor.get(person.floor_id, []))
    candidates += _rotated(rng, world.desks)
    for desk in candidates:
        if person.accessible and "wheelchair-accessible" not in world.amenities.get(desk, ()):
            continue
        if occupancy.free(desk, person.id, Resource.Kind.DESK, day, window):
            return desk
    return None


def _pick_spot(
    rng: random.Random,
    world: _World,
    occupancy: _Occupancy,
    person: _Person,
    day: dt.date,
    window: Interval,
) -> int | None:
    """Drivers of electric cars want a charger; accessible spots are kept for those who need them."""

    def has(spot: int, code: str) -> bool:
        return code in world.amenities.get(spot, ())

    spots = _rotated(rng, world.spots)
    if person.accessible:
        preferred = [s for s in spots if has(s, "wheelchair-accessible")]
    elif person.ev:
        preferred = [s for s in spots if has(s, "ev-charger")]
    else:
        preferred = []
    regular = [s for s in spots if not has(s, "wheelchair-accessible")]
    regular.sort(key=lambda s: has(s, "ev-charger"))  # leave chargers for electric cars
    for spot in preferred + regular:
        if occupancy.free(spot, person.id, Resource.Kind.PARKING, day, window):
            return spot
    return None


# --- reset ------------------------------------------------------------------------------------


def _tenant_relations() -> list[tuple[type[models.Model], str]]:
    """Every (model, field) with a foreign key to Tenant: today's apps and any added later."""
    return [
        (model, f.name)
        for model in apps.get_models()
        for f in model._meta.concrete_fields
        if f.many_to_one and f.related_model is Tenant
    ]


def demo_reset(tenant: Tenant, *, progress: Progress = _quiet) -> None:
    """Delete the demo tenant and everything it owns, all or nothing.

    Only ever the demo tenant (it carries the marker). Rows are deleted model by model; a model
    whose rows are still referenced is retried after the others. If anything refuses (say, a
    future append-only table), nothing is deleted and the reason is reported. Plan files go
    once the deletion is committed.
    """
    if SETTINGS_KEY not in (tenant.settings or {}):
        raise DemoError(f"tenant {tenant.slug!r} is not the demo tenant")
    with tenant_context(tenant):
        plans = [f.plan_image.name for f in Floor.objects.all() if f.plan_image]
    pending = _tenant_relations()
    refusals = (models.ProtectedError, models.RestrictedError, DatabaseError)
    try:
        with transaction.atomic():
            audit_erase_tenant(tenant)  # the audit log refuses ordinary deletes
            for _attempt in range(len(pending) + 1):
                blocked = []
                for model, field_name in pending:
                    try:
                        with transaction.atomic():
                            model._base_manager.filter(**{field_name: tenant}).delete()
                    except refusals:
                        blocked.append((model, field_name))
                pending = blocked
                if not pending:
                    break
            else:
                names = ", ".join(m._meta.label for m, _ in pending)
                raise DemoError(f"cannot delete the demo's rows of {names}")
            Tenant.objects.filter(pk=tenant.pk).delete()
    except refusals as exc:
        raise DemoError(f"the demo tenant cannot be deleted: {exc}") from exc
    storage = Floor._meta.get_field("plan_image").storage

    def delete_files() -> None:
        for name in plans:
            storage.delete(name)

    transaction.on_commit(delete_files)
    progress("deleted the old demo", 1, 1)
