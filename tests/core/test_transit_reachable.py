"""Offers by public transport: brute force over the time-expanded graph, real journeys, way home."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
import shapely

from geoservice.core.egress import egress_costs_s
from geoservice.core.reachable import offer_travel_times
from geoservice.core.reachable_offers import ReachableOffers
from geoservice.core.timeexpanded import offer_travel_times_dijkstra, time_expanded_graph
from geoservice.core.timetable import Timetable
from geoservice.core.transit_access import road_access_s
from geoservice.core.transit_reachable import (
    rank_transit_offers,
    stop_offer_walk_s,
    transit_offer_times,
)
from geoservice.core.way_home import latest_returns
from geoservice.io.gtfs import read_gtfs_dir
from geoservice.runtime import Runtime
from geoservice.settings import Settings

TUESDAY = date(2025, 2, 4)
NEVERS = "ter:StopArea:OCE87696005"
COSNE = "ter:StopArea:OCE87696146"
LA_CHARITE = "ter:StopArea:OCE87696195"
EDEN_COSNE = "cnc:121951"
DUN_LES_PLACES = "58106"


@pytest.fixture(scope="module")
def tt(runtime: Runtime) -> Timetable:
    assert runtime.transit is not None
    return runtime.transit


def _station_xy(tt: Timetable, station: str) -> tuple[float, float]:
    i = tt.stops_of_station(station)[0]
    return float(tt.stop_x[i]), float(tt.stop_y[i])


def _commune_xy(runtime: Runtime, code: str) -> tuple[float, float]:
    communes = runtime.communes[runtime.communes["code"] == code]
    point = communes.geometry.to_crs("EPSG:2154").representative_point().iloc[0]
    return float(point.x), float(point.y)


_COST: dict[int, np.ndarray] = {}


def _brute_force_walk(reachable: ReachableOffers, x: float, y: float, limit_s: float) -> np.ndarray:
    """Walk seconds from a point to every offer: every (offer, edge) pair and the direct leg."""
    net = reachable.network.modes["walk"]
    offers = reachable.tables("walk")[0]
    if id(reachable) not in _COST:  # (offers, edges) leaving costs, the same for every point
        _COST[id(reachable)] = egress_costs_s(net, offers.x_m, offers.y_m)[0]
    cost = _COST[id(reachable)]
    times = net.reach_from_xy(x, y, limit_s=limit_s).times_s
    via = (times[net.router.edge_u][None, :] + cost).min(axis=1)
    best = np.minimum(via, net.access_time_s(np.hypot(offers.x_m - x, offers.y_m - y)))
    return np.where(best <= limit_s, best, np.inf)


def _brute_force_transit(
    tt: Timetable,
    reachable: ReachableOffers,
    x: float,
    y: float,
    departure_s: int,
    limit_s: float,
    egress: np.ndarray,
) -> np.ndarray:
    """One Dijkstra over the time-expanded graph of the day, extended with the origin, the
    access legs, an edge from every alighting event to every offer (its walk) and the direct
    walk: the travel time to each offer."""
    teg = time_expanded_graph(tt, TUESDAY)
    access = road_access_s(
        tt, reachable.network.modes["walk"], x, y, limit_s=tt.params.max_access_s
    )
    direct = _brute_force_walk(reachable, x, y, limit_s)
    out = offer_travel_times_dijkstra(
        tt, teg, {tt.stop_index[k]: v for k, v in access.items()}, departure_s, egress, direct
    )
    return np.where(out <= limit_s, out, np.inf)


def test_stop_offer_walks_equal_the_brute_force(tt: Timetable, reachable: ReachableOffers) -> None:
    table = stop_offer_walk_s(tt, reachable)
    limit = float(tt.params.max_access_s)
    checked = 0
    for s in np.flatnonzero(np.isfinite(table).any(axis=1))[:25]:
        exact = _brute_force_walk(reachable, float(tt.stop_x[s]), float(tt.stop_y[s]), limit)
        np.testing.assert_allclose(table[s], exact, rtol=0, atol=1e-6)
        checked += int(np.isfinite(exact).sum())
    assert checked > 30


@pytest.mark.slow
def test_transit_times_equal_the_time_expanded_brute_force(
    runtime: Runtime, tt: Timetable, reachable: ReachableOffers
) -> None:
    """Random origins near the stations (and anywhere), random departures: same times."""
    rng = np.random.default_rng(20250204)
    dept = runtime.zones["departement"].to_crs("EPSG:2154").geometry.iloc[0]
    minx, miny, maxx, maxy = dept.bounds
    inner = dept.buffer(-2000)
    egress = stop_offer_walk_s(tt, reachable)
    # Rebuild the egress table independently (brute force per stop) for the reference.
    limit_walk = float(tt.params.max_access_s)
    egress_ref = np.full_like(egress, np.inf)
    for s in range(tt.n_stops):
        try:
            egress_ref[s] = _brute_force_walk(
                reachable, float(tt.stop_x[s]), float(tt.stop_y[s]), limit_walk
            )
        except LookupError:  # stops outside the road network's coverage
            continue
    origins: list[tuple[float, float]] = []
    stations = np.flatnonzero(np.isfinite(egress).any(axis=1))
    while len(origins) < 12:
        if len(origins) < 9:
            s = int(rng.choice(stations))
            x = float(tt.stop_x[s] + rng.uniform(-1500, 1500))
            y = float(tt.stop_y[s] + rng.uniform(-1500, 1500))
        else:
            x, y = float(rng.uniform(minx, maxx)), float(rng.uniform(miny, maxy))
        if shapely.contains_xy(inner, x, y):
            origins.append((x, y))
    limit_s = 7200.0
    by_ride = 0
    for x, y in origins:
        departure = int(rng.integers(6 * 3600, 18 * 3600))
        fast = transit_offer_times(tt, reachable, "walk", x, y, departure, TUESDAY, limit_s=limit_s)
        slow = _brute_force_transit(tt, reachable, x, y, departure, limit_s, egress_ref)
        assert np.array_equal(np.isfinite(fast.travel_time_s), np.isfinite(slow))
        ok = np.isfinite(slow)
        np.testing.assert_allclose(fast.travel_time_s[ok], slow[ok], rtol=0, atol=1e-6)
        by_ride += int((fast.stop >= 0).sum())
    assert by_ride > 20  # the comparison covers journeys by train, not only walks


def test_nevers_station_to_the_eden_in_cosne_by_the_direct_ter(
    tt: Timetable, reachable: ReachableOffers
) -> None:
    x, y = _station_xy(tt, NEVERS)
    times = transit_offer_times(tt, reachable, "walk", x, y, 8 * 3600, TUESDAY, limit_s=7200)
    ids = times.direct.egress.offer_ids
    ranked = rank_transit_offers(times, ids)
    ranked_ids = [str(ids[r]) for r in ranked.rows]
    assert EDEN_COSNE in ranked_ids
    i = int(np.flatnonzero(ids[times.rows] == EDEN_COSNE)[0])
    assert times.travel_time_s[i] <= 2 * 3600
    legs = times.legs(i)
    rides = [leg for leg in legs if leg.mode == "ride"]
    assert len(rides) == 1  # the direct TER, no change
    ride = rides[0]
    assert tt.stop_station[tt.stop_index[ride.from_stop or ""]] == NEVERS
    assert tt.stop_station[tt.stop_index[ride.to_stop or ""]] == COSNE
    assert (ride.departure_s, ride.arrival_s) == (8 * 3600 + 35 * 60, 9 * 3600 + 25 * 60)
    assert legs[-1].mode == "walk"
    assert legs[-1].to_stop is None
    assert legs[-1].arrival_s - 8 * 3600 == pytest.approx(times.travel_time_s[i], abs=1)
    # Ranked by time: every offer before it arrives no later.
    position = ranked_ids.index(EDEN_COSNE)
    assert all(times.travel_time_s[j] <= times.travel_time_s[i] for j in ranked.order[:position])


def test_a_village_far_from_any_line_reaches_only_walkable_offers(
    runtime: Runtime, tt: Timetable, reachable: ReachableOffers
) -> None:
    x, y = _commune_xy(runtime, DUN_LES_PLACES)
    times = transit_offer_times(tt, reachable, "walk", x, y, 8 * 3600, TUESDAY, limit_s=3600)
    assert times.access_stops == 0
    assert (times.stop < 0).all()  # no ride
    walk = offer_travel_times(reachable, "walk", x, y, limit_s=3600)
    np.testing.assert_array_equal(times.travel_time_s, walk.travel_time_s)
    # The same village by car to the station (park and ride) does reach offers by train.
    drive = transit_offer_times(tt, reachable, "drive", x, y, 8 * 3600, TUESDAY, limit_s=7200)
    assert drive.access_stops > 0


def _last_direct_departure(settings: Settings, tt: Timetable, day: date) -> int:
    """From stop_times: the last trip running on `day` that leaves La Charité for Nevers."""
    folder = settings.data_dir / str(settings.get("transit.out_subdir", "transit"))
    tables = read_gtfs_dir(folder)
    st = tables.stop_times.merge(tables.trips[["trip_id", "service_id"]], on="trip_id")
    stations = dict(zip(tt.stop_ids, tt.stop_station, strict=True))
    st = st.assign(station=st["stop_id"].map(stations), seq=st["stop_sequence"].astype(int))
    active = tt.services_active_on(day)
    running = {sid for sid, ok in zip(tt.service_ids, active, strict=True) if ok}
    st = st[st["service_id"].isin(running)]
    board = st[(st["station"] == LA_CHARITE) & (st["pickup_type"] != "1")]
    alight = st[(st["station"] == NEVERS) & (st["drop_off_type"] != "1")]
    pairs = board.merge(alight, on="trip_id", suffixes=("_b", "_a"))
    pairs = pairs[pairs["seq_b"] < pairs["seq_a"]]
    seconds = pd.to_timedelta(pairs["departure_time_b"]).dt.total_seconds().astype(int)
    return int(seconds.max())


def test_last_way_home_from_la_charite_to_nevers(
    settings: Settings, runtime: Runtime, tt: Timetable, reachable: ReachableOffers
) -> None:
    """The evening's last train La Charité → Nevers, read off stop_times, is the way back."""
    last = _last_direct_departure(settings, tt, TUESDAY)
    assert 18 * 3600 <= last < 24 * 3600
    offers = reachable.offers
    row = int(np.flatnonzero((offers["commune_code"] == "58059").to_numpy())[0])
    x, y = _station_xy(tt, NEVERS)
    back = latest_returns(tt, reachable, "walk", x, y, 86_400, TUESDAY, rows=[row])
    legs = back.legs(0)
    rides = [leg for leg in legs if leg.mode == "ride"]
    assert rides, "a way home by train"
    assert tt.stop_station[tt.stop_index[rides[0].from_stop or ""]] == LA_CHARITE
    assert rides[0].departure_s == last
    assert legs[0].departure_s == pytest.approx(back.departure_s[0], abs=1)
    assert legs[-1].arrival_s <= 86_400
