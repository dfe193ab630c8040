"""Forms of the booking pages: what to show (a floor, a day, a time window, filters) and
what to book. They only parse; every rule is checked by ``deskwerk.bookings.services``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from deskwerk.spaces.models import Resource

WINDOW_CHOICES = [
    ("full", _("Full day")),
    ("morning", _("Morning")),
    ("afternoon", _("Afternoon")),
    ("custom", _("Custom")),
]
KIND_LABELS: dict[str, Any] = {
    Resource.Kind.DESK: _("Desk"),
    Resource.Kind.ROOM: _("Room"),
    Resource.Kind.PARKING: _("Parking spot"),
    Resource.Kind.HOME_OFFICE: _("Home office"),
}
KIND_CHOICES = [("", _("All types")), *KIND_LABELS.items()]


class WindowForm(forms.Form):
    """A day and a time window at a location: a day part or custom wall-clock times."""

    date = forms.DateField(required=False, label=_("Date"))
    window = forms.ChoiceField(
        choices=WINDOW_CHOICES, required=False, label=_("Time"), widget=forms.RadioSelect
    )
    start = forms.TimeField(required=False, label=_("From"))
    end = forms.TimeField(required=False, label=_("To"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("window") == "custom":
            start, end = data.get("start"), data.get("end")
            if start is None or end is None or end <= start:
                raise forms.ValidationError(
                    _("For custom times choose a start and an end, the end after the start.")
                )
        return data


class PlanQueryForm(WindowForm):
    """Which floor, day, window and filters the plan and the list show (all optional)."""

    location = forms.IntegerField(required=False, min_value=1, label=_("Location"))
    building = forms.IntegerField(required=False, min_value=1, label=_("Building"))
    floor = forms.IntegerField(required=False, min_value=1, label=_("Floor"))
    kind = forms.ChoiceField(choices=KIND_CHOICES, required=False, label=_("Type"))
    amenity = forms.TypedMultipleChoiceField(
        coerce=int, required=False, label=_("Amenities"), widget=forms.CheckboxSelectMultiple
    )
    resource = forms.IntegerField(required=False, min_value=1)

    def __init__(self, *args: Any, amenity_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amenity"].choices = amenity_choices  # type: ignore[attr-defined]


class BookForm(WindowForm):
    """Book one resource for the chosen window; ``token`` makes a repeated submit harmless."""

    resource = forms.IntegerField(min_value=1)
    token = forms.RegexField(regex=r"^[A-Za-z0-9_-]{16,64}$", max_length=64)
    colleague = forms.EmailField(required=False, max_length=254, label=_("Book for a colleague"))
    note = forms.CharField(required=False, max_length=500, label=_("Note"))


class ChangeForm(WindowForm):
    """Move one's booking to another day or time window (same resource)."""


def window_initial(day: dt.date) -> dict[str, Any]:
    return {"date": day, "window": "full"}
