"""The transit timetable of the committed subset, built once per session."""

from __future__ import annotations

import pytest

from geoservice.core.timetable import Timetable, timetable_from_tables, transit_params_from_settings
from geoservice.io.gtfs import read_gtfs_dir
from geoservice.settings import Settings


@pytest.fixture(scope="session")
def timetable(settings: Settings) -> Timetable:
    folder = settings.data_dir / str(settings.get("transit.out_subdir", "transit"))
    return timetable_from_tables(read_gtfs_dir(folder), transit_params_from_settings(settings))
