"""Which offers can I reach, and how fast: door-to-door ranking over one mode's network.

Travel model — the one of the isochrones (``docs/isochrones.md``), so that an offer ranked
within T minutes lies inside the T-minute isochrone and the other way round:

- the origin joins the network at its nearest nodes by access legs (straight distance × the
  access detour factor, at the mode's access speed), as in :meth:`ModeNetwork.reach_from_xy`;
- the traveller then follows edges and may leave the network at *any point* of an edge
  (not only at a node) to go straight to the offer at the access speed — the *egress leg*;
- or walks / rides / drives straight from the origin to the offer off-network.

Along a directed edge u → v (chord from u to v, ``w`` seconds) the time to the offer P when
leaving at fraction ``s`` is ``t_u + s·w + |p(s) − P| / k`` (``k`` = access speed / detour
factor). ``t_u`` depends on the origin; the rest does not, so its minimum over ``s ∈ [0, 1]``
(closed form, the function is convex) is computed once per (offer, edge) at start-up:
:class:`OfferEgress`. Leaving from the best edge of a node u gives ``c_P(u)``; only the few
*egress nodes* where that is also the best way on from u can win (see :class:`OfferEgress`),
so a request is one bounded Dijkstra run and one ``min`` over those (offer, node) pairs.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra

from geoservice.core.network import ModeNetwork, RoadNetwork
from geoservice.core.routing import FloatArray, IntArray
from geoservice.core.snapping import METRIC_CRS, geometry_to_wgs84
from geoservice.errors import DataError, InvalidParameterError, MissingColumnError

#: Categories whose offers are permanent venues (no dates: always open for date filters).
VENUE_CATEGORIES = ("museum", "cinema", "library")

_MONTHS = {
    "janvier": 1,
    "fevrier": 2,
    "février": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "aout": 8,
    "août": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "decembre": 12,
    "décembre": 12,
}
_SEASON = re.compile(
    r"\(\s*(\d{1,2})(?:er)?\s+([a-zéèûô]+)\s*-\s*(\d{1,2})(?:er)?\s+([a-zéèûô]+)\s*\)",
    re.IGNORECASE,
)

MonthDay = tuple[int, int]
BoolArray = npt.NDArray[np.bool_]


def season_from_period(period: str | None) -> tuple[MonthDay, MonthDay] | None:
    """The yearly window of a festival season text, or None when it cannot be read.

    ``"Saison (21 juin - 5 septembre)"`` → ``((6, 21), (9, 5))``. The Panorama des festivals
    only gives the main season of a festival (before, during or after the summer), not its
    dates: the window is the whole season, every year.
    """
    if not period:
        return None
    match = _SEASON.search(period)
    if match is None:
        return None
    d0, m0, d1, m1 = match.groups()
    if m0.lower() not in _MONTHS or m1.lower() not in _MONTHS:
        return None
    return (_MONTHS[m0.lower()], int(d0)), (_MONTHS[m1.lower()], int(d1))


def _window_overlaps(season: tuple[MonthDay, MonthDay], date_from: date, date_to: date) -> bool:
    (m0, d0), (m1, d1) = season
    for year in range(date_from.year, date_to.year + 1):
        try:
            start = date(year, m0, d0)
            end = date(year, m1, d1)
        except ValueError:  # 29 February on a common year and the like
            continue
        if end < start:  # a season across new year: split it
            if start <= date_to and date(year, 12, 31) >= date_from:
                return True
            if date(year, 1, 1) <= date_to and end >= date_from:
                return True
        elif start <= date_to and end >= date_from:
            return True
    return False


def offers_open_between(
    offers: pd.DataFrame, date_from: date | None, date_to: date | None
) -> npt.NDArray[np.bool_]:
    """Which offers may take place between `date_from` and `date_to` (both included).

    Venues (museums, cinemas, libraries) without a ``period`` are permanent: always kept.
    An offer with a ``period`` is kept when its yearly season window (see
    :func:`season_from_period`) overlaps the dates; one whose period is missing or cannot be
    read is dropped when a date is given (its dates are unknown). No date: everything kept.
    """
    if date_from is None and date_to is None:
        return np.ones(len(offers), dtype=bool)
    start = date_from or date.min
    end = date_to or date.max
    if end < start:
        raise InvalidParameterError("date_to", f"date_to {end} is before date_from {start}")
    # An open end: one year is enough to meet every yearly season.
    if date_to is None:
        end = date(min(start.year + 1, date.max.year), 12, 31)
    if date_from is None:
        start = date(max(end.year - 1, date.min.year), 1, 1)
    keep = np.zeros(len(offers), dtype=bool)
    categories = offers["category"].to_numpy()
    periods = offers["period"].to_numpy()
    for i, (category, period) in enumerate(zip(categories, periods, strict=True)):
        text = period if isinstance(period, str) and period.strip() else None
        if text is None:
            keep[i] = category in VENUE_CATEGORIES
            continue
        season = season_from_period(text)
        keep[i] = season is not None and _window_overlaps(season, start, end)
    return keep


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


class ReachableOffers:
    """The offers with their per-mode egress tables: what the ranking reads per request.

    Parameters
    ----------
    network
        The road network.
    offers
        The offers (EPSG:4326 points, :data:`geoservice.core.offers.OFFER_COLUMNS`); kept
        sorted by ``offer_id``, so that position order breaks ties.
    eager
        Build every mode's tables now (start-up) rather than on first use.
    themes, categories
        The kinds of :func:`nearest_offer_per_kind` whose tables are built with `eager`.
    """

    def __init__(
        self,
        network: RoadNetwork,
        offers: gpd.GeoDataFrame,
        *,
        eager: bool = True,
        themes: Sequence[str] = (),
        categories: Sequence[str] = (),
    ) -> None:
        self.network = network
        self.offers = offers.sort_values("offer_id", kind="stable", ignore_index=True)
        #: Offer themes and categories as arrays, for the per-request filters.
        self.theme_sets: tuple[frozenset[str], ...] = tuple(
            frozenset(ts or ()) for ts in self.offers.get("themes", pd.Series(dtype=object))
        )
        self.categories = np.asarray(self.offers.get("category", pd.Series(dtype=object)))
        self._egress: dict[str, OfferEgress] = {}
        self._edges: dict[str, EdgeTable] = {}
        self._nearest: dict[tuple[str, tuple[str, ...], tuple[str, ...]], NearestTable] = {}
        self._lock = threading.Lock()
        #: Tables other modules derive from these offers (the transit walk table), built once.
        self.derived: dict[str, Any] = {}
        if eager:
            for mode in network.modes:
                self.tables(mode)
                if themes or categories:
                    self.nearest_table(mode, themes, categories)

    def tables(self, mode: str) -> tuple[OfferEgress, EdgeTable]:
        """Egress and edge tables of `mode` (built once, thread-safe)."""
        net = self.network.mode(mode)
        with self._lock:
            if mode not in self._egress:
                self._egress[mode] = offer_egress_from_frame(net, self.offers)
                self._edges[mode] = edge_table_from_network(net)
            return self._egress[mode], self._edges[mode]

    def members(self, themes: Sequence[str], categories: Sequence[str]) -> BoolArray:
        """``(kinds, offers)``: which offers have each theme, then each category."""
        rows = [np.array([t in ts for ts in self.theme_sets], dtype=bool) for t in themes]
        rows += [np.asarray(self.categories == c, dtype=bool) for c in categories]
        return np.array(rows, dtype=bool).reshape(len(rows), len(self.offers))

    def nearest_table(
        self, mode: str, themes: Sequence[str], categories: Sequence[str]
    ) -> NearestTable:
        """The nearest-offer table of `mode` for these kinds (built once, thread-safe)."""
        egress, _ = self.tables(mode)
        key = (mode, tuple(themes), tuple(categories))
        with self._lock:
            if key not in self._nearest:
                net = self.network.mode(mode)
                members = self.members(themes, categories)
                self._nearest[key] = nearest_table_from_egress(net, egress, members)
            return self._nearest[key]


@dataclass(frozen=True)
class NearestTable:
    """Per kind: time from every node to the nearest offer of the kind, and which offer.

    Built like pandana's ``nearest_pois``: one multi-source Dijkstra run per kind on the
    reversed graph, seeded at the kind's offers' egress nodes with their egress costs.

    Attributes
    ----------
    members
        ``(kinds, offers)``: the offers of each kind.
    time_s
        ``(kinds, nodes)``: seconds from the node to the nearest offer of the kind (network
        then egress leg), ``inf`` when none.
    offer
        ``(kinds, nodes)``: position of that offer, −1 when none.
    """

    members: BoolArray
    time_s: FloatArray
    offer: IntArray


def nearest_table_from_egress(
    net: ModeNetwork, egress: OfferEgress, members: BoolArray
) -> NearestTable:
    """Build a :class:`NearestTable` (one reverse search per row of `members`)."""
    r = net.router
    n = r.node_count
    times = np.full((len(members), n), np.inf)
    offer = np.full((len(members), n), -1, dtype=np.int64)
    for k, member in enumerate(members):
        keep = np.flatnonzero(member[egress.pair_offer])
        if len(keep) == 0:
            continue
        # Seed of each node: its cheapest pair, ties by offer position (= offer_id order).
        order = keep[np.lexsort((egress.pair_offer[keep], egress.pair_cost_s[keep],
                                 egress.pair_node[keep]))]  # fmt: skip
        first = np.ones(len(order), dtype=bool)
        first[1:] = egress.pair_node[order][1:] != egress.pair_node[order][:-1]
        seed_node = egress.pair_node[order[first]]
        seed_cost = egress.pair_cost_s[order[first]]
        seed_offer = np.full(n, -1, dtype=np.int64)
        seed_offer[seed_node] = egress.pair_offer[order[first]]
        matrix = sp.csr_array(
            (
                np.concatenate([r.edge_weight, seed_cost]),
                (
                    np.concatenate([r.edge_v, np.full(len(seed_node), n)]),
                    np.concatenate([r.edge_u, seed_node]),
                ),
            ),
            shape=(n + 1, n + 1),
        )
        dist, pred = dijkstra(matrix, indices=np.array([n]), return_predecessors=True)
        times[k] = dist[0][:n]
        # The seed node each node's path starts from: pointer jumping up the search tree.
        parent = np.asarray(pred[0][:n], dtype=np.int64)
        root = np.where(parent == n, np.arange(n), parent)
        root[parent < 0] = -1
        for _ in range(64):
            valid = root >= 0
            nxt = root.copy()
            nxt[valid] = np.where(parent[root[valid]] == n, root[valid], root[root[valid]])
            if np.array_equal(nxt, root):
                break
            root = nxt
        offer[k] = np.where(root >= 0, seed_offer[np.maximum(root, 0)], -1)
    return NearestTable(members=members, time_s=times, offer=offer)


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
    """Door-to-door times from one origin to offers of a :class:`ReachableOffers`.

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
        Offer positions (in :attr:`ReachableOffers.offers`) these times are for.
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


