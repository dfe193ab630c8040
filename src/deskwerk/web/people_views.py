"""The profile page, the colleague finder and the photo view.

Views parse, call ``deskwerk.profiles`` services and selectors, and render; they never write
models. Refusals of the services become friendly messages on the page they came from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from deskwerk.accounts.models import User
from deskwerk.accounts.services import person_set_language
from deskwerk.core.errors import DomainError
from deskwerk.profiles import selectors, services
from deskwerk.profiles.photos import MAX_PHOTO_BYTES
from deskwerk.profiles.settings import EVERYONE, NOBODY, OPT_IN, OPT_OUT
from deskwerk.web.booking_views import resource_title, signed_in, when_text

MAX_HOME_FAVOURITES = 6


def _person(request: HttpRequest) -> User:
    return cast(User, request.user)


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def photo_src(person_id: int, stored: str) -> str:
    """The photo view's address with a version (a new upload gets a new address)."""
    if not stored:
        return ""
    version = hashlib.sha256(stored.encode()).hexdigest()[:12]
    return reverse("web:person-photo", kwargs={"person_id": person_id}) + f"?v={version}"


def friendly(exc: DomainError) -> str:
    """A refusal of the profile services, said for people."""
    texts = {
        "unsupported_photo_type": _("Please choose a PNG, JPEG or WebP picture."),
        "photo_too_large": _(
            "This picture is too large. Please choose one of at most 2 MB and 25 megapixels."
        ),
        "invalid_photo": _("This file could not be read as a picture. Please choose another."),
        "finder_choice_not_allowed": _(
            "Your organisation decides who appears in the colleague finder."
        ),
        "favourite_self": _("You cannot add yourself as a favourite colleague."),
        "not_found": _("This no longer exists."),
    }
    return texts.get(exc.code, _("That did not work. Please try again."))


def mode_text(mode: str) -> str:
    return {
        EVERYONE: _(
            "Your organisation shows everyone who has booked a place in the colleague finder."
        ),
        NOBODY: _("Your organisation has switched the colleague finder off: nobody is shown."),
        OPT_OUT: _(
            "You decide. Unless you hide yourself, colleagues see where you sit on days you "
            "have booked a place."
        ),
        OPT_IN: _(
            "You decide. Unless you choose to be shown, colleagues do not see you in the finder."
        ),
    }[mode]


# --- profile -----------------------------------------------------------------------------------


@require_GET
@signed_in
def profile(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    view = selectors.profile_of(user)
    resources = selectors.favourite_resources(user)
    colleagues = selectors.favourite_colleagues(user)
    photos = selectors.photos_of([f.colleague_id for f in colleagues])
    return render(
        request,
        "people/profile.html",
        {
            "profile": view,
            "photo_url": photo_src(user.pk, view.photo),
            "mode_text": mode_text(view.finder_mode),
            "favourite_resources": [
                {
                    "pk": f.resource_id,
                    "title": resource_title(f.resource),
                    "where": f"{f.resource.floor.building.name} · {f.resource.floor.name}",
                    "plan_query": f"floor={f.resource.floor_id}&resource={f.resource_id}",
                }
                for f in resources
            ],
            "favourite_colleagues": [
                {
                    "pk": f.colleague_id,
                    "name": f.colleague.full_name or f.colleague.email,
                    "photo": photo_src(f.colleague_id, photos.get(f.colleague_id, "")),
                }
                for f in colleagues
            ],
            "max_photo_mb": MAX_PHOTO_BYTES // (1024 * 1024),
        },
    )


@require_POST
@signed_in
def profile_settings(request: HttpRequest) -> HttpResponse:
    """Language and finder choice, one form."""
    user = _person(request)
    target = reverse("web:profile")
    try:
        if "language" in request.POST:
            language = request.POST["language"]
            if language not in ("", "de", "en"):
                messages.error(request, _("Please choose one of the offered languages."))
                return redirect(target)
            person_set_language(actor=user, person=user, language=language)
        if "finder_choice" in request.POST:
            choice = request.POST["finder_choice"]
            if choice not in ("", "shown", "hidden"):
                messages.error(request, _("Please choose one of the offered options."))
                return redirect(target)
            services.finder_choice_set(actor=user, choice=choice)
    except DomainError as exc:
        messages.error(request, friendly(exc))
        return redirect(target)
    messages.success(request, _("Your profile is saved."))
    response = redirect(target)
    if "language" in request.POST:
        from django.conf import settings

        if request.POST["language"]:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                request.POST["language"],
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite="Lax",
            )
        else:
            response.delete_cookie(
                settings.LANGUAGE_COOKIE_NAME, path=settings.LANGUAGE_COOKIE_PATH
            )
    return response


