"""Public holidays in Baden-Württemberg, so demo offices are empty when Stuttgart is."""

from __future__ import annotations

import datetime as dt
from functools import cache


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter Sunday (the anonymous Meeus/Jones/Butcher computus)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


@cache
def holidays_bw(year: int) -> frozenset[dt.date]:
    """Statutory holidays in Baden-Württemberg (Stuttgart) for ``year``."""
    easter = easter_sunday(year)
    fixed = [(1, 1), (1, 6), (5, 1), (10, 3), (11, 1), (12, 25), (12, 26)]
    movable = [
        -2,
        1,
        39,
        50,
        60,
    ]  # Good Friday, Easter Monday, Ascension, Whit Monday, Corpus Christi
    return frozenset(
        [dt.date(year, month, day) for month, day in fixed]
        + [easter + dt.timedelta(days=offset) for offset in movable]
    )


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in holidays_bw(day.year)
