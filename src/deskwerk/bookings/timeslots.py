"""Turning "full day on 29 March in Stuttgart" into a UTC interval, DST-correct."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from deskwerk.spaces.models import Location

UTC = dt.UTC


class DayPart(StrEnum):
    FULL = "full"
    MORNING = "morning"
    AFTERNOON = "afternoon"


def _local(day: dt.date, at: dt.time, location: Location) -> dt.datetime:
    """Wall-clock time at the location. Round-tripping through UTC normalises times that a DST
    jump skips, so a start never lands in a non-existent hour."""
    aware = dt.datetime.combine(day, at, tzinfo=location.zone)
    return aware.astimezone(UTC).astimezone(location.zone)


def day_window(
    location: Location, day: dt.date, part: DayPart = DayPart.FULL
) -> tuple[dt.datetime, dt.datetime]:
    """The UTC interval of a (half) working day at the location.

    Half days split the working hours at their wall-clock midpoint.
    """
    start = _local(day, location.work_day_start, location)
    end = _local(day, location.work_day_end, location)
    if part is not DayPart.FULL:
        start_minutes = location.work_day_start.hour * 60 + location.work_day_start.minute
        end_minutes = location.work_day_end.hour * 60 + location.work_day_end.minute
        mid_minutes = (start_minutes + end_minutes) // 2
        middle = _local(day, dt.time(mid_minutes // 60, mid_minutes % 60), location)
        start, end = (start, middle) if part is DayPart.MORNING else (middle, end)
    return start.astimezone(UTC), end.astimezone(UTC)
