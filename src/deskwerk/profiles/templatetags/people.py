"""``{% is_favourite_resource pk as favourite %}``: one query, for the plan's details panel."""

from __future__ import annotations

from typing import Any

from django import template

from deskwerk.profiles.models import FavouriteResource

register = template.Library()


@register.simple_tag(takes_context=True)
def is_favourite_resource(context: dict[str, Any], resource_id: int) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return FavouriteResource.objects.filter(user=user, resource_id=resource_id).exists()
