"""Road network preparation: per-mode speeds and travel times, routers and node indexes.

Works on any osmnx-convention graph (``nx.MultiDiGraph``, node ``x``/``y`` in ``G.graph['crs']``,
edge ``length`` in metres and ``highway`` as an OSM class string or a list of them), whatever
its source (Travel Mapping, OSM XML / PBF, osmnx download, GraphML). The speeds per class and
mode come from ``[network.modes.*]`` in ``config/network.toml``.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from geoservice.core.crs import wgs84_fit
from geoservice.core.projection_fit import ProjectionFit
from geoservice.core.routing import FloatArray, Router
from geoservice.core.snapping import NodeIndex, Snap, lambert93_from_wgs84, node_coordinates_m
from geoservice.errors import InvalidParameterError, MissingColumnError

#: Travel modes on the road network.
MODES = ("drive", "bike", "walk")


@dataclass(frozen=True)
class ModeParams:
    """Speeds of one travel mode.

    Attributes
    ----------
    mode
        ``drive``, ``bike`` or ``walk``.
    speed_kph
        Effective speed per OSM ``highway`` class, km/h.
    default_speed_kph
        Speed of a class not in `speed_kph`, km/h.
    access_speed_kph
        Speed off the network (access legs, isochrone margins), km/h.
    banned
        ``highway`` classes this mode may not use (removed from its graph).
    """

    mode: str
    speed_kph: Mapping[str, float]
    default_speed_kph: float
    access_speed_kph: float
    banned: frozenset[str] = frozenset()

    def speed_for(self, highway: str) -> float:
        """Speed (km/h) on a road of class `highway`."""
        return float(self.speed_kph.get(highway, self.default_speed_kph))


@dataclass(frozen=True)
class NetworkParams:
    """The ``[network]`` configuration table.

    Attributes
    ----------
    source
        ``"travelmapping"`` or the path of a graph file (read by ``io``).
    max_snap_m
        Largest distance from a point to its nearest node, metres.
    snap_candidates
        Number of nearest nodes a point joins.
    access_detour_factor
        Access leg length / straight distance.
    modes
        Mode name → its speeds.
    """

    source: str
    max_snap_m: float
    snap_candidates: int
    access_detour_factor: float
    modes: Mapping[str, ModeParams] = field(default_factory=dict)


def network_params_from_config(table: Mapping[str, Any]) -> NetworkParams:
    """Parse the ``[network]`` table (see ``config/network.toml``)."""
    modes_table = table.get("modes", {})
    modes: dict[str, ModeParams] = {}
    for mode in MODES:
        if mode not in modes_table:
            raise InvalidParameterError(f"network.modes.{mode}", f"mode {mode!r} has no speeds")
        t = modes_table[mode]
        modes[mode] = ModeParams(
            mode=mode,
            speed_kph={str(k): float(v) for k, v in t.get("speed_kph", {}).items()},
            default_speed_kph=float(t["default_speed_kph"]),
            access_speed_kph=float(t["access_speed_kph"]),
            banned=frozenset(str(h) for h in t.get("banned", ())),
        )
        speeds = [modes[mode].default_speed_kph, modes[mode].access_speed_kph]
        if min([*speeds, *modes[mode].speed_kph.values()]) <= 0:
            raise InvalidParameterError(f"network.modes.{mode}", "speeds must be > 0 km/h")
    params = NetworkParams(
        source=str(table.get("source", "travelmapping")),
        max_snap_m=float(table.get("max_snap_m", 5000.0)),
        snap_candidates=int(table.get("snap_candidates", 4)),
        access_detour_factor=float(table.get("access_detour_factor", 1.3)),
        modes=modes,
    )
    if params.max_snap_m <= 0 or params.snap_candidates < 1 or params.access_detour_factor < 1:
        msg = "max_snap_m must be > 0, snap_candidates ≥ 1 and access_detour_factor ≥ 1"
        raise InvalidParameterError("network", msg)
    return params


def _classes(highway: object) -> list[str]:
    if isinstance(highway, list | tuple | set):
        return [str(h) for h in highway]
    if highway is None:
        return [""]
    return [str(highway)]


def prepare_mode_graph(G: nx.MultiDiGraph, params: ModeParams) -> nx.MultiDiGraph:
    """A copy of `G` for one mode: banned edges removed, ``speed_kph`` and ``travel_time`` set.

    An edge whose ``highway`` lists several classes (osmnx merges them when simplifying) is
    banned only when all its classes are, and runs at the slowest allowed class's speed.
    Nodes left without any edge are dropped. ``travel_time`` is in seconds.
    """
    H = nx.MultiDiGraph(**G.graph)
    H.graph["mode"] = params.mode
    for u, v, key, data in G.edges(keys=True, data=True):
        if "length" not in data:
            raise MissingColumnError(f"edge ({u!r}, {v!r}, {key!r}) has no 'length' attribute")
        allowed = [h for h in _classes(data.get("highway")) if h not in params.banned]
        if not allowed:
            continue
        speed_kph = min(params.speed_for(h) for h in allowed)
        attrs = dict(data)
        attrs["speed_kph"] = speed_kph
        attrs["travel_time"] = float(data["length"]) / (speed_kph / 3.6)
        H.add_edge(u, v, key=key, **attrs)
    for node in H.nodes:
        H.nodes[node].update(G.nodes[node])
    return H


@dataclass(frozen=True)
class Reach:
    """Travel times from one origin point over one mode's network.

    Attributes
    ----------
    times_s
        Earliest arrival (s) at each node position of the mode network, ``inf`` beyond the
        search limit.
    origin_m
        The origin in EPSG:2154 (x, y metres).
    snap
        Where the origin joined the network.
    """

    times_s: FloatArray
    origin_m: tuple[float, float]
    snap: Snap


class ModeNetwork:
    """One mode's graph with its compiled router, node coordinates and R-tree.

    Attributes
    ----------
    params
        The mode's speeds.
    G
        The prepared graph (``travel_time`` on every edge).
    router
        The compiled engine; its node positions index `x_m`, `y_m` and the R-tree.
    x_m, y_m
        Node coordinates in EPSG:2154, metres.
    index
        Nearest-node R-tree and covered area.
    access_detour_factor
        Access leg length / straight distance.
    snap_candidates
        Nodes an origin joins.
    """

    def __init__(
        self,
        G: nx.MultiDiGraph,
        params: ModeParams,
        *,
        max_snap_m: float,
        snap_candidates: int,
        access_detour_factor: float,
    ) -> None:
        self.params = params
        self.G = G
        self.router = Router(G, weight="travel_time")
        self.x_m, self.y_m = node_coordinates_m(G, self.router.nodes)
        self.index = NodeIndex(self.x_m, self.y_m, max_snap_m=max_snap_m)
        #: Weight of the reverse edge (v → u) of each router edge, inf when there is none.
        self.reverse_weight = _reverse_weights(self.router)
        self.access_detour_factor = access_detour_factor
        self.snap_candidates = snap_candidates

    @property
    def access_speed_mps(self) -> float:
        """Access speed, metres per second."""
        return self.params.access_speed_kph / 3.6

    def access_time_s(self, distance_m: FloatArray | float) -> FloatArray:
        """Time (s) of an access leg of straight length `distance_m` (metres)."""
        return (
            np.asarray(distance_m, dtype=float) * self.access_detour_factor / self.access_speed_mps
        )

    def reach_from_xy(self, x_m: float, y_m: float, *, limit_s: float = np.inf) -> Reach:
        """Travel times from a point in EPSG:2154 to every node within `limit_s` seconds.

        Raises
        ------
        OutsideCoverageError
            The point is outside the network's coverage (``field`` ``location``).
        """
        snap = self.index.snap(x_m, y_m, self.snap_candidates)
        times = self.router.travel_times(
            snap.positions, self.access_time_s(snap.distances_m), limit_s=limit_s
        )
        return Reach(times_s=times, origin_m=(x_m, y_m), snap=snap)

    def travel_time_to_xy(self, reach: Reach, x_m: float, y_m: float) -> float:
        """Travel time (s) from the origin of `reach` to a point of EPSG:2154.

        The destination joins the network at its nearest nodes like an origin (access leg at
        the access speed); the direct off-network leg from the origin is also considered.
        ``inf`` when not reached within the reach's search limit. A destination outside the
        coverage raises :class:`OutsideCoverageError` naming ``destination``.
        """
        snap = self.index.snap(x_m, y_m, self.snap_candidates, field="destination")
        via_network = reach.times_s[snap.positions] + self.access_time_s(snap.distances_m)
        direct = self.access_time_s(
            float(np.hypot(x_m - reach.origin_m[0], y_m - reach.origin_m[1]))
        )
        return float(min(float(via_network.min()), float(direct)))

    def reach_from_lonlat(self, lon: float, lat: float, *, limit_s: float = np.inf) -> Reach:
        """Travel times from a point in EPSG:4326 to every node within `limit_s` seconds."""
        x, y = lambert93_from_wgs84(lon, lat)
        return self.reach_from_xy(float(x), float(y), limit_s=limit_s)


def _reverse_weights(router: Router) -> FloatArray:
    n = max(router.node_count, 1)
    forward = router.edge_u * n + router.edge_v
    backward = router.edge_v * n + router.edge_u
    order = np.argsort(forward)
    found = np.searchsorted(forward[order], backward)
    found = np.minimum(found, len(forward) - 1)
    hit = forward[order][found] == backward if len(forward) else np.zeros(0, dtype=bool)
    result = np.full(len(forward), np.inf)
    result[hit] = router.edge_weight[order][found[hit]]
    return result


#: Margin (m) around the nodes of the box where isochrone vertices are reprojected by the
#: fitted polynomials (:attr:`RoadNetwork.wgs84_output`): the largest off-network disk, a
#: 120-min budget at 30 km/h ÷ 1.3, is 46 km. Vertices beyond it go through pyproj.
WGS84_FIT_MARGIN_M = 50_000.0


class RoadNetwork:
    """A loaded road graph with one :class:`ModeNetwork` per travel mode.

    Parameters
    ----------
    G
        The osmnx-convention graph, as loaded (graph attributes ``name``, ``limits`` and
        ``source`` are reported by :meth:`describe` when present).
    params
        The ``[network]`` configuration.
    """

    def __init__(self, G: nx.MultiDiGraph, params: NetworkParams) -> None:
        self.G = G
        self.params = params
        self.name = str(G.graph.get("name", "road network"))
        self.limits = str(G.graph.get("limits", ""))
        self.source = str(G.graph.get("source", params.source))
        self.modes: dict[str, ModeNetwork] = {
            mode: ModeNetwork(
                prepare_mode_graph(G, mode_params),
                mode_params,
                max_snap_m=params.max_snap_m,
                snap_candidates=params.snap_candidates,
                access_detour_factor=params.access_detour_factor,
            )
            for mode, mode_params in params.modes.items()
        }
        self._description = self._describe()

    def mode(self, name: str) -> ModeNetwork:
        """The network of mode `name`; unknown modes are an :class:`InvalidParameterError`
        naming ``mode``."""
        if name not in self.modes:
            raise InvalidParameterError("mode", f"unknown mode {name!r}", allowed=self.modes)
        return self.modes[name]

    @functools.cached_property
    def wgs84_output(self) -> ProjectionFit:
        """EPSG:2154 → EPSG:4326 fitted over the nodes' box grown by
        :data:`WGS84_FIT_MARGIN_M` (:func:`~geoservice.core.crs.wgs84_fit`): the isochrones'
        output. Built on first use (≈ 0.1–0.3 s; `warm_kernels` does it at start-up)."""
        xs = np.concatenate([m.x_m for m in self.modes.values()] + [np.zeros(0)])
        ys = np.concatenate([m.y_m for m in self.modes.values()] + [np.zeros(0)])
        if len(xs) == 0:
            xs, ys = np.zeros(1), np.zeros(1)
        grow = WGS84_FIT_MARGIN_M
        box = (xs.min() - grow, ys.min() - grow, xs.max() + grow, ys.max() + grow)
        return wgs84_fit((float(box[0]), float(box[1]), float(box[2]), float(box[3])))

    @property
    def main_roads_only(self) -> bool:
        """Whether the graph only holds main roads (the embedded Travel Mapping network)."""
        return "main roads only" in self.limits

    def describe(self) -> dict[str, Any]:
        """Name, source, size and limits (for ``/health`` and response metadata).

        Counted once at construction: counting a MultiDiGraph's edges walks every adjacency
        (~0.1 s here), too slow to repeat on every ``/health`` call.
        """
        return copy.deepcopy(self._description)

    def _describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "limits": self.limits,
            "nodes": self.G.number_of_nodes(),
            "edges": self.G.number_of_edges(),
            "modes": {
                mode: {
                    "nodes": m.G.number_of_nodes(),
                    "edges": m.G.number_of_edges(),
                    "access_speed_kph": m.params.access_speed_kph,
                }
                for mode, m in self.modes.items()
            },
            "max_snap_m": self.params.max_snap_m,
        }
