"""The routes of all ranked offers at once equal the per-offer walk of the tree (reference)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geoservice.core.offer_routes import routes_to_offers
from geoservice.core.reachable import offer_travel_times, rank_reachable_offers, route_to_offer
from geoservice.core.reachable_offers import ReachableOffers
from geoservice.runtime import Runtime
from tests.core.points import random_points

#: Budgets that reach many offers in each mode.
LIMIT_S = {"drive": 3600.0, "bike": 4 * 3600.0, "walk": 8 * 3600.0}


@pytest.mark.parametrize("mode", ["drive", "bike", "walk"])
def test_routes_of_all_offers_equal_the_reference_walk(
    runtime: Runtime, reachable: ReachableOffers, mode: str
) -> None:
    checked = mid_edge = direct = 0
    for x, y in random_points(runtime, 6, seed=18 + len(mode)):
        times = offer_travel_times(reachable, mode, x, y, limit_s=LIMIT_S[mode])
        reached = np.flatnonzero(np.isfinite(times.travel_time_s))
        routes = routes_to_offers(times, reached, with_geometry=True)
        assert len(routes) == len(reached)
        for k, i in enumerate(reached.tolist()):
            ref = route_to_offer(times, i, with_geometry=True)
            got = routes.route(k)
            assert got.travel_time_s == pytest.approx(ref.travel_time_s, rel=1e-12, abs=1e-9)
            assert got.travel_time_s == pytest.approx(times.travel_time_s[i], abs=1e-6)
            assert got.distance_m == pytest.approx(ref.distance_m, rel=1e-12, abs=1e-9)
            for leg in ("access_s", "network_s", "egress_s"):
                assert getattr(got, leg) == pytest.approx(getattr(ref, leg), rel=1e-12, abs=1e-9)
            assert got.route_refs == ref.route_refs
            assert ref.geometry is not None
            assert got.geometry is not None
            assert np.array_equal(
                shapely.get_coordinates(got.geometry), shapely.get_coordinates(ref.geometry)
            )
            checked += 1
            direct += int(times.edge[i] < 0)
            mid_edge += int(ref.network_s > 0 and len(ref.route_refs) > 0)
    # The comparison saw many routes, through the network with road refs.
    assert checked > 100
    assert mid_edge > 30


def test_a_direct_trip_and_an_empty_ranking(reachable: ReachableOffers, runtime: Runtime) -> None:
    """An origin on an offer's point goes straight to it; nothing asked: nothing built."""
    offer = reachable.offers.geometry.to_crs("EPSG:2154").iloc[0]
    times = offer_travel_times(reachable, "walk", offer.x, offer.y, limit_s=600.0)
    i = int(np.argmin(times.travel_time_s))
    routes = routes_to_offers(times, [i], with_geometry=True)
    ref = route_to_offer(times, i, with_geometry=True)
    assert times.edge[i] < 0  # the direct leg, 0 m
    assert routes.route(0) == ref
    empty = routes_to_offers(times, np.zeros(0, dtype=np.int64))
    assert len(empty) == 0
    assert empty.route_refs == ()


def test_the_ranking_carries_the_same_routes(runtime: Runtime, reachable: ReachableOffers) -> None:
    x, y = random_points(runtime, 1, seed=7)[0]
    ranked = rank_reachable_offers(reachable, "drive", (x, y), max_minutes=60, limit=200)
    times = offer_travel_times(reachable, "drive", x, y, limit_s=3600.0)
    position = {int(r): k for k, r in enumerate(times.rows.tolist())}
    assert ranked.total == len(ranked.rows) > 50
    for row, route in zip(ranked.rows.tolist(), ranked.routes, strict=True):
        ref = route_to_offer(times, position[row])
        assert route.route_refs == ref.route_refs
        assert route.distance_m == pytest.approx(ref.distance_m, rel=1e-12)
    frame = ranked.to_frame(reachable.offers)
    assert frame["travel_time_s"].is_monotonic_increasing
    assert frame["path"].isna().all()
