"""Access and egress times between a point and the stops, until the road network is used.

:func:`walk_access_s`: straight line in EPSG:2154 × ``detour_factor`` at ``walk_speed_kph``
(no road graph needed). :func:`road_access_s`: walk, bike or car over the road network (park
and ride). The routing functions of :mod:`geoservice.core.raptor` only take ``{stop id:
seconds}`` mappings, so either plugs in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from geoservice.core.network import ModeNetwork
from geoservice.core.timetable import Timetable


def walk_access_s(
    tt: Timetable, x: float, y: float, *, max_walk_m: float | None = None
) -> dict[str, int]:
    """Stop id → walking seconds from point (`x`, `y`) (EPSG:2154 metres) to each stop in reach.

    Parameters
    ----------
    tt
        The timetable (its stops' EPSG:2154 coordinates and walking parameters).
    x, y
        The point, EPSG:2154.
    max_walk_m
        Longest straight-line distance, metres; default ``tt.params.max_access_walk_m``.

    Returns
    -------
    dict
        Empty when no stop is within reach (nothing reachable is not an error).
    """
    limit = tt.params.max_access_walk_m if max_walk_m is None else max_walk_m
    d = np.hypot(tt.stop_x - x, tt.stop_y - y)
    speed = tt.params.walk_speed_mps
    return {
        tt.stop_ids[i]: math.ceil(float(d[i]) * tt.params.detour_factor / speed)
        for i in np.flatnonzero(d <= limit)
    }


def road_access_s(
    tt: Timetable,
    mode_net: ModeNetwork,
    x: float,
    y: float,
    *,
    limit_s: float | None = None,
    stop_candidates: int = 2,
) -> dict[str, int]:
    """Stop id → seconds from point (`x`, `y`) (EPSG:2154) to each stop, over the road network.

    The point joins the mode's network as for road isochrones (snap, access leg); a stop is
    joined from its `stop_candidates` nearest nodes by a leg of straight length × the
    network's access detour factor at the mode's access speed. A direct leg (same rule) is
    also allowed to stops within ``tt.params.max_access_walk_m`` of the point, since the
    embedded road network holds main roads only (no town streets). Times are symmetric, so
    the same mapping serves as egress times.

    Parameters
    ----------
    tt
        The timetable.
    mode_net
        One mode of the road network (walk, bike or drive: park and ride).
    x, y
        The point, EPSG:2154 metres.
    limit_s
        Longest access, seconds; default ``tt.params.max_access_s``.

    Raises
    ------
    OutsideCoverageError
        The point is outside the area the road network covers.
    """
    limit = float(tt.params.max_access_s if limit_s is None else limit_s)
    reach = mode_net.reach_from_xy(x, y, limit_s=limit)
    times = reach.times_s
    key = (id(mode_net), stop_candidates)
    snaps = tt.stop_snaps.get(key)
    if snaps is None:
        snaps = [
            mode_net.index.nearest(float(sx), float(sy), stop_candidates)
            for sx, sy in zip(tt.stop_x, tt.stop_y, strict=True)
        ]
        tt.stop_snaps[key] = snaps
    direct_m = np.hypot(tt.stop_x - x, tt.stop_y - y)
    out: dict[str, int] = {}
    for i, snap in enumerate(snaps):
        via_road = times[snap.positions] + mode_net.access_time_s(snap.distances_m)
        best = float(via_road.min()) if len(via_road) else math.inf
        if direct_m[i] <= tt.params.max_access_walk_m:
            best = min(best, float(mode_net.access_time_s(float(direct_m[i]))))
        if best <= limit:
            out[tt.stop_ids[i]] = math.ceil(best)
    return out


@dataclass(frozen=True)
class NearestStop:
    """The stop nearest to a point, straight line (EPSG:2154).

    Attributes
    ----------
    index, stop_id, name
        The stop.
    lon, lat
        Its position, EPSG:4326.
    distance_m
        Straight-line distance from the point, metres.
    """

    index: int
    stop_id: str
    name: str
    lon: float
    lat: float
    distance_m: float


def nearest_stop(tt: Timetable, x: float, y: float) -> NearestStop | None:
    """The stop of `tt` nearest to point (`x`, `y`) (EPSG:2154), or None without stops."""
    if tt.n_stops == 0:
        return None
    d = np.hypot(tt.stop_x - x, tt.stop_y - y)
    i = int(np.argmin(d))
    return NearestStop(
        index=i,
        stop_id=tt.stop_ids[i],
        name=tt.stop_names[i],
        lon=float(tt.stop_lon[i]),
        lat=float(tt.stop_lat[i]),
        distance_m=float(d[i]),
    )