def offer_travel_times(
    reachable: ReachableOffers,
    mode: str,
    x_m: float,
    y_m: float,
    *,
    limit_s: float = np.inf,
    rows: npt.ArrayLike | None = None,
    field: str = "location",
) -> OfferTimes:
    """Door-to-door times (s) from a point of EPSG:2154 to the offers (or the `rows` given).

    Raises
    ------
    OutsideCoverageError
        The origin is outside the network's coverage (naming `field`).
    """
    net = reachable.network.mode(mode)
    egress, edges = reachable.tables(mode)
    snap = net.index.snap(x_m, y_m, net.snap_candidates, field=field)
    times, pred = net.router.travel_times_and_predecessors(
        snap.positions, net.access_time_s(snap.distances_m), limit_s=limit_s
    )
    chosen = np.arange(len(egress.offer_ids)) if rows is None else np.asarray(rows, dtype=int)
    # Through the network: the best egress node of each offer.
    via_all = np.full(len(egress.offer_ids), np.inf)
    edge_all = np.full(len(egress.offer_ids), -1, dtype=np.int64)
    values = times[egress.pair_node] + egress.pair_cost_s
    if len(values):
        # Pairs are sorted by offer: one reduction per offer, then the first pair at its min.
        _, group_start = np.unique(egress.pair_offer, return_index=True)
        best_value = np.minimum.reduceat(values, group_start)
        counts = np.diff(np.append(group_start, len(values)))
        at_min = np.flatnonzero(np.isfinite(values) & (values <= np.repeat(best_value, counts)))
        offers_at_min, first = np.unique(egress.pair_offer[at_min], return_index=True)
        via_all[offers_at_min] = values[at_min[first]]
        edge_all[offers_at_min] = egress.pair_edge[at_min[first]]
    via_s = via_all[chosen]
    edge = edge_all[chosen]
    direct_s = np.asarray(
        net.access_time_s(np.hypot(egress.x_m[chosen] - x_m, egress.y_m[chosen] - y_m)),
        dtype=float,
    )
    use_direct = direct_s <= via_s
    total = np.where(use_direct, direct_s, via_s)
    reached = total <= limit_s
    total = np.where(reached, total, np.inf)
    use_direct |= ~reached
    return OfferTimes(
        net=net,
        origin_m=(x_m, y_m),
        times_s=times,
        predecessors=pred,
        start_positions=snap.positions,
        travel_time_s=total,
        edge=np.where(use_direct, -1, edge).astype(np.int64),
        egress=egress,
        edges=edges,
        limit_s=float(limit_s),
        rows=chosen,
    )


