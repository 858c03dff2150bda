"""Public holidays and Sundays outside the feed map to a holiday or Sunday timetable of it."""

from __future__ import annotations

from datetime import date

from geoservice.core.service_calendar import holidays_between, public_holiday_name
from geoservice.core.service_date import service_date_for
from geoservice.core.timetable import Timetable

EASTER_MONDAY_2025 = date(2025, 4, 21)


def test_the_feed_runs_a_holiday_service_on_easter_monday(timetable: Timetable) -> None:
    # The day chosen for holidays is one the feed itself treats as a holiday: fewer services
    # than on an ordinary Monday, close to a Sunday's.
    first, last = timetable.validity
    assert holidays_between(first, last) == [(EASTER_MONDAY_2025, "Easter Monday")]
    holiday = int(timetable.services_active_on(EASTER_MONDAY_2025).sum())
    monday_before = int(timetable.services_active_on(date(2025, 4, 14)).sum())
    easter_sunday = int(timetable.services_active_on(date(2025, 4, 20)).sum())
    assert holiday < 0.7 * monday_before
    assert abs(holiday - easter_sunday) <= 0.2 * easter_sunday


def test_christmas_2026_maps_to_the_feeds_public_holiday(timetable: Timetable) -> None:
    sd = service_date_for(date(2026, 12, 25), timetable.validity)  # a Friday
    assert sd.used == EASTER_MONDAY_2025
    assert sd.holiday == "Christmas Day"
    assert "2026-12-25 is a public holiday in France (Christmas Day)" in sd.reason
    assert "Monday 2025-04-21 (Easter Monday)" in sd.reason
    assert "Sunday-like service" in sd.reason


def test_a_holiday_on_a_sunday_also_maps_to_the_holiday(timetable: Timetable) -> None:
    assert public_holiday_name(date(2026, 11, 1)) == "All Saints' Day"  # a Sunday
    assert service_date_for(date(2026, 11, 1), timetable.validity).used == EASTER_MONDAY_2025


def test_ordinary_days_outside_the_feed_map_as_before(timetable: Timetable) -> None:
    weekday = service_date_for(date(2026, 12, 9), timetable.validity)  # a Wednesday
    assert weekday.used == date(2025, 1, 29)  # same weekday of the week of 2025-01-27
    assert weekday.holiday is None
    assert "same weekday" in weekday.reason
    sunday = service_date_for(date(2026, 12, 13), timetable.validity)
    assert sunday.used == date(2025, 2, 2)  # the Sunday of that week
    assert sunday.holiday is None


def test_a_holiday_inside_the_feed_is_used_as_is(timetable: Timetable) -> None:
    sd = service_date_for(EASTER_MONDAY_2025, timetable.validity)
    assert sd.used == EASTER_MONDAY_2025
    assert sd.holiday == "Easter Monday"
    assert "inside" in sd.reason


def test_a_validity_without_holiday_uses_its_reference_sunday() -> None:
    validity = (date(2025, 2, 1), date(2025, 3, 31))  # no French public holiday inside
    sd = service_date_for(date(2026, 12, 25), validity)
    assert sd.used == date(2025, 2, 9)  # Sunday of the first full week (from Monday 02-03)
    assert "holds no public holiday" in sd.reason
    assert sd.holiday == "Christmas Day"
