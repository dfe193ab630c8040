"""Forms of the space administration pages. They only parse and bound the input; every rule
that matters (names unique per place, parents of the same tenant, who may do it) is enforced
again by ``deskwerk.spaces.services``, which the views call with the cleaned data."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from deskwerk.spaces.services import MAX_BULK_RESOURCES
from deskwerk.web.booking_forms import KIND_LABELS


def _timezones() -> list[tuple[str, str]]:
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z and "Etc" not in z)
    return [(z, z.replace("_", " ")) for z in zones]


def kind_choices() -> list[tuple[str, Any]]:
    return list(KIND_LABELS.items())


class LocationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    street = forms.CharField(label=_("Street"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    country = forms.RegexField(
        label=_("Country"),
        regex=r"^[A-Z]{2}$",
        initial="DE",
        help_text=_("Two-letter code, e.g. DE, AT, CH."),
        error_messages={"invalid": _("Enter a two-letter country code such as DE.")},
    )
    timezone = forms.ChoiceField(label=_("Time zone"), initial="Europe/Berlin")
    work_day_start = forms.TimeField(
        label=_("Working day starts"),
        initial="08:00",
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    work_day_end = forms.TimeField(
        label=_("Working day ends"), initial="18:00", widget=forms.TimeInput(attrs={"type": "time"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = _timezones()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("work_day_start"), data.get("work_day_end")
        if start and end and end <= start:
            self.add_error("work_day_end", _("The working day must end after it starts."))
        return data


class BuildingForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)


class FloorForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    level = forms.IntegerField(
        label=_("Level"),
        min_value=-20,
        max_value=200,
        initial=0,
        help_text=_("0 is the ground floor; floors are listed by level."),
    )


class ZoneForm(forms.Form):
    name = forms.CharField(label=_("Zone name"), max_length=200)


class AmenityForm(forms.Form):
    name = forms.CharField(label=_("Amenity name"), max_length=100)
    code = forms.SlugField(
        label=_("Short code"),
        max_length=50,
        help_text=_("Lower-case letters, digits and hyphens, e.g. monitor."),
    )


class PlanUploadForm(forms.Form):
    plan = forms.FileField(
        label=_("Plan drawing"),
        help_text=_("SVG, PNG or JPEG, at most 5 MB and 10,000 pixels per side."),
        widget=forms.ClearableFileInput(attrs={"accept": ".svg,.png,.jpg,.jpeg"}),
    )
    fit = forms.BooleanField(
        label=_("Use the drawing's proportions (places keep their spot on the drawing)"),
        required=False,
        initial=True,
    )


class PlaceForm(forms.Form):
    """A new resource put on the plan by the editor: position in percent of the drawing."""

    kind = forms.ChoiceField(label=_("Kind"), initial="desk")
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    x = forms.FloatField(min_value=0, max_value=100)
    y = forms.FloatField(min_value=0, max_value=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kind_choices()  # type: ignore[attr-defined]


class MoveForm(forms.Form):
    x = forms.FloatField(min_value=0, max_value=100)
    y = forms.FloatField(min_value=0, max_value=100)


class _PlaceChoices(forms.Form):
    """The kind, zone and amenity choices of a floor, shared by the place and the row form."""

    def __init__(
        self,
        *args: Any,
        zones: list[tuple[int, str]],
        amenities: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kind_choices()  # type: ignore[attr-defined]
        self.fields["zone"].choices = [("", _("No zone")), *zones]  # type: ignore[attr-defined]
        self.fields["amenities"].choices = amenities  # type: ignore[attr-defined]


class ResourceForm(_PlaceChoices):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"))
    capacity = forms.IntegerField(label=_("Seats"), min_value=1, max_value=1000, initial=1)
    zone = forms.TypedChoiceField(label=_("Zone"), coerce=int, required=False, empty_value=None)
    amenities = forms.TypedMultipleChoiceField(
        label=_("Amenities"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    bookable = forms.BooleanField(label=_("Bookable"), required=False, initial=True)
    x = forms.FloatField(
        label=_("Position from the left, in percent"),
        help_text=_("0 to 100"),
        min_value=0,
        max_value=100,
    )
    y = forms.FloatField(
        label=_("Position from the top, in percent"),
        help_text=_("0 to 100"),
        min_value=0,
        max_value=100,
    )


DIRECTION_CHOICES = [
    ("right", _("to the right")),
    ("down", _("downwards")),
    ("left", _("to the left")),
    ("up", _("upwards")),
]


class BulkForm(_PlaceChoices):
    name_prefix = forms.CharField(
        label=_("Name prefix"),
        max_length=90,
        initial="Desk ",
        strip=False,
        help_text=_('E.g. "3." gives 3.1, 3.2, …'),
    )
    start = forms.IntegerField(label=_("First number"), min_value=0, max_value=1_000_000, initial=1)
    digits = forms.IntegerField(
        label=_("Digits"),
        min_value=0,
        max_value=6,
        initial=0,
        help_text=_("Pad numbers with zeros to this many digits (0: no padding)."),
    )
    count = forms.IntegerField(
        label=_("How many"), min_value=1, max_value=MAX_BULK_RESOURCES, initial=6
    )
    kind = forms.ChoiceField(label=_("Kind"), initial="desk")
    x = forms.FloatField(
        label=_("First place from the left, in percent"), initial=10, min_value=0, max_value=100
    )
    y = forms.FloatField(
        label=_("First place from the top, in percent"), initial=10, min_value=0, max_value=100
    )
    spacing = forms.FloatField(
        label=_("Spacing, in percent of the plan"),
        initial=5,
        min_value=0,
        max_value=100,
        help_text=_(
            "Per step: percent of the width to the left or right, of the height up or down."
        ),
    )
    direction = forms.ChoiceField(label=_("Direction"), choices=DIRECTION_CHOICES)
    zone = forms.TypedChoiceField(label=_("Zone"), coerce=int, required=False, empty_value=None)
    amenities = forms.TypedMultipleChoiceField(
        label=_("Amenities"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
