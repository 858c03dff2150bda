"""Service calendar, date mapping and timetable structure."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd

from geoservice.core.service_date import service_date_for
from geoservice.core.timetable import Timetable, transit_params_from_settings
from geoservice.core.timetable_build import timetable_from_tables
from geoservice.io.gtfs import read_gtfs_dir
from geoservice.settings import Settings

VALIDITY = (date(2025, 1, 22), date(2025, 4, 22))


def test_validity_read_from_feed_info(timetable: Timetable) -> None:
    assert timetable.validity == VALIDITY


def test_date_inside_validity_is_used_as_is() -> None:
    sd = service_date_for(date(2025, 2, 4), VALIDITY)
    assert sd.used == date(2025, 2, 4)
    assert "inside" in sd.reason


def test_dates_outside_map_to_same_weekday_of_first_full_week() -> None:
    # 2025-01-22 is a Wednesday: the first full Monday–Sunday week is 2025-01-27 → 02-02.
    for requested in (date(2026, 11, 25), date(2024, 12, 31), date(2025, 4, 23), date(2030, 1, 6)):
        sd = service_date_for(requested, VALIDITY)
        assert sd.used.weekday() == requested.weekday()
        assert date(2025, 1, 27) <= sd.used <= date(2025, 2, 2)
        assert requested.isoformat() in sd.reason
        assert sd.used.isoformat() in sd.reason
        assert "outside" in sd.reason
    assert service_date_for(date(2026, 11, 25), VALIDITY).used == date(2025, 1, 29)


def test_short_validity_without_full_week_uses_first_same_weekday() -> None:
    short = (date(2025, 1, 22), date(2025, 1, 26))  # Wednesday → Sunday
    assert service_date_for(date(2026, 11, 27), short).used == date(2025, 1, 24)  # Friday
    # No Monday in the window: fall back to its start.
    assert service_date_for(date(2026, 11, 23), short).used == date(2025, 1, 22)


def test_calendar_dates_select_services(timetable: Timetable) -> None:
    tuesday = timetable.services_active_on(date(2025, 2, 4))
    sunday = timetable.services_active_on(date(2025, 2, 2))
    after = timetable.services_active_on(date(2025, 6, 1))
    assert tuesday.sum() > sunday.sum() > 0
    assert after.sum() == 0


def test_calendar_txt_with_removal_exception(settings: Settings) -> None:
    """calendar.txt (absent from the TER feed) is honoured, and type-2 exceptions remove days."""
    folder = settings.data_dir / "transit"
    tables = read_gtfs_dir(folder)
    service = sorted(set(tables.trips["service_id"]))[0]
    calendar = pd.DataFrame(
        [
            {
                "service_id": service,
                "monday": "1",
                "tuesday": "1",
                "wednesday": "0",
                "thursday": "0",
                "friday": "0",
                "saturday": "0",
                "sunday": "0",
                "start_date": "20250201",
                "end_date": "20250228",
            }
        ]
    )
    removal = pd.DataFrame([{"service_id": service, "date": "20250211", "exception_type": "2"}])
    dates = tables.calendar_dates[tables.calendar_dates["service_id"] != service]
    tables = replace(
        tables, calendar=calendar, calendar_dates=pd.concat([dates, removal], ignore_index=True)
    )
    tt = timetable_from_tables(tables, transit_params_from_settings(settings))
    i = tt.service_ids.index(service)
    assert tt.services_active_on(date(2025, 2, 3))[i]  # Monday in range
    assert tt.services_active_on(date(2025, 2, 4))[i]  # Tuesday in range
    assert not tt.services_active_on(date(2025, 2, 5))[i]  # Wednesday
    assert not tt.services_active_on(date(2025, 2, 11))[i]  # removed Tuesday
    assert not tt.services_active_on(date(2025, 3, 3))[i]  # after end_date


def test_patterns_are_fifo_and_sorted(timetable: Timetable) -> None:
    for p in timetable.patterns:
        for col in p.dep_cols:
            assert list(col) == sorted(col)
        for arr, dep in zip(p.arr_rows, p.dep_rows, strict=True):
            assert all(a <= d for a, d in zip(arr, dep, strict=True))
            assert all(d <= a for d, a in zip(dep, arr[1:], strict=False))


def test_footpaths_respect_max_walk(timetable: Timetable) -> None:
    params = timetable.params
    n = 0
    for a, paths in enumerate(timetable.footpaths):
        for b, duration in paths:
            dist = (
                (timetable.stop_x[a] - timetable.stop_x[b]) ** 2
                + (timetable.stop_y[a] - timetable.stop_y[b]) ** 2
            ) ** 0.5
            assert dist <= params.max_transfer_walk_m
            assert duration >= params.default_min_transfer_s
            n += 1
    assert n > 0
