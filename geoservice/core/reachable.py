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

Modules: the offer catalogue (:mod:`geoservice.core.reachable_offers`), its egress tables
(:mod:`geoservice.core.egress`), the nearest-offer tables
(:mod:`geoservice.core.nearest_offers`) and the selection of offers
(:mod:`geoservice.core.offer_selection`); this module ranks.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from geoservice.core.egress import EdgeTable, OfferEgress, egress_costs_s
from geoservice.core.offer_routes import (
    OfferRoutes,
    OfferTimes,
    Route,
    path_points,
    routes_to_offers,
)
from geoservice.core.reachable_offers import ReachableOffers
from geoservice.core.routing import IntArray
from geoservice.core.snapping import geometry_to_wgs84
from geoservice.errors import InvalidParameterError

__all__ = [
    "EdgeTable",
    "NearestOffer",
    "OfferEgress",
    "OfferRoutes",
    "OfferTimes",
    "RankedOffers",
    "ReachableOffers",
    "Route",
    "egress_costs_s",
    "nearest_offer_per_kind",
    "offer_travel_times",
    "rank_reachable_offers",
    "route_to_offer",
    "travel_times_by_offer",
]


def offer_travel_times(
    reachable: ReachableOffers,
    mode: str,
    x_m: float,
    y_m: float,
    *,
    limit_s: float = np.inf,
    rows: npt.ArrayLike | None = None,
) -> OfferTimes:
    """Door-to-door times (s) from a point of EPSG:2154 to the offers (or the `rows` given).

    Raises
    ------
    OutsideCoverageError
        The origin is outside the network's coverage.
    """
    net = reachable.network.mode(mode)
    egress, edges = reachable.tables(mode)
    snap = net.index.snap(x_m, y_m, net.snap_candidates)
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
        geometry = geometry_to_wgs84(shapely.LineString(path_points(coords)))
    return Route(
        travel_time_s=access_s + network_s + egress_s,
        distance_m=access_straight * detour + network_m + egress_straight * detour,
        access_s=access_s,
        network_s=network_s,
        egress_s=egress_s,
        route_refs=tuple(refs),
        geometry=geometry,
    )


@dataclass(frozen=True)
class RankedOffers:
    """Offers reached from one origin, nearest first.

    Attributes
    ----------
    rows
        Positions of the offers in :attr:`ReachableOffers.offers`, in rank order.
    legs
        How each is reached (same order), as columns.
    total
        Number of offers reached within the budget (``len(rows)`` may be cut by a limit).
    """

    rows: IntArray
    legs: OfferRoutes
    total: int

    @property
    def routes(self) -> tuple[Route, ...]:
        """How each is reached, one :class:`Route` per offer (same order)."""
        return tuple(self.legs.route(k) for k in range(len(self.legs)))

    def to_frame(self, offers: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """The ranked offers' rows (EPSG:4326) with the route columns added."""
        frame = offers.iloc[self.rows].reset_index(drop=True)
        for name in ("travel_time_s", "distance_m", "access_s", "network_s", "egress_s"):
            frame[name] = np.asarray(getattr(self.legs, name), dtype=float)
        frame["route_refs"] = list(self.legs.route_refs)
        geometry = self.legs.geometry
        frame["path"] = list(geometry) if geometry is not None else [None] * len(frame)
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
    times = offer_travel_times(reachable, mode, *origin_m, limit_s=max_minutes * 60.0, rows=rows)
    reached = np.flatnonzero(np.isfinite(times.travel_time_s))
    ids = times.egress.offer_ids[rows[reached]].astype(str)
    order = reached[np.lexsort((ids, times.travel_time_s[reached]))]
    total = len(order)
    if limit is not None:
        order = order[:limit]
    legs = routes_to_offers(times, order, with_geometry=with_geometry)
    return RankedOffers(rows=rows[order], legs=legs, total=total)


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
    snap = net.index.snap(x, y, net.snap_candidates)
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


def travel_times_by_offer(times: OfferTimes) -> Mapping[str, float]:
    """``offer_id`` → door-to-door time (s) of the offers reached within the limit."""
    ids = times.egress.offer_ids[times.rows]
    keep = np.isfinite(times.travel_time_s)
    return dict(zip(ids[keep].tolist(), times.travel_time_s[keep].tolist(), strict=True))
