"""Shared core fixtures: the road network, offers, transit timetable, commune points."""

from __future__ import annotations

import geopandas as gpd
import pytest

from geoservice.core.network import RoadNetwork
from geoservice.core.reachable_offers import ReachableOffers
from geoservice.core.timetable import Timetable, transit_params_from_settings
from geoservice.core.timetable_build import timetable_from_tables
from geoservice.io.gtfs import read_gtfs_dir
from geoservice.runtime import Runtime
from geoservice.settings import Settings


@pytest.fixture(scope="session")
def network(runtime: Runtime) -> RoadNetwork:
    """The loaded road network."""
    assert runtime.network is not None
    return runtime.network


@pytest.fixture(scope="session")
def reachable(runtime: Runtime) -> ReachableOffers:
    """The published offers joined to the road network."""
    assert runtime.reachable is not None
    return runtime.reachable


@pytest.fixture(scope="session")
def timetable(settings: Settings) -> Timetable:
    folder = settings.data_dir / str(settings.get("transit.out_subdir", "transit"))
    return timetable_from_tables(read_gtfs_dir(folder), transit_params_from_settings(settings))


@pytest.fixture(scope="session")
def communes_with_population(runtime: Runtime) -> gpd.GeoDataFrame:
    """The 309 communes (EPSG:4326) with ``code``, ``name``, ``population``."""
    communes = runtime.communes
    assert len(communes) == 309
    assert communes.crs is not None
    return communes


@pytest.fixture(scope="session")
def commune_points(communes_with_population: gpd.GeoDataFrame) -> dict[str, tuple[float, float]]:
    """Representative point (inside the polygon) of each commune, by name: (lon, lat)."""
    points = communes_with_population.representative_point()
    return {
        str(name): (float(p.x), float(p.y))
        for name, p in zip(communes_with_population["name"], points, strict=True)
    }
