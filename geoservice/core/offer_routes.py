"""How the ranked offers are reached: legs, distance, road refs and paths, for all at once.

:func:`geoservice.core.reachable.route_to_offer` rebuilds one path by walking the
shortest-path tree from the offer back to the origin; a ranking of 200 offers did that 200
times in Python (≈ 50 µs each). :func:`routes_to_offers` answers the same for every ranked
offer with array operations over the tree: the start node of each node's path and the length
along it by pointer jumping (``log₂ depth`` passes over the reached nodes), the egress point
of every offer in one vectorised call, and the road refs memoised per tree node (paths share
their beginnings). Same figures as :func:`~geoservice.core.reachable.route_to_offer` (tested);
lengths may differ in the last bits (the sums are taken in another order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import shapely

from geoservice.core.crs import METRIC_CRS, SERVICE_CRS, transformer
from geoservice.core.egress import EdgeTable, OfferEgress, egress_costs_s
from geoservice.core.network import ModeNetwork
from geoservice.core.routing import FloatArray, IntArray


@dataclass(frozen=True)
class Route:
    """How one offer is reached.

    Attributes
    ----------
    travel_time_s
        Door to door, seconds.
    distance_m
        Access leg + network + egress leg, metres (legs: straight × access detour factor).
    access_s, network_s, egress_s
        The three legs, seconds; a direct off-network trip is all access leg
        (``network_s`` and ``egress_s`` 0).
    route_refs
        Road refs along the network part, in order, without repeats.
    geometry
        The path in EPSG:4326 (LineString), when asked for.
    """

    travel_time_s: float
    distance_m: float
    access_s: float
    network_s: float
    egress_s: float
    route_refs: tuple[str, ...]
    geometry: shapely.Geometry | None = None


@dataclass(frozen=True)
class OfferTimes:
    """Door-to-door times from one origin to offers of a catalogue.

    Attributes
    ----------
    net
        The mode network searched.
    origin_m
        The origin, EPSG:2154 metres.
    times_s, predecessors
        The search from the origin: time (s) and previous node of every node position.
    start_positions
        The origin's snap nodes.
    travel_time_s
        One per entry of `rows`, seconds, ``inf`` beyond the search limit.
    edge
        Router edge each offer is left from (−1 for the direct off-network trip and for
        offers not reached).
    egress, edges
        The mode's tables.
    limit_s
        The search limit, seconds.
    rows
        Offer positions (in the catalogue's offers) these times are for.
    """

    net: ModeNetwork
    origin_m: tuple[float, float]
    times_s: FloatArray
    predecessors: IntArray
    start_positions: IntArray
    travel_time_s: FloatArray
    edge: IntArray
    egress: OfferEgress
    edges: EdgeTable
    limit_s: float
    rows: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


@dataclass(frozen=True)
class OfferRoutes:
    """How several offers are reached, one entry per offer, as columns.

    Attributes
    ----------
    travel_time_s, distance_m, access_s, network_s, egress_s
        As in :class:`Route`.
    route_refs
        Road refs of each path, in order, without repeats.
    geometry
        Each path in EPSG:4326 (LineString), or None when not asked for.
    """

    travel_time_s: FloatArray
    distance_m: FloatArray
    access_s: FloatArray
    network_s: FloatArray
    egress_s: FloatArray
    route_refs: tuple[tuple[str, ...], ...]
    geometry: tuple[shapely.Geometry, ...] | None = None

    def __len__(self) -> int:
        return len(self.travel_time_s)

    def route(self, k: int) -> Route:
        """The `k`-th route as a :class:`Route`."""
        return Route(
            travel_time_s=float(self.travel_time_s[k]),
            distance_m=float(self.distance_m[k]),
            access_s=float(self.access_s[k]),
            network_s=float(self.network_s[k]),
            egress_s=float(self.egress_s[k]),
            route_refs=self.route_refs[k],
            geometry=None if self.geometry is None else self.geometry[k],
        )


def _parent_edges(times: OfferTimes) -> IntArray:
    """Router edge ``pred(v) → v`` of every node with a predecessor (−1 elsewhere)."""
    r = times.net.router
    pred = times.predecessors
    n = max(r.node_count, 1)
    out = np.full(len(pred), -1, dtype=np.int64)
    child = np.flatnonzero(pred >= 0)
    keys = r.edge_u * n + r.edge_v
    out[child] = np.searchsorted(keys, pred[child] * n + child)
    return out


def _lengths_and_starts(times: OfferTimes, parent_edge: IntArray) -> tuple[IntArray, FloatArray]:
    """Start node of the path to every node and the network length (m) along it.

    Pointer jumping: after pass k each node knows its ancestor 2^k steps up and the length
    of the path between them, so ``log₂(depth)`` passes over the arrays cover every path.
    """
    pred = times.predecessors
    has = pred >= 0
    length = np.zeros(len(pred))
    length[has] = times.edges.length_m[parent_edge[has]]
    # A start (or unreached) node points at itself, with length 0: jumping from it or onto
    # it changes nothing, so every pass can run over all nodes.
    up = np.where(has, pred, np.arange(len(pred)))
    while True:
        up_next = up[up]
        if np.array_equal(up_next, up):
            return up, length
        length = length + length[up]
        up = up_next


def _refs_along(
    times: OfferTimes, parent_edge: IntArray, ends: Sequence[int]
) -> dict[int, tuple[str, ...]]:
    """Road refs of the path to each node of `ends`, in order, without repeats (memoised)."""
    pred = times.predecessors.tolist()
    parts = times.edges.ref_parts
    edge_of = parent_edge.tolist()
    memo: dict[int, tuple[str, ...]] = {}
    for end in ends:
        chain: list[int] = []
        node = end
        while node not in memo and pred[node] >= 0:
            chain.append(node)
            node = pred[node]
        refs = memo.setdefault(node, ())
        for child in reversed(chain):
            edge_refs = parts[edge_of[child]]
            if len(edge_refs) == 1:  # the usual case, without building a list
                if edge_refs[0] not in refs:
                    refs = (*refs, edge_refs[0])
            elif edge_refs:
                refs = _add_refs(refs, edge_refs)
            memo[child] = refs
    return memo


def _add_refs(refs: tuple[str, ...], edge_refs: tuple[str, ...]) -> tuple[str, ...]:
    """`refs` followed by those of `edge_refs` not already in them."""
    new = [ref for ref in edge_refs if ref not in refs]
    return (*refs, *new) if new else refs


def routes_to_offers(
    times: OfferTimes, indices: npt.ArrayLike, *, with_geometry: bool = False
) -> OfferRoutes:
    """How each offer ``times.rows[i]`` for ``i`` in `indices` is reached (see module doc).

    Offers not reached are not asked for (their ``times.edge`` is −1 and they would be
    described as a direct trip).
    """
    net = times.net
    r = net.router
    idx = np.asarray(indices, dtype=np.int64)
    rows = times.rows[idx]
    px, py = times.egress.x_m[rows], times.egress.y_m[rows]
    ox, oy = times.origin_m
    detour = net.access_detour_factor
    e = times.edge[idx]
    via = e >= 0
    m = len(idx)
    # Direct off-network trips: all access leg.
    straight = np.hypot(px - ox, py - oy)
    access_straight = straight.copy()
    access_s = np.asarray(net.access_time_s(straight), dtype=float)
    network_s = np.zeros(m)
    egress_s = np.zeros(m)
    network_m = np.zeros(m)
    egress_straight = np.zeros(m)
    qx, qy = px.copy(), py.copy()
    u = np.zeros(m, dtype=np.int64)
    s = np.zeros(m)
    parent_edge = np.zeros(0, dtype=np.int64)
    if via.any():
        ev = e[via]
        u[via] = r.edge_u[ev]
        parent_edge = _parent_edges(times)
        start, length = _lengths_and_starts(times, parent_edge)
        first = start[u[via]]
        access_straight[via] = np.hypot(net.x_m[first] - ox, net.y_m[first] - oy)
        access_s[via] = net.access_time_s(access_straight[via])
        _, s_via = egress_costs_s(net, px[via], py[via], ev, pairwise=True)
        s[via] = s_via
        uv, vv = u[via], r.edge_v[ev]
        qx[via] = net.x_m[uv] + s_via * (net.x_m[vv] - net.x_m[uv])
        qy[via] = net.y_m[uv] + s_via * (net.y_m[vv] - net.y_m[uv])
        egress_straight[via] = np.hypot(px[via] - qx[via], py[via] - qy[via])
        egress_s[via] = net.access_time_s(egress_straight[via])
        network_s[via] = times.times_s[uv] - access_s[via] + s_via * r.edge_weight[ev]
        network_m[via] = length[uv] + s_via * times.edges.length_m[ev]
    refs: list[tuple[str, ...]] = [()] * m
    if via.any():
        memo = _refs_along(times, parent_edge, u[via].tolist())
        for k in np.flatnonzero(via).tolist():
            path_refs = memo[int(u[k])]
            refs[k] = (
                _add_refs(path_refs, times.edges.ref_parts[int(e[k])]) if s[k] > 0 else path_refs
            )
    travel = np.where(via, access_s + network_s + egress_s, access_s)
    distance = np.where(
        via, access_straight * detour + network_m + egress_straight * detour, straight * detour
    )
    geometry = None
    if with_geometry:
        geometry = _paths_wgs84(times, u, via, qx, qy, px, py)
    return OfferRoutes(
        travel_time_s=travel,
        distance_m=distance,
        access_s=access_s,
        network_s=network_s,
        egress_s=egress_s,
        route_refs=tuple(refs),
        geometry=geometry,
    )


def _paths_wgs84(
    times: OfferTimes,
    u: IntArray,
    via: npt.NDArray[np.bool_],
    qx: FloatArray,
    qy: FloatArray,
    px: FloatArray,
    py: FloatArray,
) -> tuple[shapely.Geometry, ...]:
    """Each path as an EPSG:4326 LineString: origin, nodes, egress point, offer (one
    coordinate transformation for all)."""
    net = times.net
    pred = times.predecessors.tolist()
    ox, oy = times.origin_m
    lines: list[list[tuple[float, float]]] = []
    for k in range(len(u)):
        if not via[k]:
            lines.append([(ox, oy), (float(px[k]), float(py[k]))])  # the straight leg, as given
            continue
        path = [int(u[k])]
        while pred[path[-1]] >= 0:
            path.append(pred[path[-1]])
        path.reverse()
        coords = [(ox, oy)] + [(float(net.x_m[p]), float(net.y_m[p])) for p in path]
        coords += [(float(qx[k]), float(qy[k])), (float(px[k]), float(py[k]))]
        lines.append(path_points(coords))
    counts = np.array([len(c) for c in lines], dtype=np.int64)
    flat = np.array([xy for c in lines for xy in c], dtype=float).reshape(-1, 2)
    lon, lat = transformer(METRIC_CRS, SERVICE_CRS).transform(flat[:, 0], flat[:, 1])
    coords_wgs84 = np.column_stack([np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)])
    geoms = shapely.linestrings(coords_wgs84, indices=np.repeat(np.arange(len(lines)), counts))
    return tuple(np.asarray(geoms, dtype=object).tolist())


def path_points(coords: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The points of a path without consecutive repeats (within 1e-6 m); at least two, so
    that it stays a line."""
    out = [coords[0]]
    for c in coords[1:]:
        if abs(c[0] - out[-1][0]) > 1e-6 or abs(c[1] - out[-1][1]) > 1e-6:
            out.append(c)
    if len(out) == 1:
        out.append(out[0])
    return out
