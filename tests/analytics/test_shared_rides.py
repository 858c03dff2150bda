"""Inhabitants reached by shared ride: the rule on three communes in a line."""

from __future__ import annotations

import numpy as np

from geoservice.analytics.shared_rides import RideStart, shared_ride_reach

CODES = ["A", "B", "C"]
POPULATION = np.array([100, 20, 3])
X_M = np.array([0.0, 9_000.0, 30_000.0])
Y_M = np.zeros(3)


def test_only_communes_beyond_the_threshold_with_a_ride_nearby_count() -> None:
    # A: 40 min away, ride at 0 m; B: 10 min away (within 15), ride at 9 km;
    # C: out of reach, but 30 km from the ride.
    times = np.array([2400.0, 600.0, np.nan])
    ride = RideStart(ride_id=1, x_m=0.0, y_m=0.0, free_seats=2)
    reach = shared_ride_reach(
        times, POPULATION, CODES, X_M, Y_M, [ride], nearby_m=10_000, thresholds_minutes=[15, 5]
    )
    assert (reach.rides, reach.seats_offered) == (1, 2)
    rows = reach.thresholds.to_dict(orient="records")
    assert rows[0]["commune_codes"] == ["A"]
    assert rows[0]["population_by_shared_ride"] == 100
    assert rows[1]["commune_codes"] == ["A", "B"]
    assert rows[1]["population_by_shared_ride"] == 120
    assert (rows[1]["rides_used"], rows[1]["seats_offered_used"]) == (1, 2)
    far = RideStart(ride_id=2, x_m=30_000.0, y_m=0.0, free_seats=1)
    reach = shared_ride_reach(
        times, POPULATION, CODES, X_M, Y_M, [far], nearby_m=10_000, thresholds_minutes=[15]
    )
    assert reach.thresholds.iloc[0]["commune_codes"] == ["C"]  # out of reach counts as beyond


def test_no_ride_counts_nobody() -> None:
    reach = shared_ride_reach(
        np.full(3, np.inf), POPULATION, CODES, X_M, Y_M, [], nearby_m=10_000,
        thresholds_minutes=[30],
    )  # fmt: skip
    assert (reach.rides, reach.seats_offered) == (0, 0)
    assert reach.thresholds.iloc[0]["population_by_shared_ride"] == 0
    assert reach.thresholds.iloc[0]["rides_used"] == 0
