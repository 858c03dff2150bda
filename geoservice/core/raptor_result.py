"""What a RAPTOR search returns: arrivals per stop, labels, and the itineraries they encode.

The labels come from the compiled kernel (:class:`KernelLabels`, an int32 array of
:mod:`geoservice.core.raptor_kernel`) or from the pure-Python reference
(:class:`ReferenceLabels`, :mod:`geoservice.core.raptor_reference`); both answer the same
questions, so :class:`EarliestArrival` rebuilds the same legs from either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from geoservice.core import raptor_kernel as _kernel
from geoservice.core.service_date import ServiceDate
from geoservice.core.timetable import Timetable
from geoservice.errors import InvalidParameterError

#: "Not reached" in arrival arrays (seconds): far beyond any service day.
UNREACHED = _kernel.UNREACHED

#: A label: (round, "access" | "ride" | "walk").
Label = tuple[int, str]


@dataclass(frozen=True)
class Leg:
    """One part of an itinerary.

    Attributes
    ----------
    mode
        ``"walk"`` (access, transfer or egress) or ``"ride"``.
    from_stop, to_stop
        Stop ids; ``None`` for the origin of an access walk or the target of an egress walk.
    departure_s, arrival_s
        Seconds after the service day's origin.
    distance_m
        Straight-line length of a walk between stops, metres (``None`` for rides and for
        access / egress, whose length the caller knows).
    route_short_name, route_long_name, trip_id, headsign
        For rides.
    route_type
        For rides: the GTFS ``route_type`` of the line (2 rail, 3 coach/bus, …).
    stop_ids
        For rides: the stops from boarding to alighting, both included.
    """

    mode: str
    from_stop: str | None
    to_stop: str | None
    departure_s: int
    arrival_s: int
    distance_m: float | None = None
    route_short_name: str | None = None
    route_long_name: str | None = None
    trip_id: str | None = None
    headsign: str | None = None
    stop_ids: tuple[str, ...] = ()
    route_type: int | None = None


#: A ride label: pattern, row, board position, alight position, board label.
RideLabel = tuple[int, int, int, int, Label]


@dataclass
class ReferenceLabels:
    """Labels of the Python reference: per round, dicts keyed by stop index."""

    best: list[int]
    best_ride: list[int]
    best_label: list[Label | None]
    ride_labels: list[dict[int, RideLabel]]
    walk_labels: list[dict[int, tuple[int, int]]]

    def best_label_of(self, stop: int) -> Label | None:
        return self.best_label[stop]

    def ride_label(self, k: int, stop: int) -> RideLabel:
        return self.ride_labels[k][stop]

    def walk_label(self, k: int, stop: int) -> tuple[int, int]:
        return self.walk_labels[k][stop]

    def last_ride_round(self, stop: int) -> int | None:
        rounds = [k for k, rl in enumerate(self.ride_labels) if stop in rl]
        return rounds[-1] if rounds else None


_KIND_NAMES = ("", "access", "ride", "walk")  # indexed by raptor_kernel.KIND_*


@dataclass
class KernelLabels:
    """Labels of the compiled kernel: the int32 array of :mod:`~geoservice.core.raptor_kernel`."""

    labels: np.ndarray
    n_rounds: int

    def best_label_of(self, stop: int) -> Label | None:
        kind = int(self.labels[1, stop])
        return None if kind == _kernel.KIND_NONE else (int(self.labels[0, stop]), _KIND_NAMES[kind])

    def ride_label(self, k: int, stop: int) -> RideLabel:
        b = _kernel.LABEL_HEAD + _kernel.LABEL_ROWS_PER_ROUND * k
        p, row, board, alight, board_k, board_kind = (int(v) for v in self.labels[b : b + 6, stop])
        if p < 0:
            raise KeyError(stop)
        return p, row, board, alight, (board_k, _KIND_NAMES[board_kind])

    def walk_label(self, k: int, stop: int) -> tuple[int, int]:
        b = _kernel.LABEL_HEAD + _kernel.LABEL_ROWS_PER_ROUND * k
        from_stop = int(self.labels[b + 6, stop])
        if from_stop < 0:
            raise KeyError(stop)
        return from_stop, int(self.labels[b + 7, stop])

    def last_ride_round(self, stop: int) -> int | None:
        for k in range(self.n_rounds, 0, -1):
            if self.labels[_kernel.LABEL_HEAD + _kernel.LABEL_ROWS_PER_ROUND * k, stop] >= 0:
                return k
        return None

    def to_reference(self, best: np.ndarray, best_ride: np.ndarray) -> ReferenceLabels:
        """The same labels in the reference's form (to compare the two in the tests)."""
        n = best.shape[0]
        ride_labels: list[dict[int, RideLabel]] = []
        walk_labels: list[dict[int, tuple[int, int]]] = []
        for k in range(self.n_rounds + 1):
            b = _kernel.LABEL_HEAD + _kernel.LABEL_ROWS_PER_ROUND * k
            none = np.zeros(0, dtype=np.int64)
            rides = np.flatnonzero(self.labels[b] >= 0) if k else none
            walks = np.flatnonzero(self.labels[b + 6] >= 0) if k else none
            ride_labels.append({int(s): self.ride_label(k, int(s)) for s in rides})
            walk_labels.append({int(s): self.walk_label(k, int(s)) for s in walks})
        return ReferenceLabels(
            best=[int(v) for v in best],
            best_ride=[int(v) for v in best_ride],
            best_label=[self.best_label_of(s) for s in range(n)],
            ride_labels=ride_labels,
            walk_labels=walk_labels,
        )


