"""Transit isochrones: access area plus walks from the stops reached in time."""

from __future__ import annotations

from datetime import date

import numpy as np
import shapely

from geoservice.core.band_polygons import isochrone_bands
from geoservice.core.raptor import UNREACHED, earliest_arrival
from geoservice.core.snapping import lambert93_from_wgs84
from geoservice.core.transit_access import road_access_s
from geoservice.core.transit_isochrones import transit_isochrone_bands
from geoservice.runtime import Runtime

COSNE_TRAIN = "ter:StopPoint:OCETrain TER-87696146"


def test_bands_contain_walk_area_and_reached_stations(runtime: Runtime) -> None:
    tt, network = runtime.transit, runtime.network
    assert tt is not None
    assert network is not None
    walk = network.mode("walk")
    x, y = (float(v) for v in lambert93_from_wgs84(3.154, 46.988))  # by Nevers station
    access = road_access_s(tt, walk, x, y)
    search = earliest_arrival(tt, access, 8 * 3600, date(2025, 2, 4))
    travel = search.arrival_s - 8 * 3600
    budgets = [3600.0, 5400.0]
    bands = transit_isochrone_bands(tt, walk, walk, x, y, budgets, travel)
    plain = isochrone_bands(walk, x, y, budgets)
    cosne = tt.stop_index[COSNE_TRAIN]
    for band, walk_band in zip(bands, plain, strict=True):
        assert shapely.difference(walk_band.geometry, band.geometry).area < 1.0
        assert band.area_km2 >= walk_band.area_km2
        inside = shapely.contains_xy(band.geometry, tt.stop_x[cosne], tt.stop_y[cosne])
        # Cosne is reached 09:25, 85 minutes after leaving: inside 90 min, not inside 60.
        assert inside == (travel[cosne] < band.value_s)
    assert bands[1].area_km2 > 1.5 * plain[1].area_km2


def test_nothing_reached_gives_the_access_isochrone(runtime: Runtime) -> None:
    tt, network = runtime.transit, runtime.network
    assert tt is not None
    assert network is not None
    walk = network.mode("walk")
    x, y = (float(v) for v in lambert93_from_wgs84(3.5, 47.1))
    none = np.full(tt.n_stops, UNREACHED)
    band = transit_isochrone_bands(tt, walk, walk, x, y, [1800.0], none)[0]
    plain = isochrone_bands(walk, x, y, [1800.0])[0]
    assert abs(band.area_km2 - plain.area_km2) < 1e-6
