"""Public holidays in the choice of a timetable day (``core.service_date.service_date_for``).

Trains and coaches run a Sunday-like service on French public holidays, and a timetable
encodes it for the holidays inside its validity (``calendar_dates``: the TER feed valid
2025-01-22 → 2025-04-22 runs 42 services on Easter Monday 2025-04-21, against 72 on the
Monday before and 45 on Easter Sunday). So a requested date outside the validity that is a
French public holiday is answered with the feed's own timetable of a public holiday inside
the validity — the first one that is not a Sunday — or, when the validity holds none, with
the Sunday of the reference week. A Sunday outside the validity already maps to the Sunday of
the reference week (same weekday). Holidays come from the maintained ``holidays`` library
(metropolitan France), never from a hand-written list.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

#: ISO 3166 code of the country whose public holidays apply.
COUNTRY = "FR"
SUNDAY = 6
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@lru_cache(maxsize=64)
def _holidays_of_year(year: int) -> dict[date, str]:
    # Built on first use (not at import), one table per year.
    return dict(holidays.country_holidays(COUNTRY, years=year).items())


def public_holiday_name(day: date) -> str | None:
    """The name of the French public holiday on `day` (e.g. ``"Christmas Day"``), or None."""
    return _holidays_of_year(day.year).get(day)


def holidays_between(first: date, last: date) -> list[tuple[date, str]]:
    """French public holidays from `first` to `last` (inclusive), in date order."""
    found = [
        (day, name)
        for year in range(first.year, last.year + 1)
        for day, name in _holidays_of_year(year).items()
        if first <= day <= last
    ]
    return sorted(found)


def reference_sunday(validity: tuple[date, date]) -> date:
    """The Sunday of the first full Monday–Sunday week of `validity` (the reference week of
    ``service_date_for``), else its first Sunday, else its last day."""
    first, last = validity
    monday = first + timedelta(days=(7 - first.weekday()) % 7)
    if monday + timedelta(days=6) <= last:
        return monday + timedelta(days=6)
    sunday = first + timedelta(days=(SUNDAY - first.weekday()) % 7)
    return sunday if sunday <= last else last


def holiday_service_date(
    requested: date, validity: tuple[date, date]
) -> tuple[date, str, str] | None:
    """The timetable day for a public holiday outside the validity, or None for other days.

    Parameters
    ----------
    requested
        The day asked for, outside `validity`.
    validity
        First and last day the timetable covers.

    Returns
    -------
    tuple or None
        ``(used, holiday_name, reason)`` when `requested` is a French public holiday.
    """
    name = public_holiday_name(requested)
    if name is None:
        return None
    first, last = validity
    inside = [(d, n) for d, n in holidays_between(first, last) if d.weekday() != SUNDAY]
    head = (
        f"{requested.isoformat()} is a public holiday in France ({name}), outside the "
        f"timetable validity {first.isoformat()} → {last.isoformat()}"
    )
    if inside:
        used, used_name = inside[0]
        reason = (
            f"{head}; the timetable of the feed's own public holiday, "
            f"{_DAY_NAMES[used.weekday()]} {used.isoformat()} ({used_name}), is used: holidays "
            "run "
            "a Sunday-like service"
        )
        return used, name, reason
    sunday = reference_sunday(validity)
    reason = (
        f"{head}, which holds no public holiday; the timetable of "
        f"{_DAY_NAMES[sunday.weekday()]} {sunday.isoformat()} is used: holidays run a "
        "Sunday-like service"
    )
    return sunday, name, reason
