"""Large origin–destination matrices on an executor (``geoservice matrix``).

A :class:`MatrixTask` is the picklable unit the executors of
:mod:`geoservice.analytics.executors` spread over chunks of origins — in this process, local
processes or a Dask cluster, as the accessibility tables. It carries the places as EPSG:2154
coordinates and a *loader* (a picklable callable, e.g. a :func:`functools.partial` of the
data loader) that each worker calls once to get the network and timetable: the compiled
routers are not sent over the wire. Destinations are wrapped like offers
(:func:`~geoservice.analytics.od_matrix.targets_from_xy`); an offer's egress table depends
on its point only, so an offer destination gets the same times as ``/reachable``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from geoservice.analytics.executors import OriginExecutor, ProgressCallback, run_task
from geoservice.analytics.od_matrix import TRANSIT, MatrixOptions, Place, targets_from_xy
from geoservice.core.matrix import road_matrix
from geoservice.core.network import MODES, RoadNetwork
from geoservice.core.reachable import ReachableOffers
from geoservice.core.routing import FloatArray, IntArray
from geoservice.core.timetable import Timetable
from geoservice.core.transit_matrix import transit_matrix
from geoservice.errors import InvalidParameterError

#: Returns the road network and the timetable (None without transit); called once per worker.
Loader = Callable[[], tuple[RoadNetwork, Timetable | None]]


@dataclass
class MatrixTask:
    """Times (and road distances) from chunks of origins to every destination.

    ``run`` returns ``(rows, destinations)`` times for transit, and times then distances side
    by side, ``(rows, 2 × destinations)``, for road modes.
    """

    load: Loader
    options: MatrixOptions
    origins_m: FloatArray
    destinations_m: FloatArray
    _state: tuple[RoadNetwork, Timetable | None, ReachableOffers] | None = field(
        default=None, repr=False
    )

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_state"] = None  # workers load their own network
        return state

    @property
    def origin_count(self) -> int:
        """Number of origins."""
        return len(self.origins_m)

    @property
    def destination_count(self) -> int:
        """Columns of one result row."""
        n = len(self.destinations_m)
        return n if self.options.mode == TRANSIT else 2 * n

    def prepared(self) -> tuple[RoadNetwork, Timetable | None, ReachableOffers]:
        """Network, timetable and destination tables (loaded once per process)."""
        if self._state is None:
            network, tt = self.load()
            ids = [f"d{j:09d}" for j in range(len(self.destinations_m))]
            xy = [(float(x), float(y)) for x, y in self.destinations_m]
            self._state = (network, tt, targets_from_xy(network, xy, ids))
        return self._state

    def run(self, origins: IntArray) -> FloatArray:
        """The rows of `origins` (see the class docstring)."""
        _, tt, targets = self.prepared()
        opts = self.options
        xy = [(float(x), float(y)) for x, y in self.origins_m[origins]]
        if opts.mode in MODES:
            road = road_matrix(
                targets,
                opts.mode,
                xy,
                limit_s=opts.limit_s,
                direction=opts.direction,
            )
            return np.hstack([road.travel_time_s, road.distance_m])
        if tt is None or opts.day is None:
            raise InvalidParameterError("departure", "mode transit needs a timetable and a day")
        found = transit_matrix(
            tt,
            targets,
            opts.access_mode,
            xy,
            opts.start_s,
            opts.day,
            window_minutes=opts.window_minutes,
            statistics=(opts.statistic,),
            limit_s=opts.limit_s,
        )
        return found.travel_time_s[opts.statistic]


def matrix_frame(
    task: MatrixTask,
    origins: Sequence[Place],
    destinations: Sequence[Place],
    executor: OriginExecutor,
    *,
    chunk_size: int = 32,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """The matrix as a long table: one row per pair, ``NaN`` where not reached.

    Columns ``origin_index``, ``destination_index``, ``origin``, ``destination`` (commune
    code, offer id or ``lon,lat``), ``travel_time_s`` and, for road modes, ``distance_m``.
    """
    values = run_task(task, executor, chunk_size=chunk_size, progress=progress)
    n_o, n_d = len(origins), len(destinations)
    times = values[:, :n_d]
    oi, dj = np.meshgrid(np.arange(n_o), np.arange(n_d), indexing="ij")
    label_o = np.array([p.ref or f"{p.lon:.6f},{p.lat:.6f}" for p in origins], dtype=object)
    label_d = np.array([p.ref or f"{p.lon:.6f},{p.lat:.6f}" for p in destinations], dtype=object)
    frame = pd.DataFrame(
        {
            "origin_index": oi.ravel(),
            "destination_index": dj.ravel(),
            "origin": label_o[oi.ravel()],
            "destination": label_d[dj.ravel()],
            "travel_time_s": np.where(np.isfinite(times), times, np.nan).ravel(),
        }
    )
    if task.options.mode in MODES:
        dist = values[:, n_d:]
        frame["distance_m"] = np.where(np.isfinite(dist), dist, np.nan).ravel()
    return frame


def places_to_array(places: Sequence[Place]) -> FloatArray:
    """``(n, 2)`` EPSG:2154 coordinates of places."""
    return np.array([(p.x_m, p.y_m) for p in places], dtype=float).reshape(len(places), 2)
