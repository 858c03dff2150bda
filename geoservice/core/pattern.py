"""A route pattern: the trips of one route serving the same stops in the same order.

Within a pattern trips are sorted by departure and every stop's departure column is sorted
too (no overtaking), so the first catchable trip is a binary search away.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass


@dataclass(frozen=True)
class Pattern:
    """Trips of one route serving the same stops in the same order, without overtaking.

    Attributes
    ----------
    route
        Index into :attr:`Timetable.route_ids`.
    stops
        Stop indices, in travel order.
    pickup, dropoff
        Whether boarding (alighting) is allowed at each position.
    trips
        Trip-instance indices (into :attr:`Timetable.instance_trip`), sorted by departure.
    dep_rows, arr_rows
        ``dep_rows[r][i]``: departure of trip row `r` at position `i`, seconds.
    dep_cols
        ``dep_cols[i]``: departures of all rows at position `i`, sorted ascending.
    """

    route: int
    stops: tuple[int, ...]
    pickup: tuple[bool, ...]
    dropoff: tuple[bool, ...]
    trips: tuple[int, ...]
    dep_rows: tuple[tuple[int, ...], ...]
    arr_rows: tuple[tuple[int, ...], ...]
    dep_cols: tuple[tuple[int, ...], ...]

    def first_row_from(self, pos: int, ready_s: float, active: list[bool]) -> int:
        """The first active row departing position `pos` at or after `ready_s`; -1 if none."""
        col = self.dep_cols[pos]
        r = bisect.bisect_left(col, ready_s)
        n = len(col)
        while r < n and not active[r]:
            r += 1
        return r if r < n else -1
