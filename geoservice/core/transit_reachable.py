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

The way home (:func:`latest_returns`) runs the same model backwards: one latest-departure
search to the origin (:func:`geoservice.core.raptor.latest_departure`) gives, for every stop,
the last boarding that still arrives by the deadline; an offer is left that late minus its
walk to the stop. Walk times are taken as symmetric (same walk graph both ways).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from geoservice.core.raptor import (
    UNREACHED,
    EarliestArrival,
    LatestDeparture,
    Leg,
    earliest_arrival,
    latest_departure,
)
from geoservice.core.reachable import OfferTimes, offer_travel_times
from geoservice.core.reachable_offers import ReachableOffers
from geoservice.core.routing import FloatArray, IntArray
from geoservice.core.timetable import ServiceDate, Timetable
from geoservice.core.transit_access import road_access_s
from geoservice.errors import InvalidParameterError

#: The walk from the last stop to an offer (or from an offer to the first stop home).
EGRESS_MODE = "walk"


@dataclass(frozen=True)
class ReturnParams:
    """Getting home (``[trips]`` of ``config/transit.toml``).

    Attributes
    ----------
    default_stay_minutes
        Time spent at an offer before going home when a request gives none.
    return_arrive_by_s
        The way back must arrive home by this time, seconds after midnight (86400 = 24:00,
        "the same day").
    """

    default_stay_minutes: int = 120
    return_arrive_by_s: int = 86_400

    @classmethod
    def from_section(cls, section: Mapping[str, Any]) -> ReturnParams:
        """Parse ``[trips]`` (missing keys take the defaults)."""
        try:
            params = cls(
                default_stay_minutes=int(section.get("default_stay_minutes", 120)),
                return_arrive_by_s=int(section.get("return_arrive_by_s", 86_400)),
            )
        except (TypeError, ValueError) as e:
            raise InvalidParameterError("trips", f"[trips] values must be integers: {e}") from e
        if params.default_stay_minutes < 0 or not 0 < params.return_arrive_by_s <= 2 * 86_400:
            msg = "trips.default_stay_minutes must be >= 0, return_arrive_by_s in (0, 172800]"
            raise InvalidParameterError("trips", msg)
        return params


def _with_access_mode(leg: Leg, access_mode: str) -> Leg:
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
            _with_access_mode(leg, self.access_mode) for leg in self.search.legs_to(s, by_ride=True)
        ]
        arrive = int(self.search.ride_arrival_s[s])
        walk = round(float(self.egress_s[i]))
        stop_id = self.search.timetable.stop_ids[s]
        return [*legs, Leg(EGRESS_MODE, stop_id, None, arrive, arrive + walk)]


def _best_stop_per_row(times_s: FloatArray, *, latest: bool) -> tuple[IntArray, FloatArray]:
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
    field: str = "location",
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
    OutsideCoverageError
        The origin is outside the road network's coverage (naming `field`).
    """
    if not limit_s > 0:
        raise InvalidParameterError("max_minutes", f"the time budget must be > 0, got {limit_s}")
    network = reachable.network
    access_net = network.mode(access_mode, field="access_mode")
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
    stop, via_s = _best_stop_per_row(ride[:, None] + walk, latest=False)
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


@dataclass(frozen=True)
class LatestReturns:
    """The last way home from each offer, arriving by a deadline.

    Attributes
    ----------
    service_date
        Timetable day used, and why.
    arrive_by_s
        The deadline at home, seconds after midnight of the day.
    rows
        Offer positions.
    departure_s
        Per row: latest time to leave the offer, seconds; ``-inf`` if no way home.
    stop
        Per row: the stop walked to (−1: going home directly by the access mode).
    walk_s
        Per row: the walk from the offer to that stop (or the direct trip home), seconds.
    search
        The latest-departure search to home.
    access_mode
        From the last stop to home (walk, bike, drive).
    """

    service_date: ServiceDate
    arrive_by_s: int
    rows: IntArray
    departure_s: FloatArray
    stop: IntArray
    walk_s: FloatArray
    search: LatestDeparture
    access_mode: str

    def legs(self, i: int) -> list[Leg]:
        """The itinerary home from the `i`-th row, leaving at its latest departure."""
        dep = float(self.departure_s[i])
        if not np.isfinite(dep):
            return []
        walk = round(float(self.walk_s[i]))
        s = int(self.stop[i])
        if s < 0:
            return [Leg(self.access_mode, None, None, round(dep), round(dep) + walk)]
        board = int(self.search.departure_s[s])
        tt_ids = self.search._search.timetable.stop_ids
        back = [_with_access_mode(leg, self.access_mode) for leg in self.search.legs_from(s)]
        return [Leg(EGRESS_MODE, None, tt_ids[s], board - walk, board), *back]


def latest_returns(
    tt: Timetable,
    reachable: ReachableOffers,
    access_mode: str,
    home_x_m: float,
    home_y_m: float,
    arrive_by_s: int,
    day: date,
    *,
    rows: npt.ArrayLike | None = None,
    field: str = "location",
) -> LatestReturns:
    """Latest departure from each offer to be home (EPSG:2154 point) by `arrive_by_s` on `day`.

    Walk from the offer to a stop (the egress table read backwards), vehicles, then the
    access mode from the last stop home; or the access mode straight home. Offers with no
    way back get ``-inf``.

    Raises
    ------
    OutsideCoverageError
        Home is outside the road network's coverage (naming `field`).
    """
    network = reachable.network
    home_net = network.mode(access_mode, field="access_mode")
    chosen = np.arange(len(reachable.offers)) if rows is None else np.asarray(rows, dtype=int)
    home = road_access_s(tt, home_net, home_x_m, home_y_m)
    search = latest_departure(tt, home, arrive_by_s, day)
    board = np.where(search.departure_s > -UNREACHED, search.departure_s.astype(float), -np.inf)
    walk = stop_offer_walk_s(tt, reachable)[:, chosen]
    stop, via = _best_stop_per_row(board[:, None] - walk, latest=True)
    limit = float(arrive_by_s) if arrive_by_s > 0 else 0.0
    direct = offer_travel_times(
        reachable, access_mode, home_x_m, home_y_m, limit_s=limit, rows=chosen
    )
    direct_dep = arrive_by_s - direct.travel_time_s
    use_direct = direct_dep >= via
    departure = np.where(use_direct, direct_dep, via)
    ok = np.isfinite(departure)
    stop = np.where(use_direct | ~ok, -1, stop).astype(np.int64)
    walk_s = np.where(
        stop >= 0,
        walk[np.maximum(stop, 0), np.arange(len(chosen))],
        np.where(ok, direct.travel_time_s, np.inf),
    )
    return LatestReturns(
        service_date=search.service_date,
        arrive_by_s=arrive_by_s,
        rows=chosen,
        departure_s=departure,
        stop=stop,
        walk_s=walk_s,
        search=search,
        access_mode=access_mode,
    )
