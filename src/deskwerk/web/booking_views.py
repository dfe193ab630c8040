"""The employee booking pages: today, the floor plan and its list view, booking, my bookings.

Views parse, call ``deskwerk.bookings.services`` and render; they never write models. htmx
requests get fragments (``HX-Target`` names which one), everything else whole pages, so the
pages also work without script.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, cast
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deskwerk.access.roles import has_permission
from deskwerk.accounts.models import User
from deskwerk.api.idempotency import run_idempotent
from deskwerk.bookings.models import Booking
from deskwerk.bookings.selectors import Status, availability
from deskwerk.bookings.services import booking_cancel, booking_change, booking_create
from deskwerk.core.errors import DomainError, NotFound
from deskwerk.spaces.models import Location, Resource
from deskwerk.web.booking_forms import KIND_LABELS, WINDOW_CHOICES, BookForm, ChangeForm
from deskwerk.web.booking_plan import (
    Marker,
    Selection,
    Window,
    counts,
    default_day,
    floor_markers,
    list_rows,
    make_window,
    marker_buttons,
    markers,
    resolve,
)

ACTIVE = list(Booking.ACTIVE_STATES)
STATE_LABELS: dict[str, Any] = {
    Booking.State.CONFIRMED: gettext_lazy("confirmed"),
    Booking.State.CHECKED_IN: gettext_lazy("checked in"),
    Booking.State.COMPLETED: gettext_lazy("completed"),
    Booking.State.CANCELLED: gettext_lazy("cancelled"),
    Booking.State.RELEASED: gettext_lazy("released"),
}
MAX_COLLEAGUES = 500
RECENT_DAYS = 90


def signed_in(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``login_required`` that also serves htmx: a fragment request of someone whose session
    ended (idle timeout) gets ``HX-Redirect`` to the sign-in page instead of the sign-in page
    swapped into the plan."""
    required = login_required(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated or request.headers.get("HX-Request") != "true":
            return required(request, *args, **kwargs)
        current = request.headers.get("HX-Current-URL", "")
        parts = urlsplit(current)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        target = target if current else request.get_full_path()
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("web:login") + "?" + urlencode({"next": target})
        return response

    return wrapper


def _person(request: HttpRequest) -> User:
    return cast(User, request.user)


def _htmx_target(request: HttpRequest) -> str | None:
    """The element an htmx request will swap (None for an ordinary request)."""
    if request.headers.get("HX-Request") != "true":
        return None
    return request.headers.get("HX-Target", "")


def _new_token() -> str:
    return secrets.token_urlsafe(18)


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def when_text(starts_at: dt.datetime, ends_at: dt.datetime, location: Location) -> str:
    """E.g. "Fri, 28 Nov 2026, 08:00–12:00": in the location's zone and the active language."""
    start, end = starts_at.astimezone(location.zone), ends_at.astimezone(location.zone)
    day = formats.date_format(start, "D") + ", " + formats.date_format(start, "DATE_FORMAT")
    # 24-hour times in every language: "8 a.m.–6 p.m." reads badly in a list of bookings.
    times = start.strftime("%H:%M") + "–" + end.strftime("%H:%M")
    if end.date() != start.date():
        times += " (" + formats.date_format(end, "SHORT_DATE_FORMAT") + ")"
    return f"{day}, {times}"


def resource_title(resource: Resource) -> str:
    """E.g. "Desk 1.1-005", "Room Böblingen": the kind said once, also when the name says it."""
    kind = str(KIND_LABELS.get(resource.kind, resource.kind))
    name = resource.name
    return name if name.lower().startswith(kind.lower()) else f"{kind} {name}"


def friendly_error(exc: DomainError, *, resource: str = "", person: str = "") -> str:
    """A refusal of the booking services, said the way a person would say it."""
    from django.conf import settings

    texts = {
        "booking_conflict": _(
            "Sorry — %(resource)s was just booked by someone else for part of this time. "
            "The plan now shows what is still free."
        )
        % {"resource": resource or _("this resource")},
        "person_conflict": (
            _("%(person)s already has a booking of this kind at that time.") % {"person": person}
            if person
            else _(
                "You already have a booking of this kind at that time. Change or cancel that "
                "one first."
            )
        ),
        "booking_in_past": _("That time is already over. Choose a later day or time."),
        "beyond_horizon": _("Bookings open %(days)s days ahead. Choose an earlier day.")
        % {"days": settings.BOOKING_HORIZON_DAYS},
        "duration_too_long": _("A booking may last at most %(hours)s hours.")
        % {"hours": settings.BOOKING_MAX_HOURS},
        "end_before_start": _("The end must be after the start."),
        "cannot_book_for_others": _("Your roles do not allow booking for colleagues."),
        "resource_not_bookable": _("This resource cannot be booked."),
        "person_inactive": _("That person's account is deactivated."),
        "person_restricted": _(
            "Processing of this person's data is restricted, so nothing can be booked for them."
        ),
        "booking_not_active": _("This booking is no longer active."),
        "booking_checked_in": _("You are checked in; check out before moving the booking."),
        "booking_pseudonymised": _("This booking is history and can no longer be changed."),
        "idempotency_key_reused": _("This form was already used. Please try again."),
    }
    text = texts.get(exc.code)
    if text is None:
        text = exc.detail[:1].upper() + exc.detail[1:]
    return str(text)


# --- the floor plan and the list ----------------------------------------------------------------


@dataclass
class Details:
    """The panel beside the plan: one resource, what it is, and what one can do with it."""

    marker: Marker
    booking: Booking | None
    form: BookForm | None
    can_book_for_others: bool
    colleagues: list[User]
    floor_name: str


def _find_marker(request: HttpRequest, selection: Selection, items: list[Marker]) -> Marker | None:
    rid = selection.resource_id
    found = next((m for m in items if m.pk == rid), None)
    if found is not None or rid is None or selection.floor is None or selection.window is None:
        return found
    resource = Resource.objects.filter(pk=rid).only("pk", "floor_id").first()
    if resource is None:
        raise Http404("resource not found")
    if resource.floor_id != selection.floor.pk:
        return None
    # Hidden by a filter: look it up without filters (a rare, separate path).
    rows = availability(
        viewer=_person(request),
        starts_at=selection.window.starts_at,
        ends_at=selection.window.ends_at,
        floor_id=selection.floor.pk,
    )
    unfiltered = Selection(
        tree=selection.tree,
        form=selection.form,
        floor=selection.floor,
        window=selection.window,
        amenity_names=selection.amenity_names,
    )
    return next((m for m in markers(unfiltered, rows) if m.pk == rid), None)


def _details(request: HttpRequest, selection: Selection, items: list[Marker]) -> Details | None:
    marker = _find_marker(request, selection, items)
    if marker is None or selection.window is None:
        return None
    user = _person(request)
    booking = None
    if marker.booking_id is not None:
        booking = Booking.objects.filter(pk=marker.booking_id).first()
    form = None
    for_others = has_permission(user, "bookings.book_for_others")
    colleagues: list[User] = []
    if marker.status == Status.FREE:
        window = selection.window
        initial = {
            "resource": marker.pk,
            "token": _new_token(),
            "date": window.day,
            "window": window.key,
            "start": window.local_start.strftime("%H:%M"),
            "end": window.local_end.strftime("%H:%M"),
        }
        form = BookForm(initial=initial)
        if for_others:
            colleagues = list(
                User.objects.filter(is_active=True, restricted_at__isnull=True)
                .exclude(pk=user.pk)
                .order_by("full_name", "email")
                .only("pk", "email", "full_name")[:MAX_COLLEAGUES]
            )
    return Details(
        marker=marker,
        booking=booking,
        form=form,
        can_book_for_others=for_others,
        colleagues=colleagues,
        floor_name=selection.floor.name if selection.floor else "",
    )


def _render_book(
    request: HttpRequest,
    selection: Selection,
    *,
    view: str,
    message: str = "",
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The plan (or list) page, or the fragment an htmx request asked for."""
    user = _person(request)
    items = floor_markers(selection, user)
    details = _details(request, selection, items) if selection.resource_id else None
    location = selection.location
    context: dict[str, Any] = {
        "selection": selection,
        "form": selection.form,
        "view": view,
        "items": items,
        "markers_html": marker_buttons(items, selection.resource_id) if view == "plan" else "",
        "rows_html": list_rows(items, selection.resource_id) if view == "list" else "",
        "counts": counts(items),
        "details": details,
        "message": message,
        "error": error,
        "kinds": [(k, str(label)) for k, label in KIND_LABELS.items()],
        "window_choices": [(value, str(label)) for value, label in WINDOW_CHOICES],
        "buildings": selection.tree.buildings(location) if location else [],
        "floors": selection.tree.floors_of(selection.building) if selection.building else [],
        "when": when_text(selection.window.starts_at, selection.window.ends_at, location)
        if selection.window and location
        else "",
        "query": selection.query(),
        "this_url": request.path + ("?" + selection.query() if selection.floor else ""),
    }
    target = _htmx_target(request)
    if target == "details":
        template = "book/_details.html"
    elif target is not None:
        template = "book/_book.html"
    else:
        template = "book/plan.html"
    with timezone.override(location.zone if location else dt.UTC):
        return render(request, template, context, status=status)


@require_GET
@signed_in
def plan(request: HttpRequest) -> HttpResponse:
    """The floor plan: resources over the floor's drawing, coloured and labelled by status."""
    return _render_book(request, resolve(request.GET), view="plan")


@require_GET
@signed_in
def plan_list(request: HttpRequest) -> HttpResponse:
    """The same resources, statuses, filters and actions as a table (the equal alternative)."""
    return _render_book(request, resolve(request.GET), view="list")


class _FormKey:
    """What ``run_idempotent`` reads of a request: the path and the key (here: the form's
    one-time token), so a form submitted twice books once."""

    def __init__(self, path: str, token: str) -> None:
        self.path = path
        self.headers = {"Idempotency-Key": f"web-book:{token}"}


def _booked_for(user: User, email: str) -> User | None:
    if not email or email.strip().lower() == user.email:
        return user
    return User.objects.filter(email__iexact=email.strip()).first()


@require_POST
@signed_in
def book(request: HttpRequest) -> HttpResponse:
    """Book one resource for the chosen window, through the booking service, exactly once."""
    user = _person(request)
    view = "list" if request.POST.get("view") == "list" else "plan"
    selection = resolve(request.POST)
    form = BookForm(request.POST)
    if not form.is_valid():
        if "resource" in form.errors or "token" in form.errors:
            return _refuse(request, selection, view, _("The booking form was incomplete."), 400)
        first = next(iter(form.errors.values()))[0]
        return _refuse(request, selection, view, str(first), 422)
    data = form.cleaned_data
    resource = (
        Resource.objects.select_related("floor__building__location").filter(pk=data["resource"])
    ).first()
    if resource is None:
        raise Http404("resource not found")
    location = resource.floor.building.location
    window = make_window(
        location,
        data["date"] or default_day(location),
        data["window"] or "full",
        data["start"],
        data["end"],
    )
    booked_for = _booked_for(user, data["colleague"])
    if booked_for is None:
        return _refuse(request, selection, view, _("Nobody here has that e-mail address."), 422)
    payload = {
        "resource": resource.pk,
        "starts_at": window.starts_at.isoformat(),
        "ends_at": window.ends_at.isoformat(),
        "booked_for": booked_for.pk,
        "note": data["note"],
    }

    def action() -> tuple[int, Any]:
        created = booking_create(
            actor=user,
            resource=resource,
            starts_at=window.starts_at,
            ends_at=window.ends_at,
            booked_for=booked_for,
            note=data["note"],
        )
        return 201, {"booking": created.pk}

    try:
        run_idempotent(
            cast(HttpRequest, _FormKey(request.path, data["token"])),
            user=user,
            payload=payload,
            action=action,
        )
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    except DomainError as exc:
        text = friendly_error(
            exc,
            resource=resource.name,
            person=str(booked_for) if booked_for.pk != user.pk else "",
        )
        return _refuse(request, selection, view, text, exc.status)
    when = when_text(window.starts_at, window.ends_at, location)
    if booked_for.pk == user.pk:
        text = _("Booked: %(resource)s, %(when)s.") % {
            "resource": resource_title(resource),
            "when": when,
        }
    else:
        text = _("Booked %(resource)s for %(person)s, %(when)s.") % {
            "resource": resource_title(resource),
            "person": str(booked_for),
            "when": when,
        }
    if _htmx_target(request) is None:
        messages.success(request, text)
        return redirect(_safe_next(request) or _plan_url(view, selection, resource.pk))
    if selection.floor is not None and selection.floor.pk == resource.floor_id:
        selection.resource_id = resource.pk
    return _render_book(request, selection, view=view, message=text)


def _plan_url(view: str, selection: Selection, resource_id: int | None = None) -> str:
    name = "web:plan-list" if view == "list" else "web:plan"
    query = selection.query(resource=resource_id) if selection.floor else ""
    return reverse(name) + ("?" + query if query else "")


def _refuse(
    request: HttpRequest, selection: Selection, view: str, text: str, status: int
) -> HttpResponse:
    """A refused booking: the message and the plan as it is now (someone may have been faster)."""
    return _render_book(request, selection, view=view, error=text, status=status)


# --- my bookings --------------------------------------------------------------------------------


def _mine(user: User) -> Q:
    return Q(booked_for=user) | Q(booked_by=user)


@dataclass
class Row:
    """A booking as the lists show it, with its time said in its location's zone."""

    booking: Booking
    when: str
    location: Location
    for_other: str
    plan_query: str
    title: str
    state_label: str


def _row(booking: Booking, user: User) -> Row:
    location = booking.resource.floor.building.location
    other = booking.booked_for if booking.booked_for_id != user.pk else None
    start = booking.starts_at.astimezone(location.zone)
    end = booking.ends_at.astimezone(location.zone)
    query = urlencode(
        {
            "floor": booking.resource.floor_id,
            "date": start.date().isoformat(),
            "window": "custom",
            "start": start.strftime("%H:%M"),
            "end": end.strftime("%H:%M") if end.date() == start.date() else "23:59",
            "resource": booking.resource_id,
        }
    )
    return Row(
        booking=booking,
        when=when_text(booking.starts_at, booking.ends_at, location),
        location=location,
        for_other=str(other) if other is not None else "",
        plan_query=query,
        title=resource_title(booking.resource),
        state_label=str(STATE_LABELS.get(booking.state, booking.state)),
    )


def _bookings_context(user: User) -> dict[str, Any]:
    now = timezone.now()
    related = ("resource__floor__building__location", "booked_for")
    upcoming = (
        Booking.objects.filter(_mine(user), state__in=ACTIVE, ends_at__gt=now)
        .select_related(*related)
        .order_by("starts_at", "id")[:100]
    )
    past = (
        Booking.objects.filter(_mine(user))
        .filter(Q(ends_at__lte=now) | ~Q(state__in=ACTIVE))
        .select_related(*related)
        .order_by("-starts_at", "-id")[:50]
    )
    return {
        "upcoming": [_row(b, user) for b in upcoming],
        "past": [_row(b, user) for b in past],
    }


@require_GET
@signed_in
def bookings(request: HttpRequest) -> HttpResponse:
    """Upcoming and past bookings, one's own and those one made for colleagues."""
    context = _bookings_context(_person(request))
    template = "book/_mine.html" if _htmx_target(request) == "mine" else "book/mine.html"
    return render(request, template, context)


def _booking_or_404(user: User, booking_id: int) -> Booking:
    """A booking the person may change: their own, one they made, or any with the right."""
    booking = (
        Booking.objects.select_related("resource__floor__building__location", "booked_for")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None or (
        user.pk not in (booking.booked_for_id, booking.booked_by_id)
        and not has_permission(user, "bookings.manage_others")
    ):
        raise Http404("booking not found")
    return booking


@require_POST
@signed_in
def booking_cancel_view(request: HttpRequest, booking_id: int) -> HttpResponse:
    """Cancel through the service; answer with the page the request came from."""
    user = _person(request)
    booking = _booking_or_404(user, booking_id)
    location = booking.resource.floor.building.location
    text, error, status = "", "", 200
    try:
        booking_cancel(actor=user, booking=booking)
        text = _("Cancelled: %(resource)s, %(when)s.") % {
            "resource": resource_title(booking.resource),
            "when": when_text(booking.starts_at, booking.ends_at, location),
        }
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    except DomainError as exc:
        error, status = friendly_error(exc), exc.status
    target = _htmx_target(request)
    if target == "book":
        view = "list" if request.POST.get("view") == "list" else "plan"
        return _render_book(
            request, resolve(request.POST), view=view, message=text, error=error, status=status
        )
    if target == "mine":
        context = _bookings_context(user) | {"message": text, "error": error}
        return render(request, "book/_mine.html", context, status=status)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, text)
    return redirect(_safe_next(request) or reverse("web:bookings"))


@require_http_methods(["GET", "POST"])
@signed_in
def booking_change_view(request: HttpRequest, booking_id: int) -> HttpResponse:
    """Move a booking to another day or time window on the same resource."""
    user = _person(request)
    booking = _booking_or_404(user, booking_id)
    location = booking.resource.floor.building.location
    local_start = booking.starts_at.astimezone(location.zone)
    local_end = booking.ends_at.astimezone(location.zone)
    current = _window_key(location, booking)
    form = ChangeForm(
        request.POST or None,
        initial={
            "date": local_start.date(),
            "window": current,
            "start": local_start.strftime("%H:%M"),
            "end": local_end.strftime("%H:%M"),
        },
    )
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            window = make_window(
                location,
                data["date"] or local_start.date(),
                data["window"] or current,
                data["start"],
                data["end"],
            )
            try:
                booking_change(
                    actor=user, booking=booking, starts_at=window.starts_at, ends_at=window.ends_at
                )
            except NotFound as exc:
                raise Http404(exc.detail) from exc
            except DomainError as exc:
                error, status = friendly_error(exc, resource=booking.resource.name), exc.status
            else:
                messages.success(
                    request,
                    _("Changed: %(resource)s, now %(when)s.")
                    % {
                        "resource": resource_title(booking.resource),
                        "when": when_text(window.starts_at, window.ends_at, location),
                    },
                )
                return redirect("web:bookings")
        else:
            status = 422
    return render(
        request,
        "book/change.html",
        {
            "booking": booking,
            "row": _row(booking, user),
            "form": form,
            "error": error,
            "location": location,
        },
        status=status,
    )


def _window_key(location: Location, booking: Booking) -> str:
    """Which day part a booking is, or "custom"."""
    day = booking.starts_at.astimezone(location.zone).date()
    for key in ("full", "morning", "afternoon"):
        window = make_window(location, day, key)
        if (window.starts_at, window.ends_at) == (booking.starts_at, booking.ends_at):
            return key
    return "custom"


# --- today --------------------------------------------------------------------------------------


@dataclass
class Again:
    """A resource the person booked recently, ready to book again with one click."""

    resource: Resource
    day: dt.date
    window: Window
    when: str
    token: str
    plan_query: str


@require_GET
@signed_in
def today(request: HttpRequest) -> HttpResponse:
    """Home: today's bookings, the next ones, and one-click re-booking of recent resources."""
    user = _person(request)
    now = timezone.now()
    upcoming = list(
        Booking.objects.filter(booked_for=user, state__in=ACTIVE, ends_at__gt=now)
        .select_related("resource__floor__building__location")
        .order_by("starts_at", "id")[:20]
    )
    today_rows: list[Row] = []
    next_rows: list[Row] = []
    for b in upcoming:
        row = _row(b, user)
        local_today = now.astimezone(row.location.zone).date()
        if b.starts_at.astimezone(row.location.zone).date() <= local_today:
            today_rows.append(row)
        elif len(next_rows) < 5:
            next_rows.append(row)
    recent_ids: list[int] = []
    for rid in (
        Booking.objects.filter(booked_for=user, starts_at__gte=now - dt.timedelta(days=RECENT_DAYS))
        .order_by("-starts_at")
        .values_list("resource_id", flat=True)[:200]
    ):
        if rid not in recent_ids:
            recent_ids.append(rid)
        if len(recent_ids) == 4:
            break
    resources = {
        r.pk: r
        for r in Resource.objects.filter(pk__in=recent_ids, bookable=True).select_related(
            "floor__building__location"
        )
    }
    again = []
    for rid in recent_ids:
        if rid not in resources:
            continue
        resource = resources[rid]
        location = resource.floor.building.location
        day = default_day(location, now)
        window = make_window(location, day, "full")
        again.append(
            Again(
                resource=resource,
                day=day,
                window=window,
                when=when_text(window.starts_at, window.ends_at, location),
                token=_new_token(),
                plan_query=f"floor={resource.floor_id}&date={day.isoformat()}&resource={rid}",
            )
        )
    from deskwerk.web.people_views import favourite_offers  # it imports this module

    return render(
        request,
        "book/today.html",
        {
            "today_rows": today_rows,
            "next_rows": next_rows,
            "again": again,
            "favourites": favourite_offers(user, now),
        },
    )
