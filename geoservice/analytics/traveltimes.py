"""Origins × destinations travel-time matrices, one source per travel mode.

A :class:`TravelTimeSource` knows a fixed list of origins (the communes) and answers, for any
destination points in EPSG:2154, the matrix of travel times (s) origins × destinations. The
work splits over origins: :meth:`TravelTimeSource.task_to` returns a small picklable
:class:`OriginTask` whose :meth:`~OriginTask.run` computes the rows of some origins, so an
executor (local processes, a Dask cluster; see :mod:`geoservice.analytics.executors`) can
spread it. :class:`RoadTimeSource` implements drive, bike and walk over a
:class:`~geoservice.core.network.ModeNetwork`; a transit source plugs in through the same
protocol.

Road model (the same as ``ModeNetwork.reach_from_xy`` followed by ``travel_time_to_xy``):

- the origin joins its ``snap_candidates`` nearest nodes by access legs (straight distance ×
  access detour factor at the mode's access speed), and one multi-source search with start
  offsets gives the time ``T[n]`` to every node ``n``;
- a destination joins its nearest nodes the same way (egress legs ``e_k``), and its time is
  ``min(min_k T[n_k] + e_k, direct)``, where ``direct`` is the straight origin → destination
  leg at the access speed (short trips that never touch the main roads).

All origins of a chunk are searched in one :func:`scipy.sparse.csgraph.dijkstra` call on the
router's compiled graph (the same CSR edges as :class:`~geoservice.core.routing.Router`) with
one virtual source row per origin, whose entries are that origin's access legs.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from geoservice.core.network import ModeNetwork
from geoservice.core.routing import FloatArray, IntArray
from geoservice.errors import OutsideCoverageError


class OriginTask(Protocol):
    """Picklable unit of work: the travel-time rows of some origins to fixed destinations."""

    @property
    def origin_count(self) -> int:
        """Number of origins the task covers (row count of the full matrix)."""
        ...

    @property
    def destination_count(self) -> int:
        """Number of destinations (column count)."""
        ...

    def run(self, origins: IntArray) -> FloatArray:
        """Travel times (s), shape ``(len(origins), destination_count)``; ``inf`` if unreached."""
        ...


class TravelTimeSource(Protocol):
    """Travel times from fixed origins to any destination points, for one mode."""

    @property
    def mode(self) -> str:
        """The travel mode (``drive``, ``bike``, ``walk``, ``transit``)."""
        ...

    @property
    def origin_count(self) -> int:
        """Number of origins."""
        ...

    def task_to(
        self, x_m: FloatArray, y_m: FloatArray, *, field: str = "destinations"
    ) -> OriginTask:
        """A picklable task computing times to destinations (EPSG:2154, metres)."""
        ...

    def times_to(
        self, x_m: FloatArray, y_m: FloatArray, *, field: str = "destinations"
    ) -> FloatArray:
        """Travel times (s) origins × destinations, computed in this process."""
        ...


@dataclass(frozen=True)
class PointSnaps:
    """Where points join one mode's network, padded to the same number of candidates.

    Attributes
    ----------
    x_m, y_m
        The points, EPSG:2154 (metres), shape ``(m,)``.
    positions
        Node positions, shape ``(m, k)`` (0 where padded).
    access_s
        Access/egress leg time (s) to each node, shape ``(m, k)`` (``inf`` where padded).
    """

    x_m: FloatArray
    y_m: FloatArray
    positions: IntArray
    access_s: FloatArray

    def __len__(self) -> int:
        return len(self.x_m)


def snap_points(
    net: ModeNetwork, x_m: FloatArray, y_m: FloatArray, *, field: str = "destinations"
) -> PointSnaps:
    """Join points (EPSG:2154) to `net` like an origin: nearest nodes within the snap distance.

    Vectorised equivalent of ``net.index.snap`` for every point (same nodes, same order:
    by distance, then position), with a k-d tree over the same node coordinates.

    Raises
    ------
    OutsideCoverageError
        A point is outside the network's coverage; the field is ``{field}.{i}``.
    """
    x = np.asarray(x_m, dtype=np.float64)
    y = np.asarray(y_m, dtype=np.float64)
    k = min(net.snap_candidates, len(net.x_m))
    if len(x) == 0:
        return PointSnaps(
            x_m=x, y_m=y, positions=np.zeros((0, k), dtype=np.int64), access_s=np.zeros((0, k))
        )
    tree = _kdtree(net)
    _, found = tree.query(np.column_stack([x, y]), k=k)
    found = np.asarray(found, dtype=np.int64).reshape(len(x), k)
    # Exact distances as NodeIndex computes them, then its order: distance, then position.
    dist = np.hypot(net.x_m[found] - x[:, np.newaxis], net.y_m[found] - y[:, np.newaxis])
    order = np.lexsort((found, dist), axis=1)
    found = np.take_along_axis(found, order, axis=1)
    dist = np.take_along_axis(dist, order, axis=1)
    max_m = net.index.max_snap_m
    inside = shapely.contains_xy(net.index.coverage, x, y)
    bad = np.flatnonzero(~inside | (dist[:, 0] > max_m))
    if len(bad):
        i = int(bad[0])
        net.index.snap(float(x[i]), float(y[i]), k, field=f"{field}.{i}")  # raises, with why
        raise OutsideCoverageError(f"point {i} is outside the coverage", field=f"{field}.{i}")
    keep = dist <= max_m
    positions = np.where(keep, found, 0)
    access = np.where(keep, net.access_time_s(dist), np.inf)
    return PointSnaps(x_m=x, y_m=y, positions=positions, access_s=access)


#: k-d tree of each mode network's nodes, dropped with the network.
_KDTREES: weakref.WeakKeyDictionary[ModeNetwork, cKDTree] = weakref.WeakKeyDictionary()
_KDTREES_LOCK = threading.Lock()


def _kdtree(net: ModeNetwork) -> cKDTree:
    """A k-d tree of `net`'s node coordinates (built on first use, kept with the network)."""
    with _KDTREES_LOCK:
        tree = _KDTREES.get(net)
        if tree is None:
            tree = cKDTree(np.column_stack([net.x_m, net.y_m]))
            _KDTREES[net] = tree
        return tree


