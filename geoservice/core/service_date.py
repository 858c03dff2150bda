"""Which timetable day answers a request: the requested date, or the same weekday inside the
feed's validity when the date is outside it (the TER feed's dates are in the past).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from geoservice.core.service_calendar import holiday_service_date, public_holiday_name

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class ServiceDate:
    """The timetable day used for a request, and why (`holiday`: the French public holiday
    the requested day is, if any)."""

    requested: date
    used: date
    reason: str
    holiday: str | None = None


def service_date_for(requested: date, validity: tuple[date, date]) -> ServiceDate:
    """The service date whose timetable answers a request for `requested`.

    Rule: a date inside the feed validity is used as is. A date outside it is replaced by the
    same weekday of the *first full Monday–Sunday week* inside the validity (for the TER feed
    valid 2025-01-22 → 2025-04-22: the week of Monday 2025-01-27), so that every date maps to
    an ordinary week, the same one whatever the request, rather than to the thin edges of the
    feed. If the validity holds no full week, the first date inside it with that weekday is
    used (or the first date of the validity if there is none). A French public holiday outside
    the validity uses a public holiday of the feed instead
    (:func:`~geoservice.core.service_calendar.holiday_service_date`).
    """
    first, last = validity
    holiday = public_holiday_name(requested)
    if first <= requested <= last:
        return ServiceDate(
            requested,
            requested,
            f"{requested.isoformat()} is inside the timetable validity "
            f"{first.isoformat()} → {last.isoformat()}"
            + (f" (a public holiday: {holiday}, as the feed runs it)" if holiday else ""),
            holiday,
        )
    on_holiday = holiday_service_date(requested, validity)
    if on_holiday is not None:
        return ServiceDate(requested, on_holiday[0], on_holiday[2], on_holiday[1])
    monday = first + timedelta(days=(7 - first.weekday()) % 7)
    if monday + timedelta(days=6) <= last:
        used = monday + timedelta(days=requested.weekday())
        how = "the same weekday in the first full week (Monday–Sunday) of the validity"
    else:
        candidates = [
            first + timedelta(days=i)
            for i in range((last - first).days + 1)
            if (first + timedelta(days=i)).weekday() == requested.weekday()
        ]
        used = candidates[0] if candidates else first
        how = "the first date of the validity with the same weekday" if candidates else "its start"
    day = WEEKDAYS[used.weekday()].capitalize()
    return ServiceDate(
        requested,
        used,
        f"{requested.isoformat()} is outside the timetable validity {first.isoformat()} → "
        f"{last.isoformat()}; the timetable of {day} {used.isoformat()}, {how}, is used",
    )
