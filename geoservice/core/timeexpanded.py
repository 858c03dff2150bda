"""Time-expanded graph and Dijkstra: the slow, obvious reference for RAPTOR.

Every departure and arrival of every trip running on a service date is a node; waiting at a
stop, riding, changing (``change_s``) and walking a footpath are edges weighted by the time
they take. A Dijkstra from the origin then gives earliest arrivals under exactly the rules of
:mod:`geoservice.core.raptor`. Used by the tests as a brute-force check and by
``benchmarks/transit.py`` as the baseline.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import networkx as nx
import numpy as np

from geoservice.core.raptor import UNREACHED
from geoservice.core.timetable import Timetable

_Node = tuple[str, int, int, int]


@dataclass(frozen=True)
class TimeExpandedGraph:
    """The graph of one service date.

    Attributes
    ----------
    G
        ``nx.DiGraph``; edge attr ``weight`` in seconds.
    boarding
        Per stop: sorted departure times and their waiting-chain nodes.
    alighting
        ``(node, stop index, time)`` of every arrival event where alighting is allowed.
    """

    G: nx.DiGraph
    boarding: tuple[tuple[list[int], list[_Node]], ...]
    alighting: tuple[tuple[_Node, int, int], ...]


def time_expanded_graph(tt: Timetable, service_day: date) -> TimeExpandedGraph:
    """Build the time-expanded graph of the trips running when the service day is `service_day`."""
    G = nx.DiGraph()
    active = tt.active_rows(service_day)
    events: list[list[tuple[int, _Node]]] = [[] for _ in range(tt.n_stops)]
    alighting: list[tuple[_Node, int, int]] = []
    for p_idx, pat in enumerate(tt.patterns):
        for r, ok in enumerate(active[p_idx]):
            if not ok:
                continue
            arr, dep = pat.arr_rows[r], pat.dep_rows[r]
            for i, s in enumerate(pat.stops):
                a_node: _Node = ("a", p_idx, r, i)
                d_node: _Node = ("d", p_idx, r, i)
                G.add_edge(a_node, d_node, weight=dep[i] - arr[i])
                if i + 1 < len(pat.stops):
                    G.add_edge(d_node, ("a", p_idx, r, i + 1), weight=arr[i + 1] - dep[i])
                if pat.pickup[i]:
                    events[s].append((dep[i], d_node))
                if pat.dropoff[i]:
                    alighting.append((a_node, s, arr[i]))
    boarding: list[tuple[list[int], list[_Node]]] = []
    for s, evs in enumerate(events):
        evs.sort()
        times = [t for t, _ in evs]
        chain: list[_Node] = [("w", s, k, 0) for k in range(len(evs))]
        for k, (t, d_node) in enumerate(evs):
            G.add_edge(chain[k], d_node, weight=0)
            if k + 1 < len(evs):
                G.add_edge(chain[k], chain[k + 1], weight=evs[k + 1][0] - t)
        boarding.append((times, chain))
    for a_node, s, t in alighting:
        _link(G, a_node, t, boarding[s], t + tt.change_s[s])
        for u, d in tt.footpaths[s]:
            _link(G, a_node, t, boarding[u], t + d)
    return TimeExpandedGraph(G, tuple(boarding), tuple(alighting))


def _link(
    G: nx.DiGraph,
    node: object,
    t: int,
    board: tuple[list[int], list[_Node]],
    ready: int,
) -> None:
    times, chain = board
    k = bisect.bisect_left(times, ready)
    if k < len(times):
        G.add_edge(node, chain[k], weight=times[k] - t)


def earliest_arrival_dijkstra(
    tt: Timetable, teg: TimeExpandedGraph, access: Mapping[int, int], departure_s: int
) -> np.ndarray:
    """Earliest arrival per stop index (:data:`UNREACHED` if none) by Dijkstra on `teg`.

    `access` maps stop index → access seconds; the date is the one `teg` was built for.
    """
    G = teg.G
    source = ("source", -1, -1, -1)
    G.add_node(source)
    for s, a in access.items():
        _link(G, source, departure_s, teg.boarding[s], departure_s + a)
    try:
        dist = nx.single_source_dijkstra_path_length(G, source, weight="weight")
    finally:
        if source in G:
            G.remove_node(source)
    best = np.full(tt.n_stops, UNREACHED, dtype=np.int64)
    for s, a in access.items():
        best[s] = min(best[s], departure_s + a)
    for a_node, s, t in teg.alighting:
        if a_node in dist:
            best[s] = min(best[s], t)
            for u, d in tt.footpaths[s]:
                best[u] = min(best[u], t + d)
    return best


def offer_travel_times_dijkstra(
    tt: Timetable,
    teg: TimeExpandedGraph,
    access: Mapping[int, int],
    departure_s: int,
    walk_s: np.ndarray,
    direct_s: np.ndarray,
) -> np.ndarray:
    """Travel time (s) from an origin to each offer, by Dijkstra on `teg` extended with offers.

    The reference of :func:`geoservice.core.transit_reachable.transit_offer_times`: the
    origin boards at any departure after its access leg (`access`: stop index → seconds),
    every alighting event at stop *s* is joined to every offer *o* by ``walk_s[s, o]``
    (``inf``: no edge), and the origin to *o* by ``direct_s[o]``. ``inf`` when not reached.
    """
    G = nx.DiGraph(teg.G)
    source = ("source", -1, -1, -1)
    G.add_node(source)
    for s, a in access.items():
        _link(G, source, departure_s, teg.boarding[s], departure_s + a)
    for o in np.flatnonzero(np.isfinite(direct_s)):
        G.add_edge(source, ("offer", int(o), -1, -1), weight=float(direct_s[o]))
    for a_node, s, _t in teg.alighting:
        for o in np.flatnonzero(np.isfinite(walk_s[s])):
            G.add_edge(a_node, ("offer", int(o), -1, -1), weight=float(walk_s[s, o]))
    dist = nx.single_source_dijkstra_path_length(G, source, weight="weight")
    out = np.full(walk_s.shape[1], np.inf)
    for j in range(len(out)):
        d = dist.get(("offer", j, -1, -1))
        if d is not None:
            out[j] = d
    return out