def route_to_offer(times: OfferTimes, i: int, *, with_geometry: bool = False) -> Route:
    """Rebuild the path to the `i`-th offer of `times` (legs, distance, refs, geometry)."""
    net = times.net
    r = net.router
    row = int(times.rows[i])
    px, py = float(times.egress.x_m[row]), float(times.egress.y_m[row])
    ox, oy = times.origin_m
    detour = net.access_detour_factor
    e = int(times.edge[i])
    if e < 0:  # straight from the origin, off-network
        straight = float(np.hypot(px - ox, py - oy))
        geom = shapely.LineString([(ox, oy), (px, py)]) if with_geometry else None
        return Route(
            travel_time_s=float(net.access_time_s(straight)),
            distance_m=straight * detour,
            access_s=float(net.access_time_s(straight)),
            network_s=0.0,
            egress_s=0.0,
            route_refs=(),
            geometry=geometry_to_wgs84(geom) if geom is not None else None,
        )
    u = int(r.edge_u[e])
    # Nodes from a start node to u, following the shortest-path tree.
    path = [u]
    while times.predecessors[path[-1]] >= 0:
        path.append(int(times.predecessors[path[-1]]))
    path.reverse()
    first = path[0]
    access_straight = float(np.hypot(net.x_m[first] - ox, net.y_m[first] - oy))
    access_s = float(net.access_time_s(access_straight))
    # Router edge index of each consecutive pair (router edges are sorted by (u, v)).
    n = max(r.node_count, 1)
    keys = r.edge_u * n + r.edge_v
    pair_keys = np.array([a * n + b for a, b in itertools.pairwise(path)], dtype=int)
    path_edges = np.searchsorted(keys, pair_keys).astype(int)
    _, s_arr = egress_costs_s(net, np.array([px]), np.array([py]), np.array([e]), pairwise=True)
    s = float(s_arr[0])
    qx = float(net.x_m[u] + s * (net.x_m[r.edge_v[e]] - net.x_m[u]))
    qy = float(net.y_m[u] + s * (net.y_m[r.edge_v[e]] - net.y_m[u]))
    egress_straight = float(np.hypot(px - qx, py - qy))
    egress_s = float(net.access_time_s(egress_straight))
    network_s = float(times.times_s[u] - access_s + s * r.edge_weight[e])
    network_m = float(times.edges.length_m[path_edges].sum()) + s * float(times.edges.length_m[e])
    refs: list[str] = []
    used = [*path_edges.tolist(), e] if s > 0 else path_edges.tolist()
    for j in used:
        for ref in times.edges.ref[j].split(";"):
            if ref and (not refs or refs[-1] != ref) and ref not in refs:
                refs.append(ref)
    geometry = None
    if with_geometry:
        coords = [(ox, oy)] + [(float(net.x_m[p]), float(net.y_m[p])) for p in path]
        coords += [(qx, qy), (px, py)]
        geometry = geometry_to_wgs84(shapely.LineString(_dedupe(coords)))
    return Route(
        travel_time_s=access_s + network_s + egress_s,
        distance_m=access_straight * detour + network_m + egress_straight * detour,
        access_s=access_s,
        network_s=network_s,
        egress_s=egress_s,
        route_refs=tuple(refs),
        geometry=geometry,
    )


