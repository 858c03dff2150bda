"""Nearest-offer tables: per kind, the time from every node to its nearest offer.

The shape of pandana's ``nearest_pois``: one multi-source Dijkstra run per kind (a theme or a
category) on the reversed graph, seeded at the offers' egress nodes, built once per mode; a
request then reads one column per snap node of its origin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from geoservice.core.egress import OfferEgress
from geoservice.core.network import ModeNetwork
from geoservice.core.offer_selection import BoolArray
from geoservice.core.routing import FloatArray, IntArray
from geoservice.errors import OutsideCoverageError


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


def merge_nearest_tables(
    parts: list[tuple[NearestTable, IntArray]], members: BoolArray
) -> NearestTable:
    """The table of a union of disjoint offer sets from the tables of each set.

    The time to the nearest offer of a union is the least of the parts' times; ties go to the
    smaller position in the union. `parts` pairs each table with its offers' positions in the
    union; `members` is the union's ``(kinds, offers)`` matrix.
    """
    time_s: FloatArray | None = None
    offer: IntArray | None = None
    for table, position in parts:
        t = table.time_s
        o = np.where(table.offer >= 0, position[np.maximum(table.offer, 0)], -1)
        if time_s is None or offer is None:
            time_s, offer = t.copy(), o.astype(np.int64)
            continue
        unset = np.iinfo(np.int64).max
        better = (t < time_s) | (
            (t == time_s) & (np.where(o >= 0, o, unset) < np.where(offer >= 0, offer, unset))
        )
        time_s = np.where(better, t, time_s)
        offer = np.where(better, o, offer).astype(np.int64)
    if time_s is None or offer is None:
        raise ValueError("merge_nearest_tables needs at least one part")
    return NearestTable(members=members, time_s=time_s, offer=offer)


def travel_times_from_points(
    net: ModeNetwork, egress: OfferEgress, x_m: FloatArray, y_m: FloatArray, *, limit_s: float
) -> FloatArray:
    """``(points, offers)`` door-to-door seconds from points of EPSG:2154 to each offer.

    The travel model of the ranking (access leg to the point's snap nodes, network, egress
    leg; or the direct leg), computed from one reverse search per offer (a
    :class:`NearestTable` with one kind per offer) instead of one forward search per point.
    ``inf`` beyond `limit_s` and from points outside the network's coverage.
    """
    count = len(egress.offer_ids)
    to_offer = nearest_table_from_egress(net, egress, np.eye(count, dtype=bool)).time_s
    out = np.full((len(x_m), count), np.inf)
    for i, (x, y) in enumerate(
        zip(np.asarray(x_m).tolist(), np.asarray(y_m).tolist(), strict=True)
    ):
        try:
            snap = net.index.snap(x, y, net.snap_candidates)
        except OutsideCoverageError:
            continue  # walks nowhere
        access = np.asarray(net.access_time_s(snap.distances_m), dtype=float)
        via = (to_offer[:, snap.positions] + access[None, :]).min(axis=1) if count else np.zeros(0)
        direct = np.asarray(
            net.access_time_s(np.hypot(egress.x_m - x, egress.y_m - y)), dtype=float
        )
        best = np.minimum(via, direct)
        out[i] = np.where(best <= limit_s, best, np.inf)
    return out
