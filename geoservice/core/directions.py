"""A door-to-door road path between two points, with the roads it follows.

The path is the ranking's (:func:`~geoservice.core.reachable.route_to_offer`): the
destination is wrapped like an offer (its own egress table), so the route's time equals the
matrix cell and ``/reachable``'s time for the same pair. This module adds what a directions
answer shows: the roads used, in order, with their class (``highway``), ref and length, and
the encoded polyline of openrouteservice / Google.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from geoservice.core.network import ModeNetwork
from geoservice.core.reachable import OfferTimes, Route, egress_costs_s, route_to_offer
from geoservice.core.routing import IntArray


@dataclass(frozen=True)
class RoadUse:
    """A stretch of one road along a path: its ref, class, length (m) and time (s)."""

    ref: str
    highway: str
    distance_m: float
    travel_time_s: float


@dataclass(frozen=True)
class RoadPath:
    """A route and the roads it follows (network part only; the legs are straight)."""

    route: Route
    roads: tuple[RoadUse, ...]


def edge_classes(net: ModeNetwork) -> tuple[str, ...]:
    """``highway`` of the edge the router uses for each of its edges (fastest parallel edge)."""
    r = net.router
    best: dict[tuple[int, int], tuple[float, str]] = {}
    for u, v, data in net.G.edges(data=True):
        key = (r.position[u], r.position[v])
        weight = float(data.get(r.weight, np.inf))
        highway = data.get("highway") or ""
        if isinstance(highway, list | tuple):
            highway = ";".join(str(h) for h in highway)
        if key not in best or weight < best[key][0]:
            best[key] = (weight, str(highway))
    return tuple(best[(u, v)][1] for u, v in zip(r.edge_u.tolist(), r.edge_v.tolist(), strict=True))


def path_edges(times: OfferTimes, i: int) -> tuple[IntArray, float]:
    """Router edges followed to the `i`-th row of `times`, and the fraction of the last used.

    The last edge is the one left from (fraction in ``[0, 1]``); a direct off-network trip
    has no edges.
    """
    e = int(times.edge[i])
    if e < 0:
        return np.zeros(0, dtype=np.int64), 0.0
    net = times.net
    r = net.router
    node = int(r.edge_u[e])
    path = [node]
    while times.predecessors[path[-1]] >= 0:
        path.append(int(times.predecessors[path[-1]]))
    path.reverse()
    n = max(r.node_count, 1)
    keys = r.edge_u * n + r.edge_v
    pair_keys = np.array([a * n + b for a, b in itertools.pairwise(path)], dtype=np.int64)
    edges = np.searchsorted(keys, pair_keys).astype(np.int64)
    row = int(times.rows[i])
    _, s = egress_costs_s(
        net,
        np.array([times.egress.x_m[row]]),
        np.array([times.egress.y_m[row]]),
        np.array([e]),
        pairwise=True,
    )
    return np.append(edges, e), float(s[0])


def road_path(times: OfferTimes, i: int, classes: Sequence[str]) -> RoadPath:
    """The `i`-th row's route (with geometry) and its roads, consecutive stretches merged."""
    route = route_to_offer(times, i, with_geometry=True)
    edges, last_fraction = path_edges(times, i)
    r = times.net.router
    uses: list[RoadUse] = []
    for k, e in enumerate(edges.tolist()):
        share = last_fraction if k == len(edges) - 1 else 1.0
        if share <= 0:
            continue
        ref = times.edges.ref[e]
        highway = classes[e]
        length = float(times.edges.length_m[e]) * share
        seconds = float(r.edge_weight[e]) * share
        if uses and uses[-1].ref == ref and uses[-1].highway == highway:
            last = uses[-1]
            uses[-1] = RoadUse(ref, highway, last.distance_m + length, last.travel_time_s + seconds)
        else:
            uses.append(RoadUse(ref, highway, length, seconds))
    return RoadPath(route=route, roads=tuple(uses))


def encode_polyline(coordinates: Sequence[Sequence[float]], precision: int = 5) -> str:
    """Google's encoded polyline of ``[lon, lat]`` coordinates (encoded as lat, lon).

    openrouteservice's ``geometry`` in JSON answers; its clients decode it with precision 5.
    """
    factor = 10**precision
    out: list[str] = []
    prev_lat = prev_lon = 0
    for lon, lat in ((c[0], c[1]) for c in coordinates):
        ilat, ilon = round(lat * factor), round(lon * factor)
        for delta in (ilat - prev_lat, ilon - prev_lon):
            value = ~(delta << 1) if delta < 0 else delta << 1
            while value >= 0x20:
                out.append(chr((0x20 | (value & 0x1F)) + 63))
                value >>= 5
            out.append(chr(value + 63))
        prev_lat, prev_lon = ilat, ilon
    return "".join(out)