def _dedupe(coords: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    out = [coords[0]]
    for c in coords[1:]:
        if abs(c[0] - out[-1][0]) > 1e-6 or abs(c[1] - out[-1][1]) > 1e-6:
            out.append(c)
    if len(out) == 1:
        out.append(out[0])
    return out


@dataclass(frozen=True)
class RankedOffers:
    """Offers reached from one origin, nearest first.

    Attributes
    ----------
    rows
        Positions of the offers in :attr:`ReachableOffers.offers`, in rank order.
    routes
        How each is reached (same order).
    total
        Number of offers reached within the budget (``len(rows)`` may be cut by a limit).
    """

    rows: IntArray
    routes: tuple[Route, ...]
    total: int

    def to_frame(self, offers: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """The ranked offers' rows (EPSG:4326) with the route columns added."""
        frame = offers.iloc[self.rows].reset_index(drop=True)
        for name in ("travel_time_s", "distance_m", "access_s", "network_s", "egress_s"):
            frame[name] = [getattr(r, name) for r in self.routes]
        frame["route_refs"] = [r.route_refs for r in self.routes]
        frame["path"] = [r.geometry for r in self.routes]
        return gpd.GeoDataFrame(frame, crs=offers.crs)


def rank_reachable_offers(
    reachable: ReachableOffers,
    mode: str,
    origin_m: tuple[float, float],
    *,
    max_minutes: float,
    mask: npt.NDArray[np.bool_] | None = None,
    limit: int | None = None,
    with_geometry: bool = False,
    field: str = "location",
) -> RankedOffers:
    """Offers reached within `max_minutes`, nearest first, ties broken by ``offer_id``.

    Parameters
    ----------
    reachable
        Offers and their egress tables.
    mode
        ``drive``, ``bike`` or ``walk``.
    origin_m
        The origin, EPSG:2154 (x, y metres).
    max_minutes
        Time budget, minutes (> 0).
    mask
        Offers to consider (a filter by theme, category or dates), frame order.
    limit
        Keep at most this many (:attr:`RankedOffers.total` counts all reached).
    with_geometry
        Rebuild each path as an EPSG:4326 LineString.

    Returns
    -------
    RankedOffers
        No offer reached is an empty ranking, not an error.

    Raises
    ------
    OutsideCoverageError
        The origin is outside the network's coverage.
    """
    if not max_minutes > 0:
        raise InvalidParameterError("max_minutes", f"max_minutes must be > 0, got {max_minutes}")
    rows = np.flatnonzero(mask) if mask is not None else np.arange(len(reachable.offers))
    times = offer_travel_times(
        reachable, mode, *origin_m, limit_s=max_minutes * 60.0, rows=rows, field=field
    )
    reached = np.flatnonzero(np.isfinite(times.travel_time_s))
    ids = times.egress.offer_ids[rows[reached]].astype(str)
    order = reached[np.lexsort((ids, times.travel_time_s[reached]))]
    total = len(order)
    if limit is not None:
        order = order[:limit]
    routes = tuple(route_to_offer(times, int(i), with_geometry=with_geometry) for i in order)
    return RankedOffers(rows=rows[order], routes=routes, total=total)


@dataclass(frozen=True)
class NearestOffer:
    """The nearest offer of one kind (a theme or a category).

    ``offer_id`` and the rest are None when no offer of the kind is reached.
    """

    kind: str
    value: str
    offer_id: str | None
    name: str | None
    commune_code: str | None
    travel_time_s: float | None


def nearest_offer_per_kind(
    reachable: ReachableOffers,
    mode: str,
    origin_m: tuple[float, float],
    *,
    themes: Sequence[str],
    categories: Sequence[str],
    limit_s: float = np.inf,
    field: str = "location",
) -> list[NearestOffer]:
    """For every theme, then every category: the nearest offer and its door-to-door time.

    Reads the precomputed :class:`NearestTable` (no search per request): from the origin's
    snap nodes, access leg + table time, or the direct off-network leg to an offer of the
    kind, whichever is faster. Ties go to the smaller ``offer_id``.

    Raises
    ------
    OutsideCoverageError
        The origin is outside the network's coverage.
    """
    net = reachable.network.mode(mode)
    egress, _ = reachable.tables(mode)
    table = reachable.nearest_table(mode, themes, categories)
    x, y = origin_m
    snap = net.index.snap(x, y, net.snap_candidates, field=field)
    access = np.asarray(net.access_time_s(snap.distances_m), dtype=float)
    via = table.time_s[:, snap.positions] + access[None, :]  # (kinds, snap nodes)
    via_offer = table.offer[:, snap.positions]
    direct = np.asarray(net.access_time_s(np.hypot(egress.x_m - x, egress.y_m - y)), dtype=float)
    direct_k = np.where(table.members, direct[None, :], np.inf)  # (kinds, offers)
    # Best through the network (first snap node on ties) and best direct leg, per kind.
    j_via = np.argmin(via, axis=1)
    kinds_idx = np.arange(len(via))
    t_via = via[kinds_idx, j_via]
    o_via = via_offer[kinds_idx, j_via]
    j_direct = np.argmin(direct_k, axis=1) if direct_k.shape[1] else np.zeros(len(via), int)
    t_direct = direct_k[kinds_idx, j_direct] if direct_k.shape[1] else np.full(len(via), np.inf)
    use_direct = (t_direct < t_via) | ((t_direct == t_via) & (j_direct < o_via))
    best_t = np.where(use_direct, t_direct, t_via)
    best_o = np.where(use_direct, j_direct, o_via)
    offers = reachable.offers
    names = offers["name"].to_numpy()
    communes = offers["commune_code"].to_numpy()
    kinds = [("theme", t) for t in themes] + [("category", c) for c in categories]
    out: list[NearestOffer] = []
    for (kind, value), time_s, i in zip(kinds, best_t.tolist(), best_o.tolist(), strict=True):
        if not (time_s <= limit_s and np.isfinite(time_s)) or i < 0:
            out.append(NearestOffer(kind, value, None, None, None, None))
            continue
        out.append(
            NearestOffer(
                kind=kind,
                value=value,
                offer_id=str(egress.offer_ids[i]),
                name=str(names[i]),
                commune_code=str(communes[i]),
                travel_time_s=float(time_s),
            )
        )
    return out


def theme_mask(offers: pd.DataFrame, themes: Sequence[str]) -> npt.NDArray[np.bool_]:
    """Offers with any of `themes` (all when empty)."""
    if not themes:
        return np.ones(len(offers), dtype=bool)
    wanted = set(themes)
    return np.asarray(offers["themes"].map(lambda ts: bool(wanted.intersection(ts or ()))))


def category_mask(offers: pd.DataFrame, categories: Sequence[str]) -> npt.NDArray[np.bool_]:
    """Offers of any of `categories` (all when empty)."""
    if not categories:
        return np.ones(len(offers), dtype=bool)
    return np.asarray(offers["category"].isin(list(categories)))


def travel_times_by_offer(times: OfferTimes) -> Mapping[str, float]:
    """``offer_id`` → door-to-door time (s) of the offers reached within the limit."""
    ids = times.egress.offer_ids[times.rows]
    keep = np.isfinite(times.travel_time_s)
    return dict(zip(ids[keep].tolist(), times.travel_time_s[keep].tolist(), strict=True))
