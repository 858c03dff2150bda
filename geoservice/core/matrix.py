"""Road travel-time matrices: many origins × many destinations, door to door.

The travel model is the ranking's (:mod:`geoservice.core.reachable`): an origin joins the
network by access legs, follows edges, and leaves the network anywhere on an edge by one
straight egress leg to the destination (or goes straight, off-network). A destination is any
point given a :class:`~geoservice.core.reachable.OfferEgress` — the offers themselves, or
communes and points wrapped in a :class:`~geoservice.core.reachable.ReachableOffers` — so a
matrix cell equals ``/reachable``'s time for the same origin and offer.

Two directions, the same answers:

- **per origin** (:func:`road_matrix`, ``direction="forward"``): one bounded Dijkstra run from
  each origin, exactly :func:`~geoservice.core.reachable.offer_travel_times`, then a ``min``
  over the destinations' egress pairs;
- **per destination** (``direction="reverse"``): one Dijkstra run per destination on the
  *reversed* graph (roads can be one-way), seeded at the destination's egress nodes with
  their egress costs; an origin's time is then the best of its snap nodes (access leg +
  time to the destination) or the straight trip.

``auto`` picks the side with fewer searches. Distances follow the chosen path: access leg
(straight × the access detour factor), edge lengths, the part of the last edge used and the
egress leg, like :func:`~geoservice.core.reachable.route_to_offer`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from geoservice.core.network import ModeNetwork
from geoservice.core.reachable import (
    EdgeTable,
    OfferEgress,
    OfferTimes,
    ReachableOffers,
    egress_costs_s,
    offer_travel_times,
)
from geoservice.core.routing import FloatArray, IntArray
from geoservice.errors import InvalidParameterError, OutsideCoverageError

#: Accepted values of ``direction``.
DIRECTIONS = ("auto", "forward", "reverse")

#: Called after each origin (forward) or destination (reverse) with (done, total).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RoadMatrix:
    """Door-to-door times and distances, origins × destinations.

    Attributes
    ----------
    travel_time_s
        ``(origins, destinations)`` seconds; ``inf`` when not reached (or beyond the limit).
    distance_m
        Same shape, metres along the path; ``inf`` where the time is.
    direction
        ``forward`` (one search per origin) or ``reverse`` (one per destination).
    """

    travel_time_s: FloatArray
    distance_m: FloatArray
    direction: str


def _edge_index(net: ModeNetwork, u: IntArray, v: IntArray) -> IntArray:
    """Router edge index of each node pair u → v (router edges are sorted by (u, v))."""
    r = net.router
    n = max(r.node_count, 1)
    keys = r.edge_u * n + r.edge_v
    return np.searchsorted(keys, u * n + v).astype(np.int64)


def tree_distances_m(
    net: ModeNetwork, edges: EdgeTable, parent: IntArray, root_m: FloatArray, *, reverse: bool
) -> FloatArray:
    """Length (m) of each node's path in a shortest-path tree, by pointer jumping.

    Parameters
    ----------
    net, edges
        The mode network and its edge table (lengths of the router's edges).
    parent
        Per node position: the node before it on its path (forward tree) or after it
        (reverse tree, towards the destination); ``-1`` for roots and nodes not reached.
    root_m
        Per node: the length already covered at a root (access or egress leg), ``inf`` for
        nodes that are not roots.
    reverse
        The tree of a reverse search: the edge from a node to its parent is node → parent.
    """
    n = len(parent)
    has = parent >= 0
    step = np.where(np.isfinite(root_m), root_m, np.inf)
    nodes = np.flatnonzero(has)
    if len(nodes):
        u, v = (nodes, parent[nodes]) if reverse else (parent[nodes], nodes)
        step[nodes] = edges.length_m[_edge_index(net, u, v)]
    total = step.copy()
    up = parent.copy()
    for _ in range(64):  # 2^64 levels: any tree
        live = np.flatnonzero(up >= 0)
        if len(live) == 0:
            break
        total[live] += total[up[live]]
        up[live] = up[up[live]]
    total[(parent < 0) & ~np.isfinite(root_m)] = np.inf
    return total if n else np.zeros(0)


def _egress_static(
    net: ModeNetwork, egress: OfferEgress, edges: EdgeTable, dest: IntArray, edge: IntArray
) -> FloatArray:
    """Metres from an edge's start to the destination: part of the edge, then egress leg."""
    r = net.router
    px, py = egress.x_m[dest], egress.y_m[dest]
    _, s = egress_costs_s(net, px, py, edge, pairwise=True)
    u, v = r.edge_u[edge], r.edge_v[edge]
    qx = net.x_m[u] + s * (net.x_m[v] - net.x_m[u])
    qy = net.y_m[u] + s * (net.y_m[v] - net.y_m[u])
    leg = np.hypot(px - qx, py - qy) * net.access_detour_factor
    return np.asarray(s * edges.length_m[edge] + leg, dtype=float)


def offer_distances_m(times: OfferTimes) -> FloatArray:
    """Distance (m) of each row of `times` along its path (``inf`` when not reached)."""
    net = times.net
    r = net.router
    ox, oy = times.origin_m
    detour = net.access_detour_factor
    pred = np.where(np.isfinite(times.times_s), times.predecessors, -1)
    roots = np.full(len(pred), np.inf)
    is_root = (pred < 0) & np.isfinite(times.times_s)
    roots[is_root] = np.hypot(net.x_m[is_root] - ox, net.y_m[is_root] - oy) * detour
    tree = tree_distances_m(net, times.edges, pred, roots, reverse=False)
    rows = times.rows
    out = np.full(len(rows), np.inf)
    direct = (times.edge < 0) & np.isfinite(times.travel_time_s)
    out[direct] = (
        np.hypot(times.egress.x_m[rows[direct]] - ox, times.egress.y_m[rows[direct]] - oy) * detour
    )
    via = np.flatnonzero(times.edge >= 0)
    if len(via):
        e = times.edge[via]
        static = _egress_static(net, times.egress, times.edges, rows[via], e)
        out[via] = tree[r.edge_u[e]] + static
    return out


@contextmanager
def origin_errors(i: int) -> Iterator[None]:
    """Name the `i`-th origin (``origins[i]``) in a coverage error raised inside."""
    try:
        yield
    except OutsideCoverageError as e:
        e.field = f"origins[{i}]"
        raise


def road_matrix(
    targets: ReachableOffers,
    mode: str,
    origins_m: Sequence[tuple[float, float]],
    *,
    rows: npt.ArrayLike | None = None,
    limit_s: float = np.inf,
    direction: str = "auto",
    progress: Progress | None = None,
) -> RoadMatrix:
    """Door-to-door times (s) and distances (m) from origins to destinations by road.

    Parameters
    ----------
    targets
        The destinations with their egress tables (offers, or places wrapped alike).
    mode
        ``drive``, ``bike`` or ``walk``.
    origins_m
        Origins, EPSG:2154 (x, y) metres.
    rows
        Destination positions in ``targets.offers`` (default all), in column order.
    limit_s
        Longest time searched; pairs beyond it are ``inf``.
    direction
        ``forward``, ``reverse`` or ``auto`` (fewer searches).
    progress
        Called after each search.

    Raises
    ------
    OutsideCoverageError
        An origin is outside the network's coverage (naming ``origins[i]``, its position).
    """
    if direction not in DIRECTIONS:
        raise InvalidParameterError(
            "direction", f"unknown direction {direction!r}", allowed=DIRECTIONS
        )
    cols = (
        np.arange(len(targets.offers), dtype=np.int64)
        if rows is None
        else np.asarray(rows, dtype=np.int64)
    )
    if direction == "auto":
        direction = "reverse" if len(cols) < len(origins_m) else "forward"
    if direction == "forward":
        return _forward(targets, mode, origins_m, cols, limit_s, progress)
    return _reverse(targets, mode, origins_m, cols, limit_s, progress)


def _forward(
    targets: ReachableOffers,
    mode: str,
    origins_m: Sequence[tuple[float, float]],
    cols: IntArray,
    limit_s: float,
    progress: Progress | None,
) -> RoadMatrix:
    times = np.full((len(origins_m), len(cols)), np.inf)
    dist = np.full_like(times, np.inf)
    for i, (x, y) in enumerate(origins_m):
        with origin_errors(i):
            found = offer_travel_times(
                targets, mode, float(x), float(y), limit_s=limit_s, rows=cols
            )
        times[i] = found.travel_time_s
        dist[i] = offer_distances_m(found)
        if progress is not None:
            progress(i + 1, len(origins_m))
    return RoadMatrix(travel_time_s=times, distance_m=dist, direction="forward")


def _reverse(
    targets: ReachableOffers,
    mode: str,
    origins_m: Sequence[tuple[float, float]],
    cols: IntArray,
    limit_s: float,
    progress: Progress | None,
) -> RoadMatrix:
    net = targets.network.mode(mode)
    egress, edges = targets.tables(mode)
    r = net.router
    n = r.node_count
    detour = net.access_detour_factor
    snaps = []
    for i, (x, y) in enumerate(origins_m):
        with origin_errors(i):
            snaps.append(net.index.snap(float(x), float(y), net.snap_candidates))
    ox = np.array([float(o[0]) for o in origins_m])
    oy = np.array([float(o[1]) for o in origins_m])
    # Snap nodes of every origin, padded (an unused slot never wins: infinite access time).
    width = max((len(snap.positions) for snap in snaps), default=1)
    pos = np.zeros((len(snaps), width), dtype=np.int64)
    acc_s = np.full((len(snaps), width), np.inf)
    leg_m = np.zeros((len(snaps), width))
    for i, snap in enumerate(snaps):
        m = len(snap.positions)
        pos[i, :m] = snap.positions
        acc_s[i, :m] = net.access_time_s(snap.distances_m)
        leg_m[i, :m] = snap.distances_m * detour
    everyone = np.arange(len(snaps))
    times = np.full((len(origins_m), len(cols)), np.inf)
    dist = np.full_like(times, np.inf)
    # The reversed graph (x → u for every u → x) with a virtual source row n.
    pair_start = np.searchsorted(egress.pair_offer, cols, side="left")
    pair_end = np.searchsorted(egress.pair_offer, cols, side="right")
    for j, dest in enumerate(cols.tolist()):
        pairs = np.arange(pair_start[j], pair_end[j])
        seed_node = egress.pair_node[pairs]
        matrix = sp.csr_array(
            (
                np.concatenate([r.edge_weight, egress.pair_cost_s[pairs]]),
                (
                    np.concatenate([r.edge_v, np.full(len(pairs), n)]),
                    np.concatenate([r.edge_u, seed_node]),
                ),
            ),
            shape=(n + 1, n + 1),
        )
        d_row, p_row = dijkstra(
            matrix, indices=np.array([n]), limit=limit_s, return_predecessors=True
        )
        to_dest = np.asarray(d_row[0][:n], dtype=float)
        parent = np.asarray(p_row[0][:n], dtype=np.int64)
        parent[(parent < 0) | (parent >= n)] = -1
        roots = np.full(n, np.inf)
        if len(pairs):
            static = _egress_static(
                net, egress, edges, np.full(len(pairs), dest), egress.pair_edge[pairs]
            )
            is_seed_root = parent[seed_node] < 0
            roots[seed_node[is_seed_root]] = static[is_seed_root]
        roots[~np.isfinite(to_dest)] = np.inf
        tree = tree_distances_m(net, edges, parent, roots, reverse=True)
        via = acc_s + to_dest[pos]  # origins × snap nodes
        best = np.argmin(via, axis=1)
        via_s = via[everyone, best]
        direct_m = np.hypot(egress.x_m[dest] - ox, egress.y_m[dest] - oy)
        direct_s = net.access_time_s(direct_m)
        use_direct = direct_s <= via_s
        t = np.where(use_direct, direct_s, via_s)
        d = np.where(
            use_direct, direct_m * detour, leg_m[everyone, best] + tree[pos[everyone, best]]
        )
        ok = t <= limit_s
        times[:, j] = np.where(ok, t, np.inf)
        dist[:, j] = np.where(ok, d, np.inf)
        if progress is not None:
            progress(j + 1, len(cols))
    return RoadMatrix(travel_time_s=times, distance_m=dist, direction="reverse")
