"""Latest departure: the reverse RAPTOR search ("leave by when to arrive by T?").

An earliest-arrival search on the time-reversed timetable (``Timetable.time_reversed``) from
``-T`` gives ``-(latest departure)`` from every stop; the same rules apply with time reversed
(change times and footpaths included).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from geoservice.core.raptor import earliest_arrival
from geoservice.core.raptor_result import UNREACHED, EarliestArrival, Leg
from geoservice.core.service_date import ServiceDate
from geoservice.core.timetable import Timetable


@dataclass(frozen=True)
class LatestDeparture:
    """Result of a reverse search: latest departure from each stop to arrive by a time.

    Attributes
    ----------
    service_date
        Timetable day used, and why.
    arrive_by_s
        The deadline at the target(s).
    departure_s
        Per stop index: latest time one may board a vehicle there (or start the egress walk,
        at an egress stop) and still arrive in time (-:data:`UNREACHED` if impossible). As
        forward searches never start with a footpath, neither does this.
    search
        The earliest-arrival search on the reversed timetable behind it.
    """

    service_date: ServiceDate
    arrive_by_s: int
    departure_s: np.ndarray
    search: EarliestArrival

    def latest(self) -> dict[str, int]:
        """Stop id → latest departure (s), for stops that can make it."""
        ids = self.search.timetable.stop_ids
        ok = np.flatnonzero(self.departure_s > -UNREACHED)
        return {ids[i]: int(self.departure_s[i]) for i in ok}

    def legs_from(self, stop: int) -> list[Leg]:
        """The itinerary leaving stop index `stop` at its latest departure."""
        search = self.search
        by_ride = -int(search.ride_arrival_s[stop]) == int(self.departure_s[stop])
        back = search.legs_to(stop, by_ride=by_ride and stop not in search.access_s)
        legs = []
        for leg in reversed(back):
            legs.append(
                replace(
                    leg,
                    from_stop=leg.to_stop,
                    to_stop=leg.from_stop,
                    departure_s=-leg.arrival_s,
                    arrival_s=-leg.departure_s,
                    stop_ids=tuple(reversed(leg.stop_ids)),
                )
            )
        return legs


def latest_departure(
    tt: Timetable,
    egress_s: Mapping[str, float],
    arrive_by_s: int,
    day: date,
    *,
    max_rides: int | None = None,
) -> LatestDeparture:
    """All-to-one latest departure: leave each stop as late as possible, arrive by `arrive_by_s`.

    `egress_s` maps stop id → seconds from that stop to the destination. The same rules as
    :func:`earliest_arrival` apply with time reversed (change times and footpaths included).
    """
    rev = tt.time_reversed
    search = earliest_arrival(rev, egress_s, -arrive_by_s, day, max_rides=max_rides)
    # Boarding a vehicle at the stop (ride labels of the reversed search), or walking from an
    # egress stop; a reversed footpath would be a forward walk *before* the first ride.
    latest = np.minimum(search.ride_arrival_s, UNREACHED)
    for s, a in search.access_s.items():
        latest[s] = min(int(latest[s]), -arrive_by_s + a)
    dep = np.where(latest < UNREACHED, -latest, -UNREACHED)
    return LatestDeparture(search.service_date, arrive_by_s, dep, search)
