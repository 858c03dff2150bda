"""Access and egress times between a point and the stops, until the road network is used.

Straight line in EPSG:2154 × ``detour_factor`` at ``walk_speed_kph``. The routing functions of
:mod:`geoservice.core.raptor` only take ``{stop id: seconds}`` mappings, so this function can be
swapped for walk, bike or car times over the road graph without touching them.
"""

from __future__ import annotations

import math

import numpy as np

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
