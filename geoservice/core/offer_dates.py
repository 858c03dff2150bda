"""When offers take place: festival seasons, posted offers' dates, and the date filter.

Open-data venues (museums, cinemas, libraries) are permanent. Festivals of the Panorama des
festivals carry a yearly season text (``"Saison (21 juin - 5 septembre)"``); posted offers carry
``first day → last day`` of their timings (``geoservice.store``, which also filters on the
timings themselves before the offers reach a ranking).
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from geoservice.errors import InvalidParameterError

#: Categories whose offers are permanent venues (no dates: always open for date filters).
VENUE_CATEGORIES = ("museum", "cinema", "library")

_MONTHS = {
    "janvier": 1,
    "fevrier": 2,
    "février": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "aout": 8,
    "août": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "decembre": 12,
    "décembre": 12,
}
_SEASON = re.compile(
    r"\(\s*(\d{1,2})(?:er)?\s+([a-zéèûô]+)\s*-\s*(\d{1,2})(?:er)?\s+([a-zéèûô]+)\s*\)",
    re.IGNORECASE,
)

MonthDay = tuple[int, int]
_ISO_SPAN = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})(?:\s*→\s*(\d{4}-\d{2}-\d{2}))?\s*$")


def season_from_period(period: str | None) -> tuple[MonthDay, MonthDay] | None:
    """The yearly window of a festival season text, or None when it cannot be read.

    ``"Saison (21 juin - 5 septembre)"`` → ``((6, 21), (9, 5))``. The Panorama des festivals
    only gives the main season of a festival (before, during or after the summer), not its
    dates: the window is the whole season, every year.
    """
    if not period:
        return None
    match = _SEASON.search(period)
    if match is None:
        return None
    d0, m0, d1, m1 = match.groups()
    if m0.lower() not in _MONTHS or m1.lower() not in _MONTHS:
        return None
    return (_MONTHS[m0.lower()], int(d0)), (_MONTHS[m1.lower()], int(d1))


def _window_overlaps(season: tuple[MonthDay, MonthDay], date_from: date, date_to: date) -> bool:
    (m0, d0), (m1, d1) = season
    for year in range(date_from.year, date_to.year + 1):
        try:
            start = date(year, m0, d0)
            end = date(year, m1, d1)
        except ValueError:  # 29 February on a common year and the like
            continue
        if end < start:  # a season across new year: split it
            if start <= date_to and date(year, 12, 31) >= date_from:
                return True
            if date(year, 1, 1) <= date_to and end >= date_from:
                return True
        elif start <= date_to and end >= date_from:
            return True
    return False


def dates_from_period(period: str | None) -> tuple[date, date] | None:
    """The first and last day of a dated period, or None when it is not one.

    ``"2026-07-01 → 2026-07-14"`` → ``(date(2026, 7, 1), date(2026, 7, 14))``; a single day
    ``"2026-07-01"`` is both. This is the ``period`` of posted offers.
    """
    if not period:
        return None
    match = _ISO_SPAN.match(period)
    if match is None:
        return None
    try:
        first = date.fromisoformat(match.group(1))
        last = date.fromisoformat(match.group(2) or match.group(1))
    except ValueError:
        return None
    return first, last


def offers_open_between(
    offers: pd.DataFrame, date_from: date | None, date_to: date | None
) -> npt.NDArray[np.bool_]:
    """Which offers may take place between `date_from` and `date_to` (both included).

    Venues (museums, cinemas, libraries) without a ``period`` are permanent: always kept.
    An offer with a ``period`` is kept when its yearly season window (see
    :func:`season_from_period`) or its dated span (see :func:`dates_from_period`) overlaps the
    dates; one whose period is missing or cannot be read is dropped when a date is given (its
    dates are unknown). No date: everything kept.
    """
    if date_from is None and date_to is None:
        return np.ones(len(offers), dtype=bool)
    start = date_from or date.min
    end = date_to or date.max
    if end < start:
        raise InvalidParameterError("date_to", f"date_to {end} is before date_from {start}")
    # An open end: one year is enough to meet every yearly season.
    if date_to is None:
        end = date(min(start.year + 1, date.max.year), 12, 31)
    if date_from is None:
        start = date(max(end.year - 1, date.min.year), 1, 1)
    keep = np.zeros(len(offers), dtype=bool)
    categories = offers["category"].to_numpy()
    periods = offers["period"].to_numpy()
    for i, (category, period) in enumerate(zip(categories, periods, strict=True)):
        text = period if isinstance(period, str) and period.strip() else None
        if text is None:
            keep[i] = category in PERMANENT_CATEGORIES
            continue
        span = dates_from_period(text)
        if span is not None:
            keep[i] = span[0] <= end and span[1] >= start
            continue
        season = season_from_period(text)
        keep[i] = season is not None and _window_overlaps(season, start, end)
    return keep


def _in_season(season: tuple[MonthDay, MonthDay], day: date) -> bool:
    (m0, d0), (m1, d1) = season
    start, end, today = (m0, d0), (m1, d1), (day.month, day.day)
    if end < start:  # a season across new year
        return today >= start or today <= end
    return start <= today <= end


#: Offers with no dates that are there every day: open-data venues and posted offers that are
#: not events (an event without timings has no day).
PERMANENT_CATEGORIES = (*VENUE_CATEGORIES, "venue", "work", "skill", "resource")


def offers_on_date(offers: pd.DataFrame, day: date) -> npt.NDArray[np.bool_]:
    """Which offers are a thing to do on `day` (or, for dated events, from `day` on).

    - venues (museums, cinemas, libraries) and posted venues, works, skills and resources
      without a ``period``: permanent, kept. Opening hours are not in the data: a venue kept
      may still be closed that day;
    - festivals (yearly season text): kept when `day` lies inside the season;
    - posted offers (dated ``first → last`` span of their timings): kept when a timing is on
      `day` or later (last day ≥ `day`): a past event is never a thing to do;
    - a period that cannot be read: dropped (its dates are unknown).
    """
    keep = np.zeros(len(offers), dtype=bool)
    categories = offers["category"].to_numpy()
    periods = offers["period"].to_numpy()
    for i, (category, period) in enumerate(zip(categories, periods, strict=True)):
        text = period if isinstance(period, str) and period.strip() else None
        if text is None:
            keep[i] = category in PERMANENT_CATEGORIES
            continue
        span = dates_from_period(text)
        if span is not None:
            keep[i] = span[1] >= day
            continue
        season = season_from_period(text)
        keep[i] = season is not None and _in_season(season, day)
    return keep
