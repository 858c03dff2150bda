"""Egress tables: the per-offer, per-mode static part of door-to-door travel times.

Along a directed edge u → v (chord from u to v, ``w`` seconds) the time to the offer P when
leaving at fraction ``s`` is ``t_u + s·w + |p(s) − P| / k`` (``k`` = access speed / detour
factor). ``t_u`` depends on the origin; the rest does not, so its minimum over ``s ∈ [0, 1]``
(closed form, the function is convex) is computed once per (offer, edge) at start-up:
:class:`OfferEgress`. See :mod:`geoservice.core.reachable` for the whole travel model.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from geoservice.core.network import ModeNetwork
from geoservice.core.routing import FloatArray, IntArray
from geoservice.core.snapping import METRIC_CRS
from geoservice.errors import DataError, MissingColumnError


def egress_costs_s(
    net: ModeNetwork,
    px: FloatArray,
    py: FloatArray,
    edges: IntArray | None = None,
    *,
    pairwise: bool = False,
) -> tuple[FloatArray, FloatArray]:
    """Least time (s) from an edge's start to a point, leaving the edge once.

    For points P (EPSG:2154, metres) and router edges e = u → v:
    ``min over s in [0, 1] of s·w_e + |p_e(s) − P| / k`` (``k`` = access speed / access detour
    factor). The cost is convex in ``s``: its minimum has a closed form.

    Parameters
    ----------
    net
        The mode network.
    px, py
        Points, shape ``(p,)``.
    edges
        Router edge indices (default: all).
    pairwise
        False: every point with every edge, shape ``(p, e)``; True: point i with edge i,
        shape ``(p,)``.

    Returns
    -------
    cost_s, s
        The least time and the fraction of the edge where the traveller leaves it.
    """
    r = net.router
    idx = np.arange(len(r.edge_u)) if edges is None else np.asarray(edges, dtype=np.int64)
    if pairwise:
        qx_p, qy_p = np.asarray(px, dtype=float), np.asarray(py, dtype=float)
    else:
        qx_p, qy_p = np.asarray(px, dtype=float)[:, None], np.asarray(py, dtype=float)[:, None]
    k = net.access_speed_mps / net.access_detour_factor
    ux, uy = net.x_m[r.edge_u[idx]], net.y_m[r.edge_u[idx]]
    dx, dy = net.x_m[r.edge_v[idx]] - ux, net.y_m[r.edge_v[idx]] - uy
    w = r.edge_weight[idx]
    length = np.hypot(dx, dy)
    safe = np.where(length > 0, length, 1.0)
    rx, ry = qx_p - ux, qy_p - uy
    s0 = (rx * dx + ry * dy) / safe**2  # projection of P on the edge's line, in fractions
    h = np.abs(rx * dy - ry * dx) / safe  # distance from P to that line, metres
    slope = length / k  # seconds to cover the chord off-network
    # d cost / ds = w + L·(s·L − s0·L) / (k·|p(s) − P|) vanishes where the egress leg meets
    # the edge at cos θ = w·k / L; with w ≥ L / k, leaving at the start is best.
    steep = slope > w
    denom = np.sqrt(np.where(steep, slope**2 - w**2, 1.0))
    s = np.clip(np.where(steep, s0 - (w * h / safe) / denom, 0.0), 0.0, 1.0)
    cost = s * w + np.hypot(qx_p - (ux + s * dx), qy_p - (uy + s * dy)) / k
    return np.asarray(cost, dtype=float), np.asarray(s, dtype=float)


@dataclass(frozen=True)
class OfferEgress:
    """Per-mode static part of the offers' travel times (built once, at start-up).

    For an offer P and a node u, ``R_P(u)`` is the least time from u to P (network, then one
    egress leg) and ``c_P(u)`` the least time leaving P's way from one of u's own edges. Since
    ``t_x ≤ t_u + w(u → x)`` for any search from any origin, the door-to-door time through the
    network is ``min over u of t_u + R_P(u)``, and the minimum is always attained at a node
    where ``c_P(u) = R_P(u)`` (the traveller leaves the network on one of u's edges): the
    *egress nodes* of P. They are few (nodes around P), found by one reverse Dijkstra run per
    offer, and stored as pairs.

    Attributes
    ----------
    offer_ids
        The offers, in the frame's order.
    x_m, y_m
        Offer points, EPSG:2154 metres.
    pair_offer, pair_node, pair_edge, pair_cost_s
        One row per (offer, egress node): offer position, node position, the router edge left
        from and ``c_P(u)`` in seconds; sorted by offer.
    """

    offer_ids: npt.NDArray[np.object_]
    x_m: FloatArray
    y_m: FloatArray
    pair_offer: IntArray
    pair_node: IntArray
    pair_edge: IntArray
    pair_cost_s: FloatArray


def offer_egress_from_frame(net: ModeNetwork, offers: gpd.GeoDataFrame) -> OfferEgress:
    """Precompute :class:`OfferEgress` of `offers` (points with a CRS) on `net`."""
    if offers.crs is None:
        raise DataError("the offers frame has no CRS: refusing to guess")
    if "offer_id" not in offers.columns:
        raise MissingColumnError("the offers frame has no 'offer_id' column")
    points = offers.geometry.to_crs(METRIC_CRS)
    x = np.asarray(points.x, dtype=float)
    y = np.asarray(points.y, dtype=float)
    r = net.router
    n = r.node_count
    # Out-edges of each node are contiguous (router edges are sorted by start node).
    has_out = np.bincount(r.edge_u, minlength=n) > 0
    group_start = np.searchsorted(r.edge_u, np.arange(n))
    # Reversed graph (x → u for every u → x) with a virtual source row n.
    rev = sp.csr_array(
        (r.edge_weight, (r.edge_v, r.edge_u)), shape=(n + 1, n + 1)
    )  # parallel pairs are already reduced
    rev_indptr = rev.indptr.astype(np.int64)
    rev_indices = rev.indices.astype(np.int64)
    rev_data = rev.data.astype(float)
    nodes_out = np.flatnonzero(has_out)
    pairs: list[tuple[IntArray, IntArray, IntArray, FloatArray]] = []
    for start in range(0, len(x), 32):  # bounded temporary arrays
        cost, _ = egress_costs_s(net, x[start : start + 32], y[start : start + 32])
        for j in range(cost.shape[0]):
            row = cost[j]
            local = np.full(n, np.inf)
            local_edge = np.full(n, -1, dtype=np.int64)
            mins = np.minimum.reduceat(row, group_start[nodes_out])
            local[nodes_out] = mins
            # The first edge achieving the minimum in each group.
            at_min = np.flatnonzero(row <= local[r.edge_u])
            starts, first = np.unique(r.edge_u[at_min], return_index=True)
            local_edge[starts] = at_min[first]
            matrix = sp.csr_array(
                (
                    np.concatenate([rev_data, local[nodes_out]]),
                    np.concatenate([rev_indices[: rev_indptr[n]], nodes_out]),
                    np.concatenate([rev_indptr[: n + 1], [rev_indptr[n] + len(nodes_out)]]),
                ),
                shape=(n + 1, n + 1),
            )
            reverse = np.asarray(dijkstra(matrix, indices=np.array([n]))[0][:n], dtype=float)
            egress_nodes = np.flatnonzero(local <= reverse * (1 + 1e-12) + 1e-9)
            pairs.append(
                (
                    np.full(len(egress_nodes), start + j, dtype=np.int64),
                    egress_nodes.astype(np.int64),
                    local_edge[egress_nodes],
                    local[egress_nodes],
                )
            )
    ids = np.asarray(offers["offer_id"].astype(str).to_numpy(), dtype=object)
    empty_i = np.zeros(0, dtype=np.int64)
    return OfferEgress(
        offer_ids=ids,
        x_m=x,
        y_m=y,
        pair_offer=np.concatenate([p[0] for p in pairs]) if pairs else empty_i,
        pair_node=np.concatenate([p[1] for p in pairs]) if pairs else empty_i,
        pair_edge=np.concatenate([p[2] for p in pairs]) if pairs else empty_i,
        pair_cost_s=np.concatenate([p[3] for p in pairs]) if pairs else np.zeros(0),
    )


@dataclass(frozen=True)
class EdgeTable:
    """Length (m) and route ref of each router edge (the fastest of parallel edges)."""

    length_m: FloatArray
    ref: tuple[str, ...]

    @cached_property
    def ref_parts(self) -> tuple[tuple[str, ...], ...]:
        """The refs of each edge (``ref`` split at ``;``), without empty ones or repeats."""
        return tuple(tuple(dict.fromkeys(r for r in ref.split(";") if r)) for ref in self.ref)


def edge_table_from_network(net: ModeNetwork) -> EdgeTable:
    """Length and ref of the edge the router uses for each ordered node pair."""
    r = net.router
    best: dict[tuple[int, int], tuple[float, float, str]] = {}
    for u, v, data in net.G.edges(data=True):
        key = (r.position[u], r.position[v])
        weight = float(data.get(r.weight, np.inf))
        ref = data.get("ref") or ""
        if isinstance(ref, list | tuple):
            ref = ";".join(str(x) for x in ref)
        if key not in best or weight < best[key][0]:
            best[key] = (weight, float(data.get("length", 0.0)), str(ref))
    pairs = list(zip(r.edge_u.tolist(), r.edge_v.tolist(), strict=True))
    return EdgeTable(
        length_m=np.array([best[p][1] for p in pairs], dtype=float),
        ref=tuple(best[p][2] for p in pairs),
    )


def concat_egress(parts: list[tuple[OfferEgress, IntArray]], count: int) -> OfferEgress:
    """One :class:`OfferEgress` of `count` offers from the tables of disjoint parts.

    Parameters
    ----------
    parts
        Each part's table and, for each of its offers, the offer's position in the result.
    count
        Number of offers of the result (every position is given by exactly one part).
    """
    ids = np.empty(count, dtype=object)
    x = np.zeros(count)
    y = np.zeros(count)
    for table, position in parts:
        ids[position] = table.offer_ids
        x[position] = table.x_m
        y[position] = table.y_m
    pair_offer = np.concatenate([position[t.pair_offer] for t, position in parts])
    order = np.argsort(pair_offer, kind="stable")  # pairs stay sorted by offer
    return OfferEgress(
        offer_ids=ids,
        x_m=x,
        y_m=y,
        pair_offer=pair_offer[order].astype(np.int64),
        pair_node=np.concatenate([t.pair_node for t, _ in parts])[order].astype(np.int64),
        pair_edge=np.concatenate([t.pair_edge for t, _ in parts])[order].astype(np.int64),
        pair_cost_s=np.concatenate([t.pair_cost_s for t, _ in parts])[order].astype(float),
    )
