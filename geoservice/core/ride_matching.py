"""Riders ↔ rides: the driver's detour to pick a rider up, on the road network.

For a ride from D to an event E and a rider at R, the detour is the time of D → R → E minus
the time of D → E, each leg door to door by the drive engine with the ranking's travel model
(:func:`geoservice.core.reachable.offer_travel_times`: access leg, roads, egress leg), so the
legs are the times ``/reachable?mode=drive`` gives. A ride matches when the detour is within
the driver's maximum.

The rider's point and the destinations are rows of an offer catalogue
(:class:`~geoservice.core.reachable_offers.ReachableOffers`): events are offers already, and
a plain point joins the catalogue as a pseudo-offer (:func:`points_as_offers`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from geoservice.core.offers import OFFER_COLUMNS
from geoservice.core.reachable import offer_travel_times
from geoservice.core.reachable_offers import ReachableOffers

#: Rides are driven.
RIDE_MODE = "drive"


def points_as_offers(points: Mapping[str, tuple[float, float]]) -> gpd.GeoDataFrame:
    """Points (id → lon, lat, EPSG:4326) as rows of the offers schema, to join a catalogue.

    Only ``offer_id`` and the geometry are set; the ids must not be offer ids.
    """
    rows = [
        {**dict.fromkeys(OFFER_COLUMNS), "offer_id": key, "geometry": shapely.Point(lon, lat)}
        for key, (lon, lat) in points.items()
    ]
    return gpd.GeoDataFrame(
        rows, columns=[*OFFER_COLUMNS, "geometry"], geometry="geometry", crs="EPSG:4326"
    )


@dataclass(frozen=True)
class RideLeg:
    """A ride to match: where it leaves (EPSG:2154), the catalogue row of its destination,
    and the driver's largest detour (s)."""

    ride_id: int
    departure_m: tuple[float, float]
    destination_row: int
    max_detour_s: float


@dataclass(frozen=True)
class RideDetour:
    """A ride's times for one rider, seconds.

    ``detour_s`` is ``to_rider_s + rider_to_destination_s - direct_s``, never below 0
    (the access and egress legs of the travel model can make D → R → E a few seconds
    shorter than D → E when R lies on the way).
    """

    ride_id: int
    direct_s: float
    to_rider_s: float
    rider_to_destination_s: float
    detour_s: float


def ride_detours(
    catalogue: ReachableOffers,
    rider_m: tuple[float, float],
    rider_row: int,
    rides: Sequence[RideLeg],
    *,
    limit_s: float = np.inf,
) -> list[RideDetour]:
    """The rides whose detour to pick the rider up is within their driver's maximum,
    smallest detour first (ties by ride id).

    Parameters
    ----------
    catalogue
        Holds the destinations and the rider's point (row `rider_row`).
    rider_m
        The rider's point, EPSG:2154 metres.
    rides
        The candidate rides.
    limit_s
        Search bound of each leg, seconds.

    Raises
    ------
    OutsideCoverageError
        The rider's point is outside the road network's coverage.
    """
    if not rides:
        return []
    destinations = np.unique([r.destination_row for r in rides])
    from_rider = offer_travel_times(
        catalogue, RIDE_MODE, *rider_m, limit_s=limit_s, rows=destinations
    )
    to_destination = dict(
        zip(destinations.tolist(), from_rider.travel_time_s.tolist(), strict=True)
    )
    out: list[RideDetour] = []
    for ride in rides:
        times = offer_travel_times(
            catalogue,
            RIDE_MODE,
            *ride.departure_m,
            limit_s=limit_s,
            rows=[ride.destination_row, rider_row],
        )
        direct_s, to_rider_s = (float(t) for t in times.travel_time_s)
        onward_s = float(to_destination[ride.destination_row])
        if not (np.isfinite(direct_s) and np.isfinite(to_rider_s) and np.isfinite(onward_s)):
            continue
        detour_s = max(0.0, to_rider_s + onward_s - direct_s)
        if detour_s <= ride.max_detour_s:
            out.append(RideDetour(ride.ride_id, direct_s, to_rider_s, onward_s, detour_s))
    out.sort(key=lambda d: (d.detour_s, d.ride_id))
    return out
