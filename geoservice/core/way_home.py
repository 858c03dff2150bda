"""The way home from an offer by public transport, and the rule "stay, then go home".

:func:`latest_returns` runs the transit model of :mod:`geoservice.core.transit_reachable`
backwards: one latest-departure search to home
(:func:`geoservice.core.raptor_reverse.latest_departure`) gives, for every stop, the last
boarding that still arrives by the deadline; an offer is left that late minus its walk to the
stop (or straight home by the access mode). Walk times are taken as symmetric (same walk
graph both ways).

:func:`ways_home_after_stay` applies the rule of a night out: arrive at the offer, stay there
``stay_minutes``, then a way home must still leave; :func:`can_get_home` is the test itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from geoservice.core.raptor import UNREACHED
from geoservice.core.raptor_result import Leg
from geoservice.core.raptor_reverse import LatestDeparture, latest_departure
from geoservice.core.reachable import ReachableOffers, offer_travel_times
from geoservice.core.routing import FloatArray, IntArray
from geoservice.core.service_date import ServiceDate
from geoservice.core.timetable import Timetable
from geoservice.core.transit_access import road_access_s
from geoservice.core.transit_reachable import (
    EGRESS_MODE,
    TransitOfferTimes,
    best_stop_per_row,
    stop_offer_walk_s,
    with_access_mode,
)
from geoservice.errors import InvalidParameterError


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

    def legs(self, i: int, ready_s: float | None = None) -> list[Leg]:
        """The itinerary home from the `i`-th row, as it is travelled.

        By train / coach: leave the offer at the latest departure (walk to the stop, board the
        last vehicle that gets home in time), then go home as soon as the last vehicle arrives
        (the last leg follows the last ride, it does not wait for the deadline). Straight home
        by the access mode (no vehicle): leave at `ready_s` (the end of the stay) when given,
        else at the latest departure. Empty when there is no way home.
        """
        dep = float(self.departure_s[i])
        if not np.isfinite(dep):
            return []
        walk = round(float(self.walk_s[i]))
        s = int(self.stop[i])
        if s < 0:
            start = dep if ready_s is None else min(dep, float(ready_s))
            return [Leg(self.access_mode, None, None, round(start), round(start) + walk)]
        board = int(self.search.departure_s[s])
        tt_ids = self.search.search.timetable.stop_ids
        back = [with_access_mode(leg, self.access_mode) for leg in self.search.legs_from(s)]
        legs = [Leg(EGRESS_MODE, None, tt_ids[s], board - walk, board), *back]
        return _home_on_arrival(legs)


def _home_on_arrival(legs: list[Leg]) -> list[Leg]:
    """`legs` with the legs after the last ride moved to follow it without waiting (the
    latest-departure search schedules them as late as the deadline allows)."""
    rides = [k for k, leg in enumerate(legs) if leg.mode == "ride"]
    if not rides:
        return legs
    out = legs[: rides[-1] + 1]
    clock_s = out[-1].arrival_s
    for leg in legs[rides[-1] + 1 :]:
        duration = leg.arrival_s - leg.departure_s
        out.append(replace(leg, departure_s=clock_s, arrival_s=clock_s + duration))
        clock_s += duration
    return out


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
) -> LatestReturns:
    """Latest departure from each offer to be home (EPSG:2154 point) by `arrive_by_s` on `day`.

    Walk from the offer to a stop (the egress table read backwards), vehicles, then the
    access mode from the last stop home; or the access mode straight home. Offers with no
    way back get ``-inf``.

    Raises
    ------
    OutsideCoverageError
        Home is outside the road network's coverage (naming ``location``).
    """
    network = reachable.network
    home_net = network.mode(access_mode)
    chosen = np.arange(len(reachable.offers)) if rows is None else np.asarray(rows, dtype=int)
    home = road_access_s(tt, home_net, home_x_m, home_y_m)
    search = latest_departure(tt, home, arrive_by_s, day)
    board = np.where(search.departure_s > -UNREACHED, search.departure_s.astype(float), -np.inf)
    walk = stop_offer_walk_s(tt, reachable)[:, chosen]
    stop, via = best_stop_per_row(board[:, None] - walk, latest=True)
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


def can_get_home(returns: LatestReturns, ready_s: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Per row of `returns`: a way home leaves at or after `ready_s` (seconds of the day)."""
    leave = returns.departure_s
    return np.isfinite(leave) & (leave >= np.asarray(ready_s, dtype=float))


@dataclass(frozen=True)
class WaysHome:
    """The way home after a stay at each offer reached (:func:`ways_home_after_stay`).

    Attributes
    ----------
    returns
        The last way home from each offer (rows as in the outbound times).
    stay_minutes
        Time spent at the offer.
    keep
        Per row: reached, and a way home still leaves after the stay.
    """

    returns: LatestReturns
    stay_minutes: int
    keep: npt.NDArray[np.bool_]


def ways_home_after_stay(
    tt: Timetable,
    reachable: ReachableOffers,
    times: TransitOfferTimes,
    home_x_m: float,
    home_y_m: float,
    day: date,
    params: ReturnParams,
    *,
    stay_minutes: int | None = None,
) -> WaysHome:
    """Offers of `times` one can reach, stay at, and still get home from by transit.

    Arrive at the offer (``times``), stay `stay_minutes` (default
    ``params.default_stay_minutes``), then the last way home (access mode of `times`) to the
    EPSG:2154 point must leave no earlier, arriving by ``params.return_arrive_by_s`` on `day`.

    Raises
    ------
    InvalidParameterError
        Negative `stay_minutes` (naming ``stay_minutes``).
    OutsideCoverageError
        Home is outside the road network's coverage (naming ``location``).
    """
    stay = params.default_stay_minutes if stay_minutes is None else int(stay_minutes)
    if stay < 0:
        raise InvalidParameterError("stay_minutes", f"stay_minutes must be >= 0, got {stay}")
    returns = latest_returns(
        tt,
        reachable,
        times.access_mode,
        home_x_m,
        home_y_m,
        params.return_arrive_by_s,
        day,
        rows=times.rows,
    )
    arrival_s = times.departure_s + times.travel_time_s
    return WaysHome(returns, stay, can_get_home(returns, arrival_s + stay * 60))
