"""Travel saved by shared rides: an estimate from the engine's times, not measured trips.

For each accepted booking with a pick-up point R on a ride from D to E (outbound only):

- alone: the rider's drive time and road distance R → E;
- detour: the driver's extra time and distance to pick the rider up,
  (D → R) + (R → E) − (D → E), never below 0;
- saved: alone − detour (minutes and km), negative when the detour costs more than the
  rider's own trip.

Each leg is door to door by the drive engine with the ranking's travel model
(:func:`geoservice.core.reachable.offer_travel_times`, as ``/reachable?mode=drive`` and the
ride matching). The figure is what the booked seats would save if the trips took place as
booked; nobody measures the trips.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from geoservice.core.reachable import offer_travel_times, route_to_offer
from geoservice.core.reachable_offers import ReachableOffers
from geoservice.core.ride_matching import RIDE_MODE, points_as_offers
from geoservice.core.snapping import lambert93_from_wgs84
from geoservice.errors import OutsideCoverageError


def _leg(
    catalogue: ReachableOffers, origin: tuple[float, float], rows: Sequence[int]
) -> list[tuple[float, float]]:
    """Door-to-door (seconds, metres) from `origin` (lon, lat) to each catalogue row."""
    x, y = lambert93_from_wgs84(*origin)
    times = offer_travel_times(catalogue, RIDE_MODE, float(x), float(y), rows=list(rows))
    out = []
    for i in range(len(rows)):
        route = route_to_offer(times, i)
        out.append((route.travel_time_s, route.distance_m))
    return out


def ride_savings(
    reachable: ReachableOffers,
    rides: Sequence[Mapping[str, Any]],
    bookings: Sequence[Mapping[str, Any]],
) -> pd.DataFrame:
    """Per pick-up commune (``commune_code``, ``indicator``, ``value``): the estimated
    ``rides.minutes_saved`` and ``rides.car_km_saved`` of the accepted bookings.

    Bookings without a pick-up point, and legs the engine cannot route (outside coverage,
    unreached), are left out.
    """
    by_id = {r["ride_id"]: r for r in rides}
    usable = [
        b
        for b in bookings
        if b["ride_id"] in by_id
        and b.get("pickup_lon") is not None
        and b.get("pickup_lat") is not None
    ]
    if not usable:
        return pd.DataFrame(columns=["commune_code", "indicator", "value"])
    points: dict[str, tuple[float, float]] = {}
    for b in usable:
        ride = by_id[b["ride_id"]]
        points[f"impact-destination:{ride['ride_id']}"] = (
            float(ride["destination_lon"]),
            float(ride["destination_lat"]),
        )
        points[f"impact-pickup:{len(points)}"] = (float(b["pickup_lon"]), float(b["pickup_lat"]))
    extra = points_as_offers(points)
    catalogue = reachable.with_offers(extra)
    row = {oid: i for i, oid in enumerate(catalogue.offers["offer_id"])}
    rows: list[tuple[str | None, str, float]] = []
    pickups = [k for k in points if k.startswith("impact-pickup:")]
    for b, pickup in zip(usable, pickups, strict=True):
        ride = by_id[b["ride_id"]]
        dest = row[f"impact-destination:{ride['ride_id']}"]
        try:
            ((alone_s, alone_m),) = _leg(catalogue, points[pickup], [dest])
            (direct_s, direct_m), (to_rider_s, to_rider_m) = _leg(
                catalogue,
                (float(ride["departure_lon"]), float(ride["departure_lat"])),
                [dest, row[pickup]],
            )
        except OutsideCoverageError:
            continue
        legs = (alone_s, direct_s, to_rider_s)
        if not all(t < float("inf") for t in legs):
            continue
        detour_s = max(0.0, to_rider_s + alone_s - direct_s)
        detour_m = max(0.0, to_rider_m + alone_m - direct_m)
        code = b.get("pickup_commune_code")
        rows.append((code, "rides.minutes_saved", (alone_s - detour_s) / 60))
        rows.append((code, "rides.car_km_saved", (alone_m - detour_m) / 1000))
    frame = pd.DataFrame(rows, columns=["commune_code", "indicator", "value"])
    return frame.dropna(subset=["commune_code"])
