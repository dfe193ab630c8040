"""What every page's frame (``web/base.html``) needs: tenant, navigation, languages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

# The main navigation, in order. An entry appears once its page exists (its URL name resolves),
# so pages can be added one by one without touching the frame.
NAV: list[tuple[str, Any, bool]] = [
    # (URL name, label, administrators only)
    ("web:home", _("Today"), False),
    ("web:plan", _("Floor plans"), False),
    ("web:bookings", _("My bookings"), False),
    ("web:finder", _("Colleagues"), False),
    ("web:admin", _("Admin"), True),
]


@dataclass(frozen=True)
class NavItem:
    name: str
    label: str
    url: str
    active: bool


def _is_admin(user: Any) -> bool:
    from deskwerk.access.roles import ADMIN_ROLES, active_roles

    return bool(active_roles(user) & ADMIN_ROLES)


def navigation(request: HttpRequest) -> list[NavItem]:
    """The entries the signed-in person may use, the current one marked active."""
    user = getattr(request, "user", None)
    if getattr(request, "tenant", None) is None or user is None or not user.is_authenticated:
        return []
    items = []
    admin: bool | None = None
    for name, label, admins_only in NAV:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        if admins_only:
            admin = _is_admin(user) if admin is None else admin
            if not admin:
                continue
        home = name == "web:home"
        active = request.path == url if home else request.path.startswith(url)
        items.append(NavItem(name=name, label=str(label), url=url, active=active))
    return items


def _url_if_signed_in(request: HttpRequest, name: str) -> str:
    """The URL of a tenant page for the signed-in person, or "" while it does not exist."""
    user = getattr(request, "user", None)
    if getattr(request, "tenant", None) is None or user is None or not user.is_authenticated:
        return ""
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def shell(request: HttpRequest) -> dict[str, Any]:
    """Context for the frame: ``tenant``, ``nav``, ``languages`` and the current language.

    A view's own ``tenant`` in its context wins over this one (same value in practice).
    """
    current = translation.get_language() or settings.LANGUAGE_CODE
    return {
        "tenant": getattr(request, "tenant", None),
        "nav": navigation(request),
        "profile_url": _url_if_signed_in(request, "web:profile"),
        "languages": [
            {"code": code, "name": name, "current": code == current}
            for code, name in settings.LANGUAGES
        ],
        "current_language": current,
    }
