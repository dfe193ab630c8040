"""Locations, buildings, floors, zones and the bookable resources on them."""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from deskwerk.tenancy.models import TenantOwned, validate_timezone


def new_qr_token() -> str:
    """A random, unguessable token printed as the resource's QR code."""
    return secrets.token_urlsafe(16)


class Location(TenantOwned):
    """A site with its own IANA time zone and working hours ("full day" means these)."""

    name = models.CharField(max_length=200)
    street = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, default="DE")
    timezone = models.CharField(
        max_length=64, default="Europe/Berlin", validators=[validate_timezone]
    )
    work_day_start = models.TimeField(default=dt.time(8, 0))
    work_day_end = models.TimeField(default=dt.time(18, 0))

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint("tenant", "name", name="location_tenant_name_uniq"),
            models.CheckConstraint(
                condition=models.Q(work_day_end__gt=models.F("work_day_start")),
                name="location_work_day_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Building(TenantOwned):
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="buildings")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint("tenant", "location", "name", name="building_tenant_name_uniq"),
        ]

    def __str__(self) -> str:
        return self.name


class Floor(TenantOwned):
    """One storey; its plan image is drawn in a coordinate space of plan_width x plan_height."""

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="floors")
    name = models.CharField(max_length=200)
    level = models.IntegerField(default=0)
    plan_image = models.FileField(upload_to="floorplans/", blank=True)
    plan_width = models.PositiveIntegerField(default=1000)
    plan_height = models.PositiveIntegerField(default=1000)

    class Meta:
        ordering = ["level", "name", "id"]
        constraints = [
            models.UniqueConstraint("tenant", "building", "name", name="floor_tenant_name_uniq"),
        ]

    def __str__(self) -> str:
        return self.name


class Zone(TenantOwned):
    """A neighbourhood on a floor (a team area, a quiet zone)."""

    floor = models.ForeignKey(Floor, on_delete=models.PROTECT, related_name="zones")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint("tenant", "floor", "name", name="zone_tenant_name_uniq"),
        ]

    def __str__(self) -> str:
        return self.name


class Amenity(TenantOwned):
    """A feature of a resource people filter by (monitor, docking station, EV charger)."""

    code = models.SlugField(max_length=50)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "amenities"
        constraints = [
            models.UniqueConstraint("tenant", "code", name="amenity_tenant_code_uniq"),
        ]

    def __str__(self) -> str:
        return self.name


class Resource(TenantOwned):
    """Something bookable: a desk, a room, a parking spot or a home-office day."""

    class Kind(models.TextChoices):
        DESK = "desk", "desk"
        ROOM = "room", "room"
        PARKING = "parking", "parking spot"
        HOME_OFFICE = "home_office", "home office"

    floor = models.ForeignKey(Floor, on_delete=models.PROTECT, related_name="resources")
    zone = models.ForeignKey(
        Zone, on_delete=models.SET_NULL, null=True, blank=True, related_name="resources"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.DESK)
    name = models.CharField(max_length=100)
    capacity = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    amenities: models.ManyToManyField[Amenity, ResourceAmenity] = models.ManyToManyField(
        Amenity, through="ResourceAmenity", related_name="resources", blank=True
    )
    pos_x = models.FloatField(default=0, validators=[MinValueValidator(0)])
    pos_y = models.FloatField(default=0, validators=[MinValueValidator(0)])
    bookable = models.BooleanField(default=True)
    qr_token = models.CharField(max_length=32, default=new_qr_token, editable=False)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint("tenant", "floor", "name", name="resource_tenant_name_uniq"),
            models.UniqueConstraint("tenant", "qr_token", name="resource_tenant_qr_uniq"),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1), name="resource_capacity_pos"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "floor"], name="resource_tenant_floor_idx")]

    def __str__(self) -> str:
        return self.name


class ResourceAmenity(TenantOwned):
    """Through table, so the link carries tenant_id like every other tenant row."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="+")
    amenity = models.ForeignKey(Amenity, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "tenant", "resource", "amenity", name="resource_amenity_tenant_uniq"
            ),
        ]
