"""Fixtures of the map tests: real commune polygons and a real-derived TEST value column.

The value column is NOT a travel time and NOT measured data: it is the straight-line
distance from each commune's representative point to that of Nevers (INSEE 58194), divided
by a stated speed of 50 km/h, in seconds. It only gives the maps a realistic spread of
values over the real polygons.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest

from geoservice.runtime import Runtime

NEVERS = "58194"
#: Stated speed of the test input (not a modelled travel speed).
TEST_SPEED_KPH = 50.0
#: Communes whose test value is set to NaN, to exercise the unreachable class.
TEST_UNREACHABLE = ("58001", "58002", "58003")
#: Name of the test value column, so that nobody mistakes it for an accessibility figure.
TEST_COL = "test_straight_line_s"


@pytest.fixture(scope="session")
def communes(runtime: Runtime) -> gpd.GeoDataFrame:
    """The 309 Nièvre commune polygons (EPSG:4326) with their population (derived data)."""
    return runtime.communes


@pytest.fixture(scope="session")
def test_col() -> str:
    """Name of the TEST value column of :func:`test_times` (seconds, not a travel time)."""
    return TEST_COL


@pytest.fixture(scope="session")
def test_times(communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Communes with ``TEST_COL``: straight-line distance to Nevers / 50 km/h, seconds.

    A test input derived from the real polygons, not a travel time; three communes NaN.
    """
    points = communes.to_crs("EPSG:2154").representative_point()
    nevers = points[communes["code"] == NEVERS].iloc[0]
    seconds = points.distance(nevers).to_numpy() / (TEST_SPEED_KPH / 3.6)
    out = communes.copy()
    out[TEST_COL] = seconds
    out.loc[out["code"].isin(TEST_UNREACHABLE), TEST_COL] = np.nan
    return out


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """tests/artifacts/ (git-ignored): rendered maps kept for a look."""
    path = Path(__file__).resolve().parent.parent / "artifacts"
    path.mkdir(exist_ok=True)
    return path
