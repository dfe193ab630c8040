"""Profiles: a person's photo and finder choice, and their favourite places and colleagues."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from deskwerk.profiles.storage import photo_storage
from deskwerk.spaces.models import Resource
from deskwerk.tenancy.models import TenantOwned


class Profile(TenantOwned):
    """What a person sets about themselves beyond the account (one row, created on demand)."""

    class FinderChoice(models.TextChoices):
        # Empty: the person has not chosen; the tenant's mode decides (opt_out: shown,
        # opt_in: hidden).
        DEFAULT = "", "default"
        SHOWN = "shown", "shown"
        HIDDEN = "hidden", "hidden"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    # Re-encoded, resized, metadata stripped (deskwerk.profiles.photos); private storage.
    photo = models.FileField(storage=photo_storage, max_length=200, blank=True, default="")
    finder_choice = models.CharField(
        max_length=10, choices=FinderChoice.choices, blank=True, default=""
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("tenant", "user", name="profile_tenant_user_uniq"),
        ]


class FavouriteResource(TenantOwned):
    """A place a person books often: offered for one-click booking on their home page."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourite_resources"
    )
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint("user", "resource", name="fav_resource_user_uniq"),
        ]


class FavouriteColleague(TenantOwned):
    """A colleague a person looks for first in the finder. Goes when either of them is erased
    (the account's deletion cascades to it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourite_colleagues"
    )
    colleague = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint("user", "colleague", name="fav_colleague_user_uniq"),
            models.CheckConstraint(
                condition=~models.Q(user=models.F("colleague")), name="fav_colleague_not_self"
            ),
        ]
