"""The frame's entries for the compliance hub and the operator console.

A template tag rather than an entry in ``web.context_processors.NAV``: who sees them is not
"administrators" but the hub's audience (``may_use_hub``) and operator staff.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def compliance_nav(context: Any) -> list[dict[str, Any]]:
    """``[{"url", "label", "active"}]`` for the signed-in person: none, the hub, the console."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or getattr(request, "tenant", None) is None or user is None:
        return []
    if not user.is_authenticated:
        return []
    from deskwerk.access.roles import has_permission
    from deskwerk.web.compliance_views import may_use_hub

    items = []
    entries = [
        ("web:operator", _("Operator console"), has_permission(user, "operator.tenants")),
        ("web:compliance", _("Compliance"), None),
    ]
    for name, label, allowed in entries:
        if allowed is None:
            allowed = may_use_hub(user)
        if not allowed:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "active": request.path.startswith(url)})
    return items