@dataclass(frozen=True)
class EarliestArrival:
    """Result of a one-to-all search.

    Attributes
    ----------
    timetable
        The timetable searched (the reversed one for a latest-departure search).
    service_date
        Timetable day used, and why.
    departure_s
        Departure time from the origin.
    arrival_s
        Per stop index: earliest arrival, :data:`UNREACHED` if none.
    ride_arrival_s
        Per stop index: earliest arrival *by vehicle* (the one egress walks start from).
    rides
        Per stop index: vehicles used by the earliest arrival (-1 if unreached).
    access_s
        Access walk per stop index.
    labels
        How each stop was reached (kernel or reference form): the itineraries' source.
    """

    timetable: Timetable
    service_date: ServiceDate
    departure_s: int
    arrival_s: np.ndarray
    ride_arrival_s: np.ndarray
    rides: np.ndarray
    access_s: Mapping[int, int]
    labels: ReferenceLabels | KernelLabels

    def reached(self) -> dict[str, int]:
        """Stop id → earliest arrival (s), for reached stops only, in stop-id order."""
        ids = self.timetable.stop_ids
        return {ids[i]: int(self.arrival_s[i]) for i in np.flatnonzero(self.arrival_s < UNREACHED)}

    def arrival_at(self, stop_ids: list[str] | str) -> int | None:
        """Earliest arrival at a stop id or parent station id (best of its stops); None if not."""
        ids = [stop_ids] if isinstance(stop_ids, str) else stop_ids
        idx = [i for s in ids for i in self.timetable.stops_of_station(s)]
        if not idx:
            raise InvalidParameterError("stop", f"unknown stop or station {stop_ids!r}")
        best = int(min(self.arrival_s[i] for i in idx))
        return None if best >= UNREACHED else best

    def legs_to(self, stop: int, *, by_ride: bool = False) -> list[Leg]:
        """The itinerary of the earliest arrival at stop index `stop` (empty if unreached).

        With `by_ride`, the itinerary of the earliest arrival *by vehicle* (ending with a ride).
        """
        label = self.labels.best_label_of(stop)
        if by_ride:
            last = self.labels.last_ride_round(stop)
            label = (last, "ride") if last is not None else None
        if label is None:
            return []
        legs = _legs(self, stop, label)
        # Leave the origin just in time for the first vehicle.
        if len(legs) >= 2 and legs[0].mode == "walk" and legs[1].mode == "ride":
            walk = legs[0]
            wait = legs[1].departure_s - walk.arrival_s
            legs[0] = replace(
                walk, departure_s=walk.departure_s + wait, arrival_s=walk.arrival_s + wait
            )
        # Starting at the stop itself: no access walk to show.
        if (
            len(legs) >= 2
            and legs[0].from_stop is None
            and legs[0].arrival_s == legs[0].departure_s
        ):
            legs = legs[1:]
        return legs


def _legs(result: EarliestArrival, stop: int, label: Label) -> list[Leg]:
    tt = result.timetable
    labels = result.labels
    k, kind = label
    if kind == "access":
        return [
            Leg(
                "walk",
                None,
                tt.stop_ids[stop],
                result.departure_s,
                result.departure_s + result.access_s[stop],
            )
        ]
    if kind == "walk":
        from_stop, t = labels.walk_label(k, stop)
        before = _legs(result, from_stop, (k, "ride"))
        dist = float(
            np.hypot(tt.stop_x[stop] - tt.stop_x[from_stop], tt.stop_y[stop] - tt.stop_y[from_stop])
        )
        return [
            *before,
            Leg(
                "walk",
                tt.stop_ids[from_stop],
                tt.stop_ids[stop],
                before[-1].arrival_s,
                t,
                distance_m=round(dist, 1),
            ),
        ]
    p_idx, row, board_pos, alight_pos, board_label = labels.ride_label(k, stop)
    pat = tt.patterns[p_idx]
    board_stop = pat.stops[board_pos]
    inst = pat.trips[row]
    ride = Leg(
        "ride",
        tt.stop_ids[board_stop],
        tt.stop_ids[stop],
        pat.dep_rows[row][board_pos],
        pat.arr_rows[row][alight_pos],
        route_short_name=tt.route_short_names[pat.route],
        route_long_name=tt.route_long_names[pat.route],
        trip_id=tt.instance_trip[inst],
        headsign=tt.instance_headsign[inst],
        stop_ids=tuple(tt.stop_ids[s] for s in pat.stops[board_pos : alight_pos + 1]),
        route_type=int(tt.route_types[pat.route]),
    )
    return [*_legs(result, board_stop, board_label), ride]