@require_POST
@signed_in
def photo_upload(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    target = reverse("web:profile")
    upload = request.FILES.get("photo")
    if upload is None:
        messages.error(request, _("Please choose a picture first."))
        return redirect(target)
    try:
        if upload.size is not None and upload.size > MAX_PHOTO_BYTES:
            raise DomainError("too large", code="photo_too_large")
        services.photo_set(actor=user, data=upload.read(MAX_PHOTO_BYTES + 1))
    except DomainError as exc:
        messages.error(request, friendly(exc))
        return redirect(target)
    messages.success(request, _("Your photo is saved."))
    return redirect(target)


@require_POST
@signed_in
def photo_remove(request: HttpRequest) -> HttpResponse:
    services.photo_remove(actor=_person(request))
    messages.success(request, _("Your photo is removed."))
    return redirect("web:profile")


@require_GET
@signed_in
def person_photo(request: HttpRequest, person_id: int) -> HttpResponse:
    """A photo, to signed-in people of the same tenant only; never cached by shared caches."""
    found = selectors.photo_of(_person(request), person_id)
    if found is None:
        raise Http404
    try:
        with found.photo.open("rb") as handle:  # at most 512 x 512 pixels: small
            data = handle.read()
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


# --- favourites --------------------------------------------------------------------------------


def _toggle_favourite(
    request: HttpRequest,
    *,
    default_back: str,
    add: Callable[[], object],
    remove: Callable[[], object],
) -> HttpResponse:
    """``action`` add or remove; back to ``next`` (the plan, the home page, the finder, the
    profile); a foreign or unknown id is 404."""
    target = _back(request, default_back)
    try:
        if request.POST.get("action") == "remove":
            remove()
            messages.success(request, _("Removed from your favourites."))
        else:
            add()
            messages.success(request, _("Added to your favourites."))
    except DomainError as exc:
        if exc.code == "not_found":
            raise Http404 from exc
        messages.error(request, friendly(exc))
    return redirect(target)


@require_POST
@signed_in
def favourite_resource(request: HttpRequest, resource_id: int) -> HttpResponse:
    user = _person(request)
    return _toggle_favourite(
        request,
        default_back=reverse("web:profile"),
        add=lambda: services.favourite_resource_add(actor=user, resource_id=resource_id),
        remove=lambda: services.favourite_resource_remove(actor=user, resource_id=resource_id),
    )


@require_POST
@signed_in
def favourite_colleague(request: HttpRequest, person_id: int) -> HttpResponse:
    user = _person(request)
    return _toggle_favourite(
        request,
        default_back=reverse("web:finder"),
        add=lambda: services.favourite_colleague_add(actor=user, person_id=person_id),
        remove=lambda: services.favourite_colleague_remove(actor=user, person_id=person_id),
    )


# --- the finder --------------------------------------------------------------------------------


def _day(request: HttpRequest, default: dt.date) -> tuple[dt.date, bool]:
    raw = request.GET.get("date", "")
    if not raw:
        return default, True
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return default, False
    if not 1900 <= day.year <= 9000:
        return default, False
    return day, True


@require_GET
@signed_in
def finder(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    today = selectors.tenant_today(user.tenant)
    day, valid = _day(request, today)
    if not valid:
        messages.error(request, _("Please enter a date like 2026-11-27."))
    result = selectors.finder(viewer=user, day=day, query=request.GET.get("q", ""))
    view = selectors.profile_of(user)
    people: list[dict[str, Any]] = []
    for entry in result.entries:
        people.append(
            {
                "pk": entry.person_id,
                "name": entry.name,
                "photo": photo_src(entry.person_id, entry.photo),
                "initial": (entry.name[:1] or "?").upper(),
                "favourite": entry.favourite,
                "is_me": entry.is_me,
                "places": [
                    {
                        "where": f"{p.building} · {p.floor}",
                        "location": p.location,
                        "resource": p.resource,
                        "when": when_text(p.starts_at, p.ends_at, cast(Any, _Zone(p.timezone))),
                        "plan_query": f"floor={p.floor_id}&date={day.isoformat()}"
                        f"&resource={p.resource_id}",
                    }
                    for p in entry.places
                ],
            }
        )
    return render(
        request,
        "people/finder.html",
        {
            "result": result,
            "people": people,
            "day": day,
            "day_label": formats.date_format(day, "DATE_FORMAT"),
            "is_today": day == today,
            "prev_day": (day - dt.timedelta(days=1)).isoformat(),
            "next_day": (day + dt.timedelta(days=1)).isoformat(),
            "query": result.query,
            "me": view,
            "mode_text": mode_text(result.mode),
        },
    )


class _Zone:
    """What ``when_text`` needs of a location: its zone (the finder reads plain rows)."""

    def __init__(self, name: str) -> None:
        import zoneinfo

        self.zone = zoneinfo.ZoneInfo(name)


# --- home page: favourites, ready to book ------------------------------------------------------


def _day_texts(today: bool) -> dict[str, str]:
    if today:
        return {"free": _("Book today"), "mine": _("Yours today"), "busy": _("Taken today")}
    return {
        "free": _("Book tomorrow"),
        "mine": _("Yours tomorrow"),
        "busy": _("Taken tomorrow"),
    }


def favourite_offers(user: User, now: dt.datetime) -> list[dict[str, Any]]:
    """The person's favourite places with today and tomorrow (full working day at the place):
    free ones can be booked with one click. Two queries, however many favourites."""
    from django.db.models import Q

    from deskwerk.bookings.models import Booking
    from deskwerk.web.booking_plan import make_window

    favourites = [f for f in selectors.favourite_resources(user) if f.resource.bookable][
        :MAX_HOME_FAVOURITES
    ]
    slots: list[tuple[Any, list[Any]]] = []
    overlap = Q()
    for f in favourites:
        location = f.resource.floor.building.location
        local_today = now.astimezone(location.zone).date()
        windows = []
        for offset in (0, 1):
            window = make_window(location, local_today + dt.timedelta(days=offset), "full")
            if window.ends_at > now:
                windows.append(window)
                overlap |= Q(
                    resource_id=f.resource_id,
                    starts_at__lt=window.ends_at,
                    ends_at__gt=window.starts_at,
                )
        slots.append((f, windows))
    taken: list[tuple[int, dt.datetime, dt.datetime, int | None]] = []
    if overlap:
        taken = list(
            Booking.objects.filter(overlap, state__in=Booking.ACTIVE_STATES).values_list(
                "resource_id", "starts_at", "ends_at", "booked_for_id"
            )
        )
    offers = []
    for f, windows in slots:
        location = f.resource.floor.building.location
        days = []
        for window in windows:
            clashes = [
                who
                for rid, start, end, who in taken
                if rid == f.resource_id and start < window.ends_at and end > window.starts_at
            ]
            status = "free" if not clashes else "mine" if user.pk in clashes else "busy"
            days.append(
                {
                    "day": window.day,
                    "text": _day_texts(window.day == now.astimezone(location.zone).date())[status],
                    "when": when_text(window.starts_at, window.ends_at, location),
                    "status": status,
                    "token": secrets.token_urlsafe(18),
                }
            )
        offers.append(
            {
                "resource": f.resource,
                "title": resource_title(f.resource),
                "where": f"{f.resource.floor.building.name} · {f.resource.floor.name}",
                "days": days,
                "plan_query": f"floor={f.resource.floor_id}&resource={f.resource_id}",
            }
        )
    return offers
