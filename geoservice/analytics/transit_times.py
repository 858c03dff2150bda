"""Transit travel times from the communes, over a departure window (RAPTOR).

Door-to-door model for one origin and one departure minute ``m`` of the window:

- access: walk over the road network to every stop within ``transit.max_access_s``
  (:func:`geoservice.core.transit_access.road_access_s`, with its direct leg to nearby stops);
- trains and coaches: range-RAPTOR over the window
  (:func:`geoservice.core.raptor.earliest_arrival_window`), giving for every minute the
  travel time to each stop (access, waits and rides included);
- egress: walk from the stop to the destination, same rule as access (times are symmetric);
- or no vehicle at all: the walk time of the ``walk`` mode.

``t(m) = min(walk, min over stops s of travel(m, s) + egress(s))``, and the figure of the
window is the median of ``t(m)`` over its minutes (lower median, as the transit endpoints), or
its minimum (``statistic = "best"``). Parameters: ``[accessibility.transit]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from geoservice.analytics.traveltimes import RoadTimeSource
from geoservice.core.network import ModeNetwork
from geoservice.core.raptor import UNREACHED, earliest_arrival_window
from geoservice.core.routing import FloatArray, IntArray
from geoservice.core.timetable import Timetable
from geoservice.core.transit_access import road_access_s
from geoservice.errors import InvalidParameterError


@dataclass(frozen=True)
class TransitWindow:
    """The departure window of the transit figures (``[accessibility.transit]``).

    Attributes
    ----------
    day
        Requested date (mapped into the feed's validity by the timetable, same weekday).
    start_s
        First departure, seconds after midnight.
    window_minutes
        Departures every minute of the window.
    statistic
        ``"median"`` or ``"best"`` over the window.
    """

    day: date
    start_s: int
    window_minutes: int
    statistic: str = "median"

    @classmethod
    def from_section(cls, t: Mapping[str, Any]) -> TransitWindow:
        """Parse ``[accessibility.transit]``: ``date``, ``start`` and ``window_minutes`` are
        required (they live in ``config/accessibility.toml``, not in code); ``statistic``
        defaults to the median."""
        missing = [k for k in ("date", "start", "window_minutes") if k not in t]
        if missing:
            msg = f"[accessibility.transit] lacks {', '.join(missing)} (config/accessibility.toml)"
            raise InvalidParameterError("accessibility.transit", msg)
        try:
            day = date.fromisoformat(str(t["date"]))
            hh, mm = str(t["start"]).split(":")
            start_s = int(hh) * 3600 + int(mm) * 60
        except ValueError as e:
            msg = f"date must be YYYY-MM-DD and start HH:MM ({e})"
            raise InvalidParameterError("accessibility.transit", msg) from e
        window = cls(
            day=day,
            start_s=start_s,
            window_minutes=int(str(t["window_minutes"])),
            statistic=str(t.get("statistic", "median")),
        )
        if window.statistic not in {"median", "best"} or window.window_minutes < 1:
            msg = "statistic must be 'median' or 'best' and window_minutes ≥ 1"
            raise InvalidParameterError("accessibility.transit", msg)
        return window


@dataclass(frozen=True)
class TransitOriginTask:
    """Picklable task: transit door-to-door times from some origins to fixed destinations.

    Attributes
    ----------
    tt
        The timetable.
    window
        The departure window.
    access_s
        Per origin: stop id → access seconds.
    egress_s
        Stops × destinations egress seconds (``inf`` beyond the access limit).
    walk_s
        Origins × destinations walk-only seconds.
    """

    tt: Timetable
    window: TransitWindow
    access_s: tuple[dict[str, int], ...]
    egress_s: FloatArray
    walk_s: FloatArray

    @property
    def origin_count(self) -> int:
        """Number of origins."""
        return len(self.access_s)

    @property
    def destination_count(self) -> int:
        """Number of destinations."""
        return int(self.walk_s.shape[1])

    def run(self, origins: IntArray) -> FloatArray:
        """Times (s), shape ``(len(origins), destination_count)``."""
        rows = np.asarray(origins, dtype=np.int64)
        out = np.empty((len(rows), self.destination_count))
        for r, i in enumerate(rows):
            out[r] = self._one(int(i))
        return out

    def _one(self, i: int) -> FloatArray:
        walk = self.walk_s[i]
        access = self.access_s[i]
        w = self.window
        if not access:
            return np.asarray(walk, dtype=np.float64)
        result = earliest_arrival_window(self.tt, access, w.start_s, w.window_minutes, w.day)
        # Per minute, the first search leaving at or after it (as earliest_arrival_window).
        departures = np.asarray([s.departure_s for s in result.searches], dtype=np.int64)
        minutes = w.start_s + 60 * np.arange(w.window_minutes, dtype=np.int64)
        which = np.searchsorted(departures, minutes, side="left")
        arrivals = np.stack([s.arrival_s for s in result.searches])[which]
        access_vec = np.full(self.tt.n_stops, UNREACHED, dtype=np.int64)
        for stop_id, a in access.items():
            access_vec[self.tt.stop_index[stop_id]] = a
        arrivals = np.minimum(arrivals, minutes[:, None] + access_vec[None, :])
        travel = np.where(arrivals < UNREACHED, arrivals - minutes[:, None], np.inf)
        reached = np.flatnonzero(np.isfinite(travel).any(axis=0))
        door = np.broadcast_to(walk, (w.window_minutes, len(walk))).copy()
        for s in reached:
            egress = self.egress_s[s]
            ok = np.isfinite(egress)
            if ok.any():
                cand = travel[:, s, None] + egress[None, ok]
                door[:, ok] = np.minimum(door[:, ok], cand)
        if w.statistic == "best":
            return np.asarray(door.min(axis=0), dtype=np.float64)
        return np.asarray(np.sort(door, axis=0)[(w.window_minutes - 1) // 2], dtype=np.float64)


class TransitTimeSource:
    """Transit (walk + trains/coaches + walk) times from fixed origins.

    Parameters
    ----------
    tt
        The timetable.
    walk_source
        Walk times from the same origins (the no-vehicle option).
    walk_net
        The walk network (access and egress legs).
    x_m, y_m
        The origins, EPSG:2154.
    window
        The departure window.
    """

    mode = "transit"

    def __init__(
        self,
        tt: Timetable,
        walk_source: RoadTimeSource,
        walk_net: ModeNetwork,
        x_m: FloatArray,
        y_m: FloatArray,
        window: TransitWindow,
    ) -> None:
        self.tt = tt
        self.walk_source = walk_source
        self.walk_net = walk_net
        self.window = window
        self.access_s = tuple(
            road_access_s(tt, walk_net, float(x), float(y)) for x, y in zip(x_m, y_m, strict=True)
        )

    @property
    def origin_count(self) -> int:
        """Number of origins."""
        return len(self.access_s)

    def _egress(self, x_m: FloatArray, y_m: FloatArray) -> FloatArray:
        egress = np.full((self.tt.n_stops, len(x_m)), np.inf)
        for j, (x, y) in enumerate(zip(x_m, y_m, strict=True)):
            for stop_id, s in road_access_s(self.tt, self.walk_net, float(x), float(y)).items():
                egress[self.tt.stop_index[stop_id], j] = s
        return egress

    def task_to(
        self, x_m: FloatArray, y_m: FloatArray, *, field: str = "destinations"
    ) -> TransitOriginTask:
        """A picklable task computing door-to-door times to the destinations."""
        return TransitOriginTask(
            tt=self.tt,
            window=self.window,
            access_s=self.access_s,
            egress_s=self._egress(x_m, y_m),
            walk_s=self.walk_source.times_to(x_m, y_m, field=field),
        )

    def times_to(
        self, x_m: FloatArray, y_m: FloatArray, *, field: str = "destinations"
    ) -> FloatArray:
        """Door-to-door times (s) origins × destinations, in this process."""
        task = self.task_to(x_m, y_m, field=field)
        return task.run(np.arange(self.origin_count))
