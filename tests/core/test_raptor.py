"""RAPTOR against the feed: brute-force equality, real journeys, transfers, windows, reverse."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from geoservice.core.raptor import UNREACHED, Leg, earliest_arrival, earliest_arrival_window
from geoservice.core.raptor_reverse import latest_departure
from geoservice.core.timeexpanded import earliest_arrival_dijkstra, time_expanded_graph
from geoservice.core.timetable import Timetable
from geoservice.core.timetable_build import timetable_from_tables
from geoservice.core.transit_access import walk_access_s
from geoservice.io.gtfs import read_gtfs_dir
from geoservice.settings import Settings

TUESDAY = date(2025, 2, 4)
NEVERS = "ter:StopArea:OCE87696005"
COSNE = "ter:StopArea:OCE87696146"
LA_CHARITE = "ter:StopArea:OCE87696195"
IMPHY_TRAIN = "ter:StopPoint:OCETrain TER-87696450"
SAINCAIZE = "ter:StopArea:OCE87696260"


def _hm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _station_access(tt: Timetable, station: str) -> dict[str, float]:
    return {tt.stop_ids[i]: 0 for i in tt.stops_of_station(station)}


@pytest.mark.slow
@pytest.mark.parametrize("day", [TUESDAY, date(2025, 2, 8), date(2025, 2, 9)])
def test_earliest_arrival_equals_time_expanded_dijkstra(timetable: Timetable, day: date) -> None:
    """Seeded random origins and times: every stop's arrival equals the brute-force search."""
    teg = time_expanded_graph(timetable, day)
    rng = random.Random(20250204 + day.day)
    reached_any = 0
    for _ in range(60):
        origin = rng.randrange(timetable.n_stops)
        t0 = rng.randrange(4 * 3600, 22 * 3600)
        fast = earliest_arrival(timetable, {timetable.stop_ids[origin]: 0}, t0, day, max_rides=64)
        slow = earliest_arrival_dijkstra(timetable, teg, {origin: 0}, t0)
        np.testing.assert_array_equal(fast.arrival_s, slow)
        reached_any += int((slow < UNREACHED).sum() > 1)
    assert reached_any > 20  # the comparison is not trivially between empty results


def test_nevers_to_cosne_and_la_charite_tuesday_0800(timetable: Timetable) -> None:
    """Read off stop_times: the TER leaving Nevers 08:35 reaches La Charité 08:59, Cosne 09:25."""
    result = earliest_arrival(timetable, _station_access(timetable, NEVERS), 8 * 3600, TUESDAY)
    cosne = result.arrival_at(COSNE)
    charite = result.arrival_at(LA_CHARITE)
    assert cosne is not None
    assert _hm(cosne) == "09:25"
    assert charite is not None
    assert _hm(charite) == "08:59"
    stop = min(timetable.stops_of_station(COSNE), key=lambda i: result.arrival_s[i])
    rides = [leg for leg in result.legs_to(stop) if leg.mode == "ride"]
    assert len(rides) == 1
    assert _hm(rides[0].departure_s) == "08:35"
    assert rides[0].from_stop in timetable.stops_of_station(NEVERS) or rides[0].from_stop
    assert timetable.stop_station[timetable.stop_index[rides[0].from_stop or ""]] == NEVERS
    assert result.service_date.used == TUESDAY


def _check_transfers(tt: Timetable, legs: list[Leg]) -> None:
    """Between two rides, the change time (same stop) or the footpath time is respected."""
    for i in range(1, len(legs)):
        prev, cur = legs[i - 1], legs[i]
        if cur.mode != "ride":
            continue
        if prev.mode == "ride":
            assert prev.to_stop == cur.from_stop
            s = tt.stop_index[cur.from_stop or ""]
            assert cur.departure_s >= prev.arrival_s + tt.change_s[s]
        elif i >= 2 and legs[i - 2].mode == "ride":
            a = tt.stop_index[prev.from_stop or ""]
            b = tt.stop_index[prev.to_stop or ""]
            duration = dict(tt.footpaths[a])[b]
            assert prev.arrival_s == legs[i - 2].arrival_s + duration
            assert cur.departure_s >= prev.arrival_s


def test_change_at_nevers_respects_transfer_time(timetable: Timetable) -> None:
    """Imphy → La Charité needs a change at Nevers; a longer change time loses the connection."""
    result = earliest_arrival(timetable, {IMPHY_TRAIN: 0}, 7 * 3600, TUESDAY)
    target = min(timetable.stops_of_station(LA_CHARITE), key=lambda i: result.arrival_s[i])
    legs = result.legs_to(target)
    rides = [leg for leg in legs if leg.mode == "ride"]
    assert len(rides) == 2
    change_stop = timetable.stop_index[rides[0].to_stop or ""]
    assert timetable.stop_station[change_stop] in (NEVERS, SAINCAIZE)
    _check_transfers(timetable, legs)
    slack = rides[1].departure_s - rides[0].arrival_s
    # Demand one minute more than this connection allows: the answer must get later.
    strict = replace(
        timetable,
        change_s=tuple(slack + 60 for _ in timetable.change_s),
        _active_cache={},
        stop_snaps={},
    )
    later = earliest_arrival(strict, {IMPHY_TRAIN: 0}, 7 * 3600, TUESDAY)
    assert int(later.arrival_s[target]) > int(result.arrival_s[target])


