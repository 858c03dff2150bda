"""Offers reached by public transport: access, trains / coaches, egress walk; and the way home.

Travel model (the transit isochrones' one, :mod:`geoservice.core.transit_isochrones`):

- **direct**: the access mode alone, straight to the offer, as the road ranking computes it
  (:func:`geoservice.core.reachable.offer_travel_times`);
- **by transit**: the access mode over the road network to the stops
  (:func:`geoservice.core.transit_access.road_access_s`), vehicles (RAPTOR,
  :func:`geoservice.core.raptor.earliest_arrival`), then a walk from the stop where one
  alights to the offer. The egress walk is the walk ranking's own door-to-door time from the
  stop to the offer (road network, leaving an edge anywhere, or straight), within
  ``max_access_s``; a walk only follows a ride (as for transfers, walks are not chained).

The travel time counts from the requested departure: waiting for the first vehicle is part
of it, as in the transit isochrones (``arrival − departure``).

The way home runs the same model backwards (:mod:`geoservice.core.way_home`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import numpy.typing as npt

from geoservice.core.raptor import (
    UNREACHED,
    EarliestArrival,
    Leg,
    earliest_arrival,
)
from geoservice.core.reachable import OfferTimes, offer_travel_times
from geoservice.core.reachable_offers import ReachableOffers
from geoservice.core.routing import FloatArray, IntArray
from geoservice.core.service_date import ServiceDate
from geoservice.core.timetable import Timetable
from geoservice.core.transit_access import road_access_s
from geoservice.errors import InvalidParameterError

#: The walk from the last stop to an offer (or from an offer to the first stop home).
EGRESS_MODE = "walk"


def with_access_mode(leg: Leg, access_mode: str) -> Leg:
    """RAPTOR's access / egress legs (no stop at one end) go by the access mode."""
    return replace(leg, mode=access_mode) if None in (leg.from_stop, leg.to_stop) else leg


def stop_offer_walk_s(tt: Timetable, reachable: ReachableOffers) -> FloatArray:
    """``(stops, offers)`` walking seconds from each stop to each offer, ``inf`` beyond reach.

    The walk ranking's door-to-door time (:func:`offer_travel_times`, mode ``walk``) from the
    stop, limited to ``tt.params.max_access_s``. Stops outside the road network's coverage
    walk nowhere. Built once per (timetable, offers) and kept with the offers
    (:meth:`ReachableOffers.per_offer_table`): a catalogue joined with posted offers reuses the
    open-data columns and computes the posted ones.
    """
    limit = float(tt.params.max_access_s)
    return reachable.per_offer_table(
        ("stop_offer_walk_s", id(tt)),
        lambda part: part.times_from_points(EGRESS_MODE, tt.stop_x, tt.stop_y, limit_s=limit),
    )


@dataclass(frozen=True)
class TransitOfferTimes:
    """Door-to-door transit times from one origin and departure to offers.

    Attributes
    ----------
    service_date
        Timetable day used, and why.
    departure_s
        Departure from the origin, seconds after midnight of the requested day.
    rows
        Offer positions (in :attr:`ReachableOffers.offers`) these times are for.
    travel_time_s
        Per row: seconds from the departure to the arrival at the offer; ``inf`` beyond the
        limit.
    stop
        Per row: stop index where the traveller alights before walking to the offer; −1
        when the direct trip by the access mode is best (or nothing is reached).
    egress_s
        Per row: the walk from that stop, seconds (0 for direct trips).
    search
        The RAPTOR search from the origin.
    direct
        The access mode's road times (direct trips).
    access_mode
        ``walk``, ``bike`` or ``drive``.
    access_stops
        Stops reached by the access leg.
    """

    service_date: ServiceDate
    departure_s: int
    rows: IntArray
    travel_time_s: FloatArray
    stop: IntArray
    egress_s: FloatArray
    search: EarliestArrival
    direct: OfferTimes
    access_mode: str
    access_stops: int

    def legs(self, i: int) -> list[Leg]:
        """The itinerary to the `i`-th row: access, rides, transfers, egress walk.

        A direct trip is one leg of the access mode (``from_stop`` and ``to_stop`` None).
        """
        if not np.isfinite(self.travel_time_s[i]):
            return []
        s = int(self.stop[i])
        if s < 0:
            t = round(float(self.travel_time_s[i]))
            return [Leg(self.access_mode, None, None, self.departure_s, self.departure_s + t)]
        legs = [
            with_access_mode(leg, self.access_mode) for leg in self.search.legs_to(s, by_ride=True)
        ]
        arrive = int(self.search.ride_arrival_s[s])
        walk = round(float(self.egress_s[i]))
        stop_id = self.search.timetable.stop_ids[s]
        return [*legs, Leg(EGRESS_MODE, stop_id, None, arrive, arrive + walk)]