def times_from_node_times(
    node_times_s: FloatArray,
    origins: PointSnaps,
    destinations: PointSnaps,
    *,
    access_speed_mps: float,
    access_detour_factor: float,
) -> FloatArray:
    """Origin × destination times (s) from node times (origins × nodes), vectorised.

    ``min(min_k node_times[o, n_dk] + e_dk, direct_od)``: see the module docstring.
    """
    via = node_times_s[:, destinations.positions] + destinations.access_s[np.newaxis, :, :]
    best = via.min(axis=2) if via.shape[2] else np.full(via.shape[:2], np.inf)
    dx = origins.x_m[:, np.newaxis] - destinations.x_m[np.newaxis, :]
    dy = origins.y_m[:, np.newaxis] - destinations.y_m[np.newaxis, :]
    direct = np.hypot(dx, dy) * access_detour_factor / access_speed_mps
    return np.asarray(np.minimum(best, direct), dtype=np.float64)


@dataclass(frozen=True)
class RoadGraphArrays:
    """A mode's compiled graph as plain arrays (what a worker needs; cheap to pickle).

    Attributes
    ----------
    node_count
        Number of nodes.
    edge_u, edge_v, edge_weight
        The router's edges (fastest of parallel edges), weights in seconds.
    access_speed_mps, access_detour_factor
        Access legs: straight distance × factor at this speed.
    """

    node_count: int
    edge_u: IntArray
    edge_v: IntArray
    edge_weight: FloatArray
    access_speed_mps: float
    access_detour_factor: float

    @classmethod
    def from_mode_network(cls, net: ModeNetwork) -> RoadGraphArrays:
        """The arrays of `net`'s router."""
        return cls(
            node_count=net.router.node_count,
            edge_u=net.router.edge_u,
            edge_v=net.router.edge_v,
            edge_weight=net.router.edge_weight,
            access_speed_mps=net.access_speed_mps,
            access_detour_factor=net.access_detour_factor,
        )

    def node_times_s(self, origins: PointSnaps, rows: IntArray) -> FloatArray:
        """Times (s) from the origins `rows` to every node: one Dijkstra call for all.

        Row ``n + r`` of the matrix is a virtual source whose entries are the access legs of
        origin ``rows[r]``; virtual rows have no incoming edge, so searches never mix.
        """
        n = self.node_count
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) == 0:
            return np.zeros((0, n))
        pos = origins.positions[rows]
        acc = origins.access_s[rows]
        used = np.isfinite(acc)
        counts = np.bincount(self.edge_u, minlength=n)
        virtual_counts = used.sum(axis=1)
        indptr = np.zeros(n + len(rows) + 1, dtype=np.int64)
        indptr[1:] = np.cumsum(np.concatenate([counts, virtual_counts]))
        indices = np.concatenate([self.edge_v, pos[used]])
        data = np.concatenate([self.edge_weight, acc[used]])
        size = n + len(rows)
        matrix = sp.csr_array((data, indices, indptr), shape=(size, size))
        dist = dijkstra(matrix, indices=np.arange(n, size))
        return np.asarray(dist[:, :n], dtype=np.float64)