def test_itineraries_respect_transfers_and_max_walk(timetable: Timetable) -> None:
    rng = random.Random(7)
    walks = 0
    for _ in range(40):
        origin = rng.randrange(timetable.n_stops)
        t0 = rng.randrange(5 * 3600, 19 * 3600)
        result = earliest_arrival(timetable, {timetable.stop_ids[origin]: 0}, t0, TUESDAY)
        for stop in np.flatnonzero(result.arrival_s < UNREACHED):
            legs = result.legs_to(int(stop))
            assert legs[-1].arrival_s == result.arrival_s[stop]
            _check_transfers(timetable, legs)
            for leg in legs:
                assert leg.departure_s <= leg.arrival_s
                if leg.mode == "walk" and leg.distance_m is not None:
                    assert leg.distance_m <= timetable.params.max_transfer_walk_m
                    walks += 1
    assert walks > 0


def test_smaller_walk_limit_removes_long_footpaths(settings: Settings) -> None:
    tables = read_gtfs_dir(settings.data_dir / "transit")
    from geoservice.core.timetable import transit_params_from_settings

    params = replace(transit_params_from_settings(settings), max_transfer_walk_m=50.0)
    tt = timetable_from_tables(tables, params)
    for a, paths in enumerate(tt.footpaths):
        for b, _ in paths:
            assert np.hypot(tt.stop_x[a] - tt.stop_x[b], tt.stop_y[a] - tt.stop_y[b]) <= 50.0


def test_window_matches_minute_by_minute_searches(timetable: Timetable) -> None:
    access = _station_access(timetable, NEVERS)
    start, minutes = 7 * 3600, 45
    window = earliest_arrival_window(timetable, access, start, minutes, TUESDAY)
    per_minute = np.stack(
        [
            earliest_arrival(timetable, access, start + 60 * m, TUESDAY).arrival_s
            - (start + 60 * m)
            for m in range(minutes)
        ]
    )
    per_minute = np.where(per_minute < UNREACHED - 86_400, per_minute, UNREACHED)
    np.testing.assert_array_equal(window.best_travel_time_s, per_minute.min(axis=0))
    np.testing.assert_array_equal(
        window.median_travel_time_s, np.sort(per_minute, axis=0)[(minutes - 1) // 2]
    )
    assert len(window.searches) < minutes
    cosne = min(timetable.stops_of_station(COSNE), key=lambda i: window.best_travel_time_s[i])
    assert window.best_travel_time_s[cosne] <= window.median_travel_time_s[cosne]


def test_latest_departure_is_tight(timetable: Timetable) -> None:
    """Leaving at the latest departure arrives in time; leaving one second later does not."""
    rng = random.Random(11)
    checked = 0
    cosne_stops = [timetable.stop_ids[i] for i in timetable.stops_of_station(COSNE)]
    result = latest_departure(timetable, dict.fromkeys(cosne_stops, 0), 10 * 3600, TUESDAY)
    latest = result.latest()
    nevers_train = "ter:StopPoint:OCETrain TER-87696005"
    assert _hm(latest[nevers_train]) == "08:35"
    cosne_idx = [timetable.stop_index[s] for s in cosne_stops]

    def ride_arrival(stop_id: str, dep: int) -> int:
        search = earliest_arrival(timetable, {stop_id: 0}, dep, TUESDAY)
        return int(min(search.ride_arrival_s[i] for i in cosne_idx))

    candidates = sorted(set(latest) - set(cosne_stops))
    for stop_id in rng.sample(candidates, min(25, len(candidates))):
        dep = latest[stop_id]
        assert ride_arrival(stop_id, dep) <= 10 * 3600
        assert ride_arrival(stop_id, dep + 1) > 10 * 3600
        checked += 1
    assert checked > 5
    legs = result.legs_from(timetable.stop_index[nevers_train])
    assert legs[0].from_stop == nevers_train
    assert legs[0].departure_s == latest[nevers_train]
    assert legs[-1].arrival_s <= 10 * 3600


def test_far_village_not_reachable_by_walk_and_train(timetable: Timetable) -> None:
    """Dun-les-Places (Morvan, EPSG:2154 ≈ 771 km E, 6 686 km N) is far from every stop."""
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True).transform(4.0097, 47.2797)
    access = walk_access_s(timetable, x, y)
    result = earliest_arrival(timetable, access, 8 * 3600, TUESDAY)
    within_hour = result.arrival_s[result.arrival_s <= 9 * 3600]
    assert within_hour.size == 0


def test_walk_access_near_nevers_station(timetable: Timetable) -> None:
    i = timetable.stop_index["ter:StopPoint:OCETrain TER-87696005"]
    access = walk_access_s(timetable, float(timetable.stop_x[i]) + 300, float(timetable.stop_y[i]))
    assert access["ter:StopPoint:OCETrain TER-87696005"] == pytest.approx(
        300 * timetable.params.detour_factor / timetable.params.walk_speed_mps, abs=1
    )
    for stop_id in access:
        j = timetable.stop_index[stop_id]
        d = np.hypot(
            timetable.stop_x[j] - timetable.stop_x[i] - 300,
            timetable.stop_y[j] - timetable.stop_y[i],
        )
        assert d <= timetable.params.max_access_walk_m


def test_unknown_stop_and_negative_access_are_errors(timetable: Timetable) -> None:
    from geoservice.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError):
        earliest_arrival(timetable, {"nope": 0}, 8 * 3600, TUESDAY)
    with pytest.raises(InvalidParameterError):
        earliest_arrival(timetable, {"ter:StopPoint:OCETrain TER-87696005": -5}, 8 * 3600, TUESDAY)
    empty = earliest_arrival(timetable, {}, 8 * 3600, TUESDAY)
    assert empty.reached() == {}


def test_date_outside_validity_answers_with_mapped_date(timetable: Timetable) -> None:
    result = earliest_arrival(
        timetable, _station_access(timetable, NEVERS), 8 * 3600, date(2026, 11, 24)
    )
    assert result.service_date.used == date(2025, 1, 28)
    assert "outside" in result.service_date.reason
    assert result.arrival_at(LA_CHARITE) is not None
