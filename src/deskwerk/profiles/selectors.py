"""Reads: the colleague finder, a person's profile and favourites.

The finder answers "who is in which building and floor on this day" from the bookings of that
day, governed by the tenant's finder mode (``deskwerk.profiles.settings``). Everything it
shows is filtered in SQL: people under restriction of processing (Art. 18) and inactive
accounts never, hidden people never, home-office bookings never (the finder is about the
office). The number of queries is fixed: it does not grow with the number of people.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.db.models import F, Q

from deskwerk.accounts.models import User
from deskwerk.bookings.models import Booking
from deskwerk.profiles.models import FavouriteColleague, FavouriteResource, Profile
from deskwerk.profiles.settings import (
    EVERYONE,
    NOBODY,
    OPT_IN,
    OPT_OUT,
    finder_mode,
    finder_mode_allows_choice,
)
from deskwerk.spaces.models import Location, Resource
from deskwerk.tenancy.models import Tenant

# Bookings that place a person in the office on the day (released no-shows did not come).
PRESENT_STATES = (Booking.State.CONFIRMED, Booking.State.CHECKED_IN, Booking.State.COMPLETED)
MAX_FINDER_ROWS = 2000
MAX_QUERY = 100


def tenant_today(tenant: Tenant, now: dt.datetime | None = None) -> dt.date:
    """Today in the tenant's default time zone (the finder's default day)."""
    zone = zoneinfo.ZoneInfo(tenant.default_timezone)
    return (now or dt.datetime.now(dt.UTC)).astimezone(zone).date()


def day_bounds(location: Location, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The calendar day at the location, in UTC: [local midnight, next local midnight)."""
    start = dt.datetime.combine(day, dt.time(0), tzinfo=location.zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=location.zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def is_visible(mode: str, choice: str) -> bool:
    """Would a person with ``choice`` appear in the finder under ``mode``? (The SQL filter of
    :func:`finder` says the same; this is for the profile page's explanation.)"""
    if mode == EVERYONE:
        return True
    if mode == OPT_OUT:
        return choice != Profile.FinderChoice.HIDDEN
    if mode == OPT_IN:
        return choice == Profile.FinderChoice.SHOWN
    return False


def _visibility(mode: str) -> Q:
    choice = "booked_for__profile__finder_choice"
    if mode == OPT_OUT:
        return ~Q(**{choice: Profile.FinderChoice.HIDDEN}) | Q(**{f"{choice}__isnull": True})
    if mode == OPT_IN:
        return Q(**{choice: Profile.FinderChoice.SHOWN})
    return Q()  # everyone


@dataclass
class Place:
    location: str
    building: str
    floor: str
    floor_id: int
    resource: str
    resource_id: int
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str


@dataclass
class Entry:
    person_id: int
    name: str
    photo: str  # stored file name, "" without a photo (used for the cache-busting version)
    favourite: bool
    is_me: bool
    places: list[Place] = field(default_factory=list)


@dataclass
class FinderResult:
    enabled: bool
    mode: str
    day: dt.date
    entries: list[Entry]
    query: str = ""
    truncated: bool = False


def finder(*, viewer: User, day: dt.date | None = None, query: str = "") -> FinderResult:
    """Who is in which building/floor (and at which place) on ``day``, favourites first."""
    tenant = viewer.tenant
    mode = finder_mode(tenant)
    day = day or tenant_today(tenant)
    query = query.replace("\x00", "").strip()[:MAX_QUERY]  # PostgreSQL refuses NUL
    if mode == NOBODY:
        return FinderResult(enabled=False, mode=mode, day=day, entries=[], query=query)
    windows = Q()
    for location in Location.objects.only("pk", "timezone"):
        start, end = day_bounds(location, day)
        windows |= Q(
            resource__floor__building__location_id=location.pk,
            starts_at__lt=end,
            ends_at__gt=start,
        )
    if not windows:
        return FinderResult(enabled=True, mode=mode, day=day, entries=[], query=query)
    bookings = (
        Booking.objects.filter(
            windows,
            _visibility(mode),
            state__in=PRESENT_STATES,
            booked_for__isnull=False,
            booked_for__is_active=True,
            booked_for__restricted_at__isnull=True,
        )
        .exclude(resource__kind=Resource.Kind.HOME_OFFICE)
        .annotate(
            person_name=F("booked_for__full_name"),
            person_email=F("booked_for__email"),
            person_photo=F("booked_for__profile__photo"),
            location_name=F("resource__floor__building__location__name"),
            location_tz=F("resource__floor__building__location__timezone"),
            building_name=F("resource__floor__building__name"),
            floor_name=F("resource__floor__name"),
            resource_name=F("resource__name"),
            resource_kind=F("resource__kind"),
        )
    )
    if query:
        bookings = bookings.filter(
            Q(booked_for__full_name__icontains=query) | Q(booked_for__email__icontains=query)
        )
    rows = list(
        bookings.order_by("starts_at", "id").values(
            "booked_for_id",
            "person_name",
            "person_email",
            "person_photo",
            "location_name",
            "location_tz",
            "building_name",
            "floor_id",
            "floor_name",
            "resource_id",
            "resource_name",
            "resource_kind",
            "starts_at",
            "ends_at",
        )[: MAX_FINDER_ROWS + 1]
    )
    truncated = len(rows) > MAX_FINDER_ROWS
    favourites = set(
        FavouriteColleague.objects.filter(user=viewer).values_list("colleague_id", flat=True)
    )
    people: dict[int, Entry] = {}
    for row in rows[:MAX_FINDER_ROWS]:
        pid = row["booked_for_id"]
        entry = people.get(pid)
        if entry is None:
            entry = people[pid] = Entry(
                person_id=pid,
                name=row["person_name"] or row["person_email"],
                photo=row["person_photo"] or "",
                favourite=pid in favourites,
                is_me=pid == viewer.pk,
            )
        entry.places.append(
            Place(
                location=row["location_name"],
                building=row["building_name"],
                floor=row["floor_name"],
                floor_id=row["floor_id"],
                resource=row["resource_name"],
                resource_id=row["resource_id"],
                kind=row["resource_kind"],
                starts_at=row["starts_at"],
                ends_at=row["ends_at"],
                timezone=row["location_tz"],
            )
        )
    entries = sorted(people.values(), key=lambda e: (not e.favourite, e.name.casefold()))
    return FinderResult(
        enabled=True, mode=mode, day=day, entries=entries, query=query, truncated=truncated
    )


@dataclass
class ProfileView:
    """The profile as its owner sees it."""

    person: User
    photo: str
    finder_choice: str
    finder_mode: str
    may_choose: bool
    visible: bool


def profile_of(person: User) -> ProfileView:
    profile = Profile.objects.filter(user=person).first()
    choice = profile.finder_choice if profile else ""
    mode = finder_mode(person.tenant)
    return ProfileView(
        person=person,
        photo=profile.photo.name if profile and profile.photo else "",
        finder_choice=choice,
        finder_mode=mode,
        may_choose=finder_mode_allows_choice(mode),
        visible=is_visible(mode, choice),
    )


def favourite_resources(person: User) -> list[FavouriteResource]:
    return list(
        FavouriteResource.objects.filter(user=person).select_related(
            "resource__floor__building__location"
        )
    )


def favourite_colleagues(person: User) -> list[FavouriteColleague]:
    """The person's favourite colleagues; restricted or inactive ones are left out."""
    return list(
        FavouriteColleague.objects.filter(
            user=person, colleague__is_active=True, colleague__restricted_at__isnull=True
        ).select_related("colleague")
    )


def photo_of(viewer: User, person_id: int) -> Profile | None:
    """The profile whose photo ``viewer`` may see: same tenant (scoped), the person active and
    not restricted (or the viewer themselves). None: 404."""
    qs = Profile.objects.filter(user_id=person_id).exclude(photo="").select_related("user")
    profile = qs.first()
    if profile is None:
        return None
    if profile.user_id != viewer.pk and (
        not profile.user.is_active or profile.user.restricted_at is not None
    ):
        return None
    return profile


def photos_of(person_ids: list[int]) -> dict[int, str]:
    """Stored photo names of these people (one query), for lists of colleagues."""
    if not person_ids:
        return {}
    return dict(
        Profile.objects.filter(user_id__in=person_ids)
        .exclude(photo="")
        .values_list("user_id", "photo")
    )