@dataclass(frozen=True)
class RoadOriginTask:
    """Picklable task: road times from some origins to fixed destinations."""

    graph: RoadGraphArrays
    origins: PointSnaps
    destinations: PointSnaps

    @property
    def origin_count(self) -> int:
        """Number of origins."""
        return len(self.origins)

    @property
    def destination_count(self) -> int:
        """Number of destinations."""
        return len(self.destinations)

    def run(self, origins: IntArray) -> FloatArray:
        """Times (s), shape ``(len(origins), destination_count)``."""
        rows = np.asarray(origins, dtype=np.int64)
        node_times = self.graph.node_times_s(self.origins, rows)
        sub = PointSnaps(
            x_m=self.origins.x_m[rows],
            y_m=self.origins.y_m[rows],
            positions=self.origins.positions[rows],
            access_s=self.origins.access_s[rows],
        )
        return times_from_node_times(
            node_times,
            sub,
            self.destinations,
            access_speed_mps=self.graph.access_speed_mps,
            access_detour_factor=self.graph.access_detour_factor,
        )


@dataclass
class RoadTimeSource:
    """Drive, bike or walk times from fixed origins over one mode's road network.

    Parameters
    ----------
    net
        The mode's network.
    x_m, y_m
        The origins, EPSG:2154 (metres).
    field
        Name reported when an origin is outside the network's coverage.
    """

    net: ModeNetwork
    origins: PointSnaps
    graph: RoadGraphArrays
    _node_times: FloatArray | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_points(
        cls, net: ModeNetwork, x_m: FloatArray, y_m: FloatArray, *, field: str = "origins"
    ) -> RoadTimeSource:
        """Snap the origins and compile the graph arrays."""
        return cls(
            net=net,
            origins=snap_points(net, x_m, y_m, field=field),
            graph=RoadGraphArrays.from_mode_network(net),
        )

    @property
    def mode(self) -> str:
        """The travel mode."""
        return self.net.params.mode

    @property
    def origin_count(self) -> int:
        """Number of origins."""
        return len(self.origins)

    def task_to(
        self, x_m: FloatArray, y_m: FloatArray, *, field: str = "destinations"
    ) -> RoadOriginTask:
        """A picklable task computing times to the destinations (EPSG:2154)."""
        return RoadOriginTask(
            graph=self.graph,
            origins=self.origins,
            destinations=snap_points(self.net, x_m, y_m, field=field),
        )

    def node_times_s(self) -> FloatArray:
        """Times (s) origins × nodes, computed once and kept (about 8 MB for 309 × 3,330)."""
        with self._lock:
            if self._node_times is None:
                self._node_times = self.graph.node_times_s(
                    self.origins, np.arange(self.origin_count)
                )
            return self._node_times

    def times_to(
        self, x_m: FloatArray, y_m: FloatArray, *, field: str = "destinations"
    ) -> FloatArray:
        """Times (s) origins × destinations (EPSG:2154), from the kept node times."""
        return times_from_node_times(
            self.node_times_s(),
            self.origins,
            snap_points(self.net, x_m, y_m, field=field),
            access_speed_mps=self.graph.access_speed_mps,
            access_detour_factor=self.graph.access_detour_factor,
        )