def best_stop_per_row(times_s: FloatArray, *, latest: bool) -> tuple[IntArray, FloatArray]:
    """Per column of `times_s` (stops × rows): the best stop index and its time.

    Best is the earliest arrival, or with `latest` the latest departure. Without stops or
    rows: stop −1 and time ``inf`` (``-inf`` with `latest`).
    """
    n_stops, n_rows = times_s.shape
    if n_rows and n_stops:
        stop = np.argmax(times_s, axis=0) if latest else np.argmin(times_s, axis=0)
        return stop, times_s[stop, np.arange(n_rows)]
    unreached = -np.inf if latest else np.inf
    return np.full(n_rows, -1, dtype=np.int64), np.full(n_rows, unreached)


def transit_offer_times(
    tt: Timetable,
    reachable: ReachableOffers,
    access_mode: str,
    x_m: float,
    y_m: float,
    departure_s: int,
    day: date,
    *,
    limit_s: float,
    rows: npt.ArrayLike | None = None,
) -> TransitOfferTimes:
    """Transit door-to-door times (s) from a point of EPSG:2154 leaving at `departure_s` on `day`.

    Parameters
    ----------
    tt
        The timetable.
    reachable
        Offers and their road tables.
    access_mode
        How the origin reaches the stops (and the offers directly): walk, bike or drive.
    x_m, y_m
        The origin, EPSG:2154.
    departure_s
        Seconds after midnight of `day` (mapped to a service date as in RAPTOR).
    limit_s
        Time budget, seconds; offers beyond it get ``inf``.
    rows
        Offer positions to compute (default all).

    Raises
    ------
    InvalidParameterError
        Unknown mode (naming ``mode``), budget not > 0 (naming ``limit_s``).
    OutsideCoverageError
        The origin is outside the road network's coverage (naming ``location``).
    """
    if not limit_s > 0:
        raise InvalidParameterError("limit_s", f"the time budget must be > 0, got {limit_s}")
    network = reachable.network
    access_net = network.mode(access_mode)
    chosen = np.arange(len(reachable.offers)) if rows is None else np.asarray(rows, dtype=int)
    direct = offer_travel_times(reachable, access_mode, x_m, y_m, limit_s=limit_s, rows=chosen)
    access = road_access_s(
        tt, access_net, x_m, y_m, limit_s=min(limit_s, float(tt.params.max_access_s))
    )
    search = earliest_arrival(tt, access, departure_s, day)
    ride = np.where(
        search.ride_arrival_s < UNREACHED,
        search.ride_arrival_s.astype(float) - departure_s,
        np.inf,
    )
    walk = stop_offer_walk_s(tt, reachable)[:, chosen]
    stop, via_s = best_stop_per_row(ride[:, None] + walk, latest=False)
    use_direct = direct.travel_time_s <= via_s
    total = np.where(use_direct, direct.travel_time_s, via_s)
    reached = total <= limit_s
    total = np.where(reached, total, np.inf)
    stop = np.where(use_direct | ~reached, -1, stop).astype(np.int64)
    egress = np.where(stop >= 0, walk[np.maximum(stop, 0), np.arange(len(chosen))], 0.0)
    return TransitOfferTimes(
        service_date=search.service_date,
        departure_s=departure_s,
        rows=chosen,
        travel_time_s=total,
        stop=stop,
        egress_s=egress,
        search=search,
        direct=direct,
        access_mode=access_mode,
        access_stops=len(access),
    )


@dataclass(frozen=True)
class RankedTransitOffers:
    """Offers reached by transit from one origin, nearest first.

    Attributes
    ----------
    times
        The computed times (its rows are the offers considered).
    order
        Indices into ``times.rows`` of the offers kept, in rank order.
    total
        Offers reached within the budget (before any limit).
    """

    times: TransitOfferTimes
    order: IntArray
    total: int

    @property
    def rows(self) -> IntArray:
        """Offer positions in rank order."""
        return self.times.rows[self.order]


def rank_transit_offers(
    times: TransitOfferTimes,
    offer_ids: npt.NDArray[np.object_],
    *,
    keep: npt.NDArray[np.bool_] | None = None,
    limit: int | None = None,
) -> RankedTransitOffers:
    """Reached rows of `times` (and `keep`), by travel time then ``offer_id``.

    `offer_ids` are the ids of every offer (positions as in ``times.rows``).
    """
    ok = np.isfinite(times.travel_time_s)
    if keep is not None:
        ok &= keep
    reached = np.flatnonzero(ok)
    ids = offer_ids[times.rows[reached]].astype(str)
    order = reached[np.lexsort((ids, times.travel_time_s[reached]))]
    total = len(order)
    if limit is not None:
        order = order[:limit]
    return RankedTransitOffers(times=times, order=order.astype(np.int64), total=total)
