"""Inhabitants reached "by shared ride" in a scenario: offered seats, not a transport service.

A commune counts at a threshold when, after the scenario, its nearest offer of the target is
farther than the threshold by the scenario's mode (or out of reach), and at least one open
ride with a free seat to an offer of the target leaves within the rides' pick-up radius
(``[rides] nearby_km``, straight distance in Lambert-93) of the commune's origin (its town
hall, as for every planning figure). Its inhabitants are then "reached by shared ride".

This counts people *near* a seat somebody offered, not people served: a ride with 3 free
seats makes every inhabitant of every commune near its departure count, whatever their
number. The answer therefore carries the seats offered beside the population, and the
``basis`` label :data:`BASIS`. The driver's travel time to the event is not compared with the
threshold: the ride goes there anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geoservice.core.routing import FloatArray

#: What the figures are: seats people offered, not a transport service.
BASIS = "offered seats, not a transport service"


@dataclass(frozen=True)
class RideStart:
    """An open ride to an offer of the target: its departure and free seats.

    Attributes
    ----------
    ride_id
        The ride's id.
    x_m, y_m
        Departure point, Lambert-93 metres (the stored, rounded point).
    free_seats
        Seats offered and not yet booked (``seats - seats_taken``, at least 1).
    """

    ride_id: int
    x_m: float
    y_m: float
    free_seats: int


@dataclass(frozen=True)
class SharedRideReach:
    """Population reached by shared ride, per threshold.

    Attributes
    ----------
    rides
        Open rides with a free seat to an offer of the target.
    seats_offered
        Their free seats, summed.
    thresholds
        One row per threshold: ``threshold_minutes``, ``population_by_shared_ride``,
        ``communes_by_shared_ride`` (how many), ``rides_used`` and ``seats_offered_used``
        (the rides leaving near at least one of those communes, and their free seats),
        ``commune_codes`` (the communes, sorted).
    """

    rides: int
    seats_offered: int
    thresholds: pd.DataFrame


def shared_ride_reach(
    time_s_after: FloatArray,
    population: np.ndarray,
    codes: Sequence[str],
    origin_x_m: FloatArray,
    origin_y_m: FloatArray,
    starts: Sequence[RideStart],
    *,
    nearby_m: float,
    thresholds_minutes: Sequence[float],
) -> SharedRideReach:
    """Inhabitants of the communes beyond each threshold with a ride leaving nearby.

    Parameters
    ----------
    time_s_after
        Per commune, the time to the nearest offer of the target after the scenario
        (seconds; NaN or inf when out of reach).
    population
        Per commune, inhabitants.
    codes
        Per commune, INSEE code.
    origin_x_m, origin_y_m
        Per commune, origin point (Lambert-93 metres).
    starts
        The open rides with a free seat to an offer of the target.
    nearby_m
        Pick-up radius: straight distance from a ride's departure to a commune's origin.
    thresholds_minutes
        Thresholds, minutes.
    """
    n_rides = len(starts)
    seats = np.fromiter((s.free_seats for s in starts), dtype=np.int64, count=n_rides)
    if n_rides:
        rx = np.fromiter((s.x_m for s in starts), dtype=float, count=n_rides)
        ry = np.fromiter((s.y_m for s in starts), dtype=float, count=n_rides)
        distance_m = np.hypot(origin_x_m[:, None] - rx[None, :], origin_y_m[:, None] - ry[None, :])
        near = distance_m <= nearby_m  # (communes, rides)
    else:
        near = np.zeros((len(codes), 0), dtype=bool)
    has_ride = near.any(axis=1)
    times = np.nan_to_num(np.asarray(time_s_after, dtype=float), nan=np.inf)
    pop = np.asarray(population, dtype=np.int64)
    rows = []
    for minutes in thresholds_minutes:
        counted = (times > minutes * 60) & has_ride
        used = near[counted].any(axis=0)
        rows.append(
            {
                "threshold_minutes": minutes,
                "population_by_shared_ride": int(pop[counted].sum()),
                "communes_by_shared_ride": int(counted.sum()),
                "rides_used": int(used.sum()),
                "seats_offered_used": int(seats[used].sum()),
                "commune_codes": sorted(str(c) for c, k in zip(codes, counted, strict=True) if k),
            }
        )
    return SharedRideReach(
        rides=n_rides, seats_offered=int(seats.sum()), thresholds=pd.DataFrame(rows)
    )
