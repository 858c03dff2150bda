"""Access to the stops: straight-line walk, and walk / bike / car over the road network."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from geoservice.core.raptor import earliest_arrival
from geoservice.core.snapping import lambert93_from_wgs84
from geoservice.core.transit_access import road_access_s, walk_access_s
from geoservice.errors import OutsideCoverageError
from geoservice.runtime import Runtime

NEAR_NEVERS_STATION = (3.154, 46.988)
DUN_LES_PLACES = (4.0097, 47.2797)  # Morvan village, far from every line
TUESDAY = date(2025, 2, 4)


def _xy(lonlat: tuple[float, float]) -> tuple[float, float]:
    x, y = lambert93_from_wgs84(*lonlat)
    return float(x), float(y)


def test_road_walk_access_never_worse_than_straight_line(runtime: Runtime) -> None:
    tt, network = runtime.transit, runtime.network
    assert tt is not None
    assert network is not None
    x, y = _xy(NEAR_NEVERS_STATION)
    straight = walk_access_s(tt, x, y)
    road = road_access_s(tt, network.mode("walk"), x, y)
    assert straight
    assert set(straight) <= set(road)
    for stop_id, seconds in straight.items():
        assert road[stop_id] <= seconds + 1
    assert max(road.values()) <= tt.params.max_access_s


def test_faster_modes_reach_more_stops(runtime: Runtime) -> None:
    tt, network = runtime.transit, runtime.network
    assert tt is not None
    assert network is not None
    x, y = _xy(NEAR_NEVERS_STATION)
    walk = road_access_s(tt, network.mode("walk"), x, y)
    bike = road_access_s(tt, network.mode("bike"), x, y)
    drive = road_access_s(tt, network.mode("drive"), x, y)
    assert len(walk) < len(bike) < len(drive)
    for stop_id in walk:
        assert drive[stop_id] <= walk[stop_id]


def test_far_village_walk_and_train_reaches_nothing_but_park_and_ride_does(
    runtime: Runtime,
) -> None:
    """Dun-les-Places: no stop within walking reach, so nothing within 60 minutes on foot;
    driving to a station (park and ride) reaches stops."""
    tt, network = runtime.transit, runtime.network
    assert tt is not None
    assert network is not None
    x, y = _xy(DUN_LES_PLACES)
    walk = road_access_s(tt, network.mode("walk"), x, y)
    on_foot = earliest_arrival(tt, walk, 8 * 3600, TUESDAY)
    assert not (on_foot.arrival_s <= 9 * 3600).any()
    drive = road_access_s(tt, network.mode("drive"), x, y)
    assert drive
    by_car = earliest_arrival(tt, drive, 8 * 3600, TUESDAY)
    assert (by_car.arrival_s <= 10 * 3600).sum() >= len(drive)


def test_point_outside_coverage_is_an_error(runtime: Runtime) -> None:
    tt, network = runtime.transit, runtime.network
    assert tt is not None
    assert network is not None
    x, y = _xy((2.35, 48.85))  # Paris
    with pytest.raises(OutsideCoverageError):
        road_access_s(tt, network.mode("walk"), x, y)


def test_straight_line_access_respects_limit(runtime: Runtime) -> None:
    tt = runtime.transit
    assert tt is not None
    x, y = _xy(NEAR_NEVERS_STATION)
    access = walk_access_s(tt, x, y, max_walk_m=400)
    for stop_id in access:
        i = tt.stop_index[stop_id]
        assert np.hypot(tt.stop_x[i] - x, tt.stop_y[i] - y) <= 400
