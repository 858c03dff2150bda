"""Joining points to the road network: an R-tree of the nodes in Lambert-93 (EPSG:2154).

A point joins the network at its nearest node(s) by an *access leg*: the straight distance
times an access detour factor, covered at the mode's access speed. A point outside the
covered area (farther than the maximum snap distance from the hull of the network), or
farther than that distance from every node, raises :class:`OutsideCoverageError` with the
distance.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import numpy.typing as npt
import shapely
from rtree import index as rtree_index

from geoservice.core.crs import (
    METRIC_CRS,
    SERVICE_CRS,
    geometry_to_wgs84,
    lambert93_from_wgs84,
    transformer,
    wgs84_from_lambert93,
)
from geoservice.errors import DataError, OutsideCoverageError

# Re-exported for the modules that took them from here before ``core.crs`` existed.
__all__ = [
    "METRIC_CRS",
    "SERVICE_CRS",
    "NodeIndex",
    "Snap",
    "geometry_to_wgs84",
    "lambert93_from_wgs84",
    "node_coordinates_m",
    "wgs84_from_lambert93",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def node_coordinates_m(
    G: nx.MultiDiGraph, nodes: Sequence[object]
) -> tuple[FloatArray, FloatArray]:
    """x/y of `nodes` in EPSG:2154 (metres), from node ``x``/``y`` in ``G.graph['crs']``."""
    crs = G.graph.get("crs")
    if crs is None:
        raise DataError("the road graph has no 'crs' graph attribute: refusing to guess")
    xs = np.fromiter((G.nodes[n]["x"] for n in nodes), dtype=float, count=len(nodes))
    ys = np.fromiter((G.nodes[n]["y"] for n in nodes), dtype=float, count=len(nodes))
    x, y = transformer(str(crs), METRIC_CRS).transform(xs, ys)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


@dataclass(frozen=True)
class Snap:
    """Where a point joins the network.

    Attributes
    ----------
    positions
        Node positions (in the index's order), nearest first.
    distances_m
        Straight distance from the point to each node, metres (EPSG:2154).
    """

    positions: IntArray
    distances_m: FloatArray


class NodeIndex:
    """R-tree over node positions in EPSG:2154, with the covered area.

    Parameters
    ----------
    x_m, y_m
        Node coordinates in EPSG:2154 (metres), indexed by position.
    max_snap_m
        Largest accepted distance from a point to its nearest node, metres.
    """

    def __init__(self, x_m: FloatArray, y_m: FloatArray, *, max_snap_m: float) -> None:
        if len(x_m) == 0:
            raise DataError("cannot index an empty road network")
        self.x_m = np.asarray(x_m, dtype=float)
        self.y_m = np.asarray(y_m, dtype=float)
        self.max_snap_m = float(max_snap_m)
        stream = (
            (i, (x, y, x, y), None) for i, (x, y) in enumerate(zip(self.x_m, self.y_m, strict=True))
        )
        self._tree = rtree_index.Index(stream)
        # libspatialindex is not safe for concurrent queries on one tree, and rtree's ctypes
        # calls release the GIL: two threads querying at once (a threaded server) corrupt the
        # heap ("double free or corruption", or later a SIGSEGV in RTree::~RTree). Every
        # query holds this lock; it costs well under a microsecond uncontended.
        self._lock = threading.Lock()
        # Free the tree when this index goes, or at exit while the interpreter is whole,
        # rather than in rtree's __del__ during interpreter finalization.
        weakref.finalize(self, self._tree.close)
        #: The covered area: hull of the nodes grown by the snap distance (EPSG:2154).
        hull = shapely.convex_hull(shapely.multipoints(np.column_stack([x_m, y_m])))
        self.coverage: shapely.Geometry = shapely.Polygon(shapely.buffer(hull, self.max_snap_m))
        shapely.prepare(self.coverage)

    def nearest(self, x_m: float, y_m: float, k: int = 1) -> Snap:
        """The `k` nodes nearest to (`x_m`, `y_m`), EPSG:2154, without any distance check."""
        with self._lock:  # nearest() is a generator: consume it under the lock
            found = np.fromiter(self._tree.nearest((x_m, y_m, x_m, y_m), k), dtype=np.int64)
        dist = np.hypot(self.x_m[found] - x_m, self.y_m[found] - y_m)
        order = np.lexsort((found, dist))[:k]
        return Snap(positions=found[order], distances_m=dist[order])

    def snap(self, x_m: float, y_m: float, k: int = 1, *, field: str = "location") -> Snap:
        """The `k` nearest nodes within the snap distance of a covered point.

        Raises
        ------
        OutsideCoverageError
            The point lies outside the covered area, or its nearest node is farther than
            ``max_snap_m``; ``distance_m`` says how far.
        """
        if not shapely.contains_xy(self.coverage, x_m, y_m):
            point = shapely.Point(x_m, y_m)
            outside_m = float(shapely.distance(self.coverage, point)) + self.max_snap_m
            msg = (
                f"point is outside the area covered by the road network "
                f"(about {outside_m / 1000:.1f} km from it)"
            )
            raise OutsideCoverageError(msg, field=field, distance_m=outside_m)
        snap = self.nearest(x_m, y_m, k)
        nearest_m = float(snap.distances_m[0])
        if nearest_m > self.max_snap_m:
            msg = (
                f"point is {nearest_m:.0f} m from the nearest road network node, "
                f"more than the {self.max_snap_m:.0f} m allowed"
            )
            raise OutsideCoverageError(msg, field=field, distance_m=nearest_m)
        keep = snap.distances_m <= self.max_snap_m
        return Snap(positions=snap.positions[keep], distances_m=snap.distances_m[keep])
