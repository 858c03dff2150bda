"""Isochrones, the public API: one builder for every mode, road and transit.

:func:`compute_isochrones` takes origins in EPSG:4326 and time budgets, checks them against
one :class:`IsochroneLimits` (the ``[isochrones]`` table of ``config/limits.toml``), builds
the bands of each origin — road modes with :func:`~geoservice.core.band_polygons.isochrone_bands`,
``transit`` with :func:`~geoservice.core.transit_isochrones.transit_isochrone_bands` — under
one :class:`~geoservice.core.deadline.Deadline`, counts the inhabitants of every band with one
:class:`~geoservice.core.population.PopulationEstimate`, and returns one
:class:`IsochroneFeature` per origin and band, whatever the mode.

The polygons are built from the reachable network, not a hull of reached nodes: see
:mod:`geoservice.core.band_pieces` (the model) and :mod:`geoservice.core.band_polygons` (the
union), documented in ``docs/isochrones.md``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import shapely

from geoservice.core.band_contours import DEFAULT_CELLS_ACROSS
from geoservice.core.band_offload import BandOffload
from geoservice.core.band_pieces import DEFAULT_QUAD_SEGS
from geoservice.core.band_polygons import IsochroneBand, isochrone_bands
from geoservice.core.crs import geometries_to_wgs84, lambert93_from_wgs84
from geoservice.core.deadline import Deadline
from geoservice.core.network import RoadNetwork
from geoservice.core.population import PopulationEstimate
from geoservice.core.transit_isochrones import (
    TransitDeparture,
    transit_isochrone_bands,
    transit_travel_times_s,
)
from geoservice.errors import (
    DataError,
    InvalidParameterError,
    LimitExceededError,
    OutsideCoverageError,
)

#: The mode of public transport isochrones (the road modes are the network's).
TRANSIT = "transit"


@dataclass(frozen=True)
class IsochroneLimits:
    """Limits of the isochrones (``config/limits.toml``: ``[isochrones]`` and ``[limits]``).

    Attributes
    ----------
    max_locations
        Origins per request.
    max_bands
        Budgets per request.
    max_minutes
        Largest budget, minutes.
    default_mode
        Mode when a request names none.
    compute_timeout_s
        Longest computation of one request, seconds (``[limits]``); None for no limit.
    raster_min_nodes
        Road modes: networks of at least this many nodes get the raster construction
        (:mod:`geoservice.core.band_contours`); None: always the exact union.
    raster_min_overlap
        Road modes: bands whose pieces overlap at least this deep
        (:meth:`~geoservice.core.band_pieces.BandPieces.overlap`) get the raster construction
        too; None: by node count only.
    raster_cells_across
        Cells across the largest band's extent in the raster construction.
    """

    max_locations: int
    max_bands: int
    max_minutes: float
    default_mode: str
    compute_timeout_s: float | None
    raster_min_nodes: int | None = None
    raster_cells_across: int = DEFAULT_CELLS_ACROSS
    raster_min_overlap: float | None = None

    @classmethod
    def from_sections(
        cls, isochrones: Mapping[str, Any], limits: Mapping[str, Any]
    ) -> IsochroneLimits:
        """Parse the ``[isochrones]`` and ``[limits]`` tables; every key is required (no value
        is guessed)."""
        try:
            timeout = limits["compute_timeout_s"]
            return cls(
                max_locations=int(isochrones["max_locations"]),
                max_bands=int(isochrones["max_bands"]),
                max_minutes=float(isochrones["max_minutes"]),
                default_mode=str(isochrones["default_mode"]),
                compute_timeout_s=None if timeout is None else float(timeout),
                raster_min_nodes=int(isochrones["raster_min_nodes"]),
                raster_cells_across=int(isochrones["raster_cells_across"]),
                raster_min_overlap=float(isochrones["raster_min_overlap"]),
            )
        except KeyError as e:
            raise DataError(f"config/limits.toml has no {e.args[0]!r}") from e
        except (TypeError, ValueError) as e:
            raise DataError(f"config/limits.toml: {e}") from e

    def deadline(self) -> Deadline:
        """A deadline of :attr:`compute_timeout_s` from now (one per request)."""
        return Deadline(self.compute_timeout_s)

    def check(self, n_locations: int, budgets_s: Sequence[float]) -> None:
        """Refuse too many origins or bands, or a budget too long (before any work).

        Raises
        ------
        LimitExceededError
            Naming ``locations`` or ``budgets_s`` and the limit passed.
        """
        if n_locations > self.max_locations:
            msg = (
                f"{n_locations} locations requested; "
                f"the limit is max_locations = {self.max_locations}"
            )
            raise LimitExceededError("locations", msg)
        if len(budgets_s) > self.max_bands:
            msg = f"{len(budgets_s)} bands requested; the limit is max_bands = {self.max_bands}"
            raise LimitExceededError("budgets_s", msg)
        if budgets_s and max(budgets_s) > self.max_minutes * 60:
            msg = (
                f"a budget of {max(budgets_s) / 60:g} min is above the limit "
                f"max_minutes = {self.max_minutes:g}"
            )
            raise LimitExceededError("budgets_s", msg)


@dataclass(frozen=True)
class IsochroneFeature:
    """One band of one origin, ready to serve (every mode).

    Attributes
    ----------
    group_index
        Index of the origin in the request.
    value_s
        The time budget, seconds.
    mode
        The travel mode (``drive``, ``bike``, ``walk`` or ``transit``).
    center
        The origin, (lon, lat) EPSG:4326.
    geometry
        The band, EPSG:4326.
    area_km2
        Its area (computed in EPSG:2154), km².
    population
        Inhabitants inside (see :mod:`geoservice.core.population`), or None without data.
    population_by_age
        The same by age band (``under_15``, ``15_64``, ``65_plus``), or None without ages.
    access_mode
        Transit only: how the origin reaches the stops; None for road modes.
    """

    group_index: int
    value_s: float
    mode: str
    center: tuple[float, float]
    geometry: shapely.Geometry
    area_km2: float
    population: float | None
    access_mode: str | None = None
    population_by_age: dict[str, float] | None = None


def _bands(
    network: RoadNetwork,
    mode: str,
    x_m: float,
    y_m: float,
    budgets_s: list[float],
    transit: TransitDeparture | None,
    quad_segs: int,
    deadline: Deadline | None,
    construction: str,
    limits: IsochroneLimits | None,
    offload: BandOffload | None,
) -> list[IsochroneBand]:
    if transit is None:
        return isochrone_bands(
            network.mode(mode),
            x_m,
            y_m,
            budgets_s,
            quad_segs=quad_segs,
            deadline=deadline,
            construction=construction,
            raster_min_nodes=None if limits is None else limits.raster_min_nodes,
            raster_min_overlap=None if limits is None else limits.raster_min_overlap,
            cells_across=DEFAULT_CELLS_ACROSS if limits is None else limits.raster_cells_across,
            offload=offload,
        )
    try:
        access_net = network.mode(transit.access_mode)
    except InvalidParameterError as e:
        e.field = "access_mode"  # the TransitDeparture attribute, not the road mode
        raise
    travel = transit_travel_times_s(transit, access_net, x_m, y_m, budgets_s[-1])
    return transit_isochrone_bands(
        transit.timetable,
        network.mode("walk"),
        access_net,
        x_m,
        y_m,
        budgets_s,
        travel,
        quad_segs=quad_segs,
        deadline=deadline,
    )


def compute_isochrones(
    network: RoadNetwork,
    locations: Sequence[tuple[float, float]],
    budgets_s: Sequence[float],
    mode: str,
    *,
    transit: TransitDeparture | None = None,
    limits: IsochroneLimits | None = None,
    population: PopulationEstimate | None = None,
    quad_segs: int = DEFAULT_QUAD_SEGS,
    deadline: Deadline | None = None,
    construction: str = "auto",
    offload: BandOffload | None = None,
) -> list[IsochroneFeature]:
    """Isochrone bands for several origins (lon, lat in EPSG:4326) and budgets (s).

    Features come by origin, then by increasing budget (duplicates merged).

    Parameters
    ----------
    network
        The road network (every mode; transit uses it for access and egress).
    locations
        Origins, (lon, lat) EPSG:4326.
    budgets_s
        Time budgets, seconds (> 0).
    mode
        ``drive``, ``bike``, ``walk`` (the network's modes) or :data:`TRANSIT`.
    transit
        Mode ``transit`` only (required then): the departure and its options.
    limits
        Checked before any work.
    population
        Counts the inhabitants of each band (None: ``population`` is None).
    quad_segs
        Polygon segments per quarter circle of the disks.
    deadline
        Checked before every origin and band.
    construction
        Road modes: ``"exact"`` union, ``"raster"`` (travel-time field contoured, within the
        bound of :mod:`geoservice.core.band_contours`) or ``"auto"`` (raster from
        ``limits.raster_min_nodes`` nodes or ``limits.raster_min_overlap`` overlap on; exact
        without `limits`).
    offload
        Road modes, exact union: a helper process that unions some bands meanwhile
        (:mod:`geoservice.core.band_offload`; the same polygons without it).

    Raises
    ------
    InvalidParameterError
        Unknown mode (``mode``, or ``access_mode`` of `transit`), budgets not > 0
        (``budgets_s``), transit without a departure (``transit``).
    LimitExceededError
        Above `limits`.
    OutsideCoverageError
        An origin is outside the network's coverage, naming ``locations.<i>``.
    DeadlineExceededError
        Past `deadline`.
    """
    budgets = sorted({float(b) for b in budgets_s})
    if not budgets or budgets[0] <= 0:
        raise InvalidParameterError("budgets_s", f"time budgets must be > 0 s, got {budgets}")
    if limits is not None:
        limits.check(len(locations), budgets)
    if (mode == TRANSIT) != (transit is not None):
        msg = "mode transit needs a departure (and only mode transit takes one)"
        raise InvalidParameterError("transit", msg)
    features: list[IsochroneFeature] = []
    for i, (lon, lat) in enumerate(locations):
        if deadline is not None:
            deadline.check("isochrone computation")
        x, y = lambert93_from_wgs84(lon, lat)
        try:
            bands = _bands(
                network,
                mode,
                float(x),
                float(y),
                budgets,
                transit,
                quad_segs,
                deadline,
                construction,
                limits,
                offload,
            )
        except OutsideCoverageError as e:
            e.field = f"locations.{i}"
            raise
        outlines_m = [b.geometry for b in bands]
        counts = [None] * len(bands) if population is None else population.counts_within(outlines_m)
        outlines = geometries_to_wgs84(outlines_m, network.wgs84_output)
        for band, count, outline in zip(bands, counts, outlines, strict=True):
            features.append(
                IsochroneFeature(
                    group_index=i,
                    value_s=band.value_s,
                    mode=mode,
                    center=(float(lon), float(lat)),
                    geometry=outline,
                    area_km2=band.area_km2,
                    population=None if count is None else count.total,
                    population_by_age=None if count is None else count.by_age(),
                    access_mode=None if transit is None else transit.access_mode,
                )
            )
    return features


def warm_kernels(network: RoadNetwork, population: PopulationEstimate | None) -> float:
    """Load the compiled kernels of the isochrones (exact union, raster, population) and fit
    the EPSG:4326 output (:attr:`~geoservice.core.network.RoadNetwork.wgs84_output`) now,
    from numba's cache, not in the first request: one 15-min band of each construction at
    the first node of the first mode. Returns the time taken, seconds."""
    t0 = time.perf_counter()
    network.wgs84_output  # noqa: B018 - fitted now, not in the first request
    net = next(iter(network.modes.values()))
    if net.router.node_count:
        x, y = float(net.x_m[0]), float(net.y_m[0])
        for construction in ("exact", "raster"):
            (band,) = isochrone_bands(
                net, x, y, [900.0], construction=construction, cells_across=16
            )
            if population is not None:
                population.count_within(band.geometry)
    return time.perf_counter() - t0
