"""Minimal web front: sign-in per tenant and a home page with one's bookings."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import authenticate, login, logout
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from deskwerk.bookings.models import Booking
from deskwerk.bookings.selectors import bookings_of_person
from deskwerk.spaces.models import Floor
from deskwerk.web.forms import LoginForm, TenantPickForm

# Reasons the backend leaves on the request (a lockout covers unknown e-mails too: no oracle).
REFUSALS = {
    "locked_out": "Too many failed attempts: sign-in is locked for a while. Try again later.",
    "password_expired": (
        "Your password has expired under your organisation's policy. "
        "Ask an administrator to set a new one."
    ),
}


def tenant_picker(request: HttpRequest) -> HttpResponse:
    """The front door: name your organisation. Tenants are never listed publicly."""
    form = TenantPickForm(request.GET or None)
    if form.is_valid():
        return redirect(f"/t/{form.cleaned_data['organisation']}/login/")
    return render(request, "web/picker.html", {"form": form})


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request,
            tenant=tenant,
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password"],
        )
        if user is not None:
            login(request, user)
            return redirect("web:home")
        error = REFUSALS.get(getattr(request, "auth_refusal", ""), "E-mail or password is wrong.")
    return render(
        request,
        "web/login.html",
        {"form": form, "tenant": tenant, "error": error},
        status=401 if error else 200,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:login")


def home(request: HttpRequest) -> HttpResponse:
    """Today and next: the person's own bookings and the floors of the tenant."""
    if not request.user.is_authenticated:
        return redirect("web:login")
    user = request.user
    now = timezone.now()
    upcoming = list(
        bookings_of_person(
            person=user,
            starts_after=now - dt.timedelta(hours=24),
            states=list(Booking.ACTIVE_STATES),
        ).select_related("resource__floor__building__location")[:20]
    )
    upcoming = [b for b in upcoming if b.ends_at > now]
    floors = Floor.objects.select_related("building__location").order_by(
        "building__location__name", "building__name", "level"
    )
    return render(
        request,
        "web/home.html",
        {"tenant": request.tenant, "upcoming": upcoming, "floors": floors},  # type: ignore[attr-defined]
    )


def health(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability for load balancers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
