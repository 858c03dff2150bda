"""Transit isochrones: the area reached within a time budget by access + train/coach + walk.

Model, extending the road isochrones of :mod:`geoservice.core.isochrones`: from the origin
one goes by the access mode (walk, bike, or car) — either straight to the destination, or to
a stop, then by vehicles (RAPTOR), then walks from the stop where one alights. With a budget
``B`` and ``T_s`` the travel time to stop *s* (access, waits and rides included) the area is
the union of

- the access mode's own isochrone of budget ``B`` from the origin;
- for every stop reached with ``T_s < B``: the walk isochrone of the remaining
  budget ``B − T_s`` from the stop — computed at once for all stops by one multi-source walk
  search whose start times are ``T_s`` plus the stop's access leg to its nearest node — and
  the disk of radius ``(B − T_s) × v_walk / detour`` around the stop (going straight off the
  main-road network, as around the origin of a road isochrone).

The travel time to each stop comes from one RAPTOR search, or from the searches of a
departure window (best or median travel time over its minutes):
:func:`transit_travel_times_s`. Geometry is EPSG:2154.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import shapely

from geoservice.core.band_polygons import IsochroneBand, band_geometries, isochrone_bands
from geoservice.core.deadline import Deadline
from geoservice.core.network import ModeNetwork, Reach
from geoservice.core.raptor import UNREACHED, earliest_arrival, earliest_arrival_window
from geoservice.core.service_date import ServiceDate, service_date_for
from geoservice.core.snapping import Snap
from geoservice.core.timetable import Timetable
from geoservice.core.transit_access import road_access_s
from geoservice.errors import InvalidParameterError, LimitExceededError

#: Travel time statistics over a departure window.
STATISTICS = ("best", "median")


@dataclass(frozen=True)
class TransitDeparture:
    """When and how a transit isochrone leaves its origin.

    Attributes
    ----------
    timetable
        The timetable.
    day
        Requested date (mapped to a service date as for every search).
    departure_s
        Departure, seconds after midnight of `day`.
    window_minutes
        With a window, every departure minute counts (``statistic`` of their travel times).
    statistic
        ``best`` or ``median`` (with a window).
    access_mode
        From the origin to the stops (and straight on): ``walk``, ``bike`` or ``drive``.

    Raises
    ------
    InvalidParameterError
        Unknown statistic.
    LimitExceededError
        Window outside ``1 … timetable.params.max_window_minutes``.
    """

    timetable: Timetable
    day: date
    departure_s: int
    window_minutes: int | None = None
    statistic: str = "median"
    access_mode: str = "walk"

    def __post_init__(self) -> None:
        if self.statistic not in STATISTICS:
            msg = f"unknown statistic {self.statistic!r}"
            raise InvalidParameterError("statistic", msg, allowed=STATISTICS)
        top = self.timetable.params.max_window_minutes
        window = self.window_minutes
        if window is not None and not 1 <= window <= top:
            msg = f"window_minutes {window} must be between 1 and {top}"
            raise LimitExceededError("window_minutes", msg)

    @property
    def service_date(self) -> ServiceDate:
        """The timetable day used, and why."""
        return service_date_for(self.day, self.timetable.validity)


def transit_travel_times_s(
    departure: TransitDeparture, access_net: ModeNetwork, x_m: float, y_m: float, limit_s: float
) -> np.ndarray:
    """Per stop index: seconds from the departure to the stop (:data:`UNREACHED` or more if not).

    The access leg (over `access_net`, at most ``min(limit_s, max_access_s)``), then RAPTOR;
    with a window, the best or median travel time over its minutes.

    Raises
    ------
    OutsideCoverageError
        The origin (EPSG:2154) is outside the road network's coverage.
    """
    tt = departure.timetable
    limit = min(limit_s, float(tt.params.max_access_s))
    access = road_access_s(tt, access_net, x_m, y_m, limit_s=limit)
    start_s = departure.departure_s
    if departure.window_minutes is None:
        search = earliest_arrival(tt, access, start_s, departure.day)
        travel: np.ndarray = search.arrival_s - start_s
        return travel
    window = earliest_arrival_window(tt, access, start_s, departure.window_minutes, departure.day)
    if departure.statistic == "best":
        return window.best_travel_time_s
    return window.median_travel_time_s


def transit_isochrone_bands(
    tt: Timetable,
    walk_net: ModeNetwork,
    access_net: ModeNetwork,
    x_m: float,
    y_m: float,
    budgets_s: Sequence[float],
    travel_time_s: np.ndarray,
    *,
    quad_segs: int = 3,
    deadline: Deadline | None = None,
) -> list[IsochroneBand]:
    """Nested transit isochrone bands around a point of EPSG:2154, smallest budget first.

    Parameters
    ----------
    tt
        The timetable.
    walk_net
        The walk network (egress from the stops).
    access_net
        The access mode's network (its isochrone from the origin is part of every band).
    x_m, y_m
        The origin, EPSG:2154.
    budgets_s
        Time budgets, seconds.
    travel_time_s
        Per stop index: travel time from the origin to the stop
        (:data:`~geoservice.core.raptor.UNREACHED` or more when not reached); e.g.
        ``arrival_s - departure_s`` of a search, or a window's best / median travel time
        (:func:`transit_travel_times_s`).
    deadline
        Checked before every band (:class:`~geoservice.errors.DeadlineExceededError`).

    Raises
    ------
    OutsideCoverageError
        The origin is outside the road network's coverage.
    """
    budgets = sorted(float(b) for b in budgets_s)
    if not budgets or budgets[0] <= 0:
        raise InvalidParameterError("budgets_s", "time budgets must be > 0 s")
    limit = budgets[-1]
    direct = isochrone_bands(access_net, x_m, y_m, budgets, quad_segs=quad_segs, deadline=deadline)
    stops = np.flatnonzero(np.asarray(travel_time_s) < min(limit, UNREACHED))
    travel = np.asarray(travel_time_s, dtype=float)[stops]
    k_walk = walk_net.access_speed_mps / walk_net.access_detour_factor
    times = np.full(len(walk_net.x_m), np.inf)
    if len(stops):
        snaps = [walk_net.index.nearest(float(tt.stop_x[s]), float(tt.stop_y[s]), 1) for s in stops]
        positions = np.array([sn.positions[0] for sn in snaps], dtype=np.int64)
        starts = travel + walk_net.access_time_s(np.array([sn.distances_m[0] for sn in snaps]))
        # One start per node (the earliest), only those inside the budget.
        best: dict[int, float] = {}
        for pos, t in zip(positions.tolist(), starts.tolist(), strict=True):
            if t < limit and t < best.get(pos, np.inf):
                best[pos] = t
        if best:
            times = walk_net.router.travel_times(list(best), list(best.values()), limit_s=limit)
    # The origin disk of band_geometries is the access mode's: the direct bands cover it.
    reach = Reach(
        times_s=times,
        origin_m=(x_m, y_m),
        snap=Snap(positions=np.zeros(0, dtype=np.int64), distances_m=np.zeros(0)),
    )
    bands: list[IsochroneBand] = []
    for b, direct_band in zip(budgets, direct, strict=True):
        if deadline is not None:
            deadline.check("isochrone computation")
        pieces = [direct_band.geometry]
        if np.isfinite(times).any():
            pieces.append(band_geometries(walk_net, reach, [b], quad_segs=quad_segs)[0])
        inside = travel < b
        if inside.any():
            radii = np.maximum((b - travel[inside]) * k_walk, 1.0)
            pts = shapely.points(tt.stop_x[stops[inside]], tt.stop_y[stops[inside]])
            pieces.append(shapely.union_all(shapely.buffer(pts, radii, quad_segs=quad_segs)))
        bands.append(IsochroneBand(b, shapely.union_all(pieces)))
    return bands
