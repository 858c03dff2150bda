"""Isochrone bands of large networks: a travel-time field on a grid, contoured at each budget.

The exact union of :mod:`geoservice.core.band_polygons` costs seconds when a band holds
hundreds of thousands of edges. Here (as R5 and Valhalla do) the same model
(:mod:`geoservice.core.band_pieces`: reach the network, leave it anywhere at the access pace
``1/k`` s/m) is sampled instead:

1. seeds: the origin (t = 0), every reached node, and points inside every reached edge at
   most ``h/2`` apart, each with its travel time (linear along the edge, as in the model);
2. a grid of ``cells_across`` cells over the largest band's extent (so the cell side ``h``
   follows the budget), and at each vertex the least ``t + |p − q|/k`` over the seeds
   (:func:`geoservice.core.time_field.time_field`);
3. the filled contour ``field ≤ budget`` of each band (contourpy, marching squares), holes
   kept.

Bound (``docs/isochrones.md``, tested on real and generated networks): with
``ε = h·√2/k + (h/4)·(p_max + 1/k)`` seconds, ``p_max`` the slowest pace (s/m) of the
sampled edges, every point inside a band is reached within ``budget + ε`` and every point
reached within ``budget − ε`` is inside. (Vertex values are real model times, so never
early; a vertex is at most ``h√2`` from any point of its cells, and the nearest sample is
at most ``h/4`` from where the best path leaves an edge.) Pockets the model cannot reach
come out as holes when they hold a grid vertex above the budget; none smaller than a cell.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import contourpy
import numpy as np
import shapely

from geoservice.core.band_pieces import BandPieces
from geoservice.core.deadline import Deadline
from geoservice.core.network import ModeNetwork, Reach
from geoservice.core.time_field import edge_samples, time_field

#: Default cells across a band's extent (config/limits.toml: ``raster_cells_across``).
DEFAULT_CELLS_ACROSS = 512
#: Grid vertices added around the extent (all above the budget: closed contours).
PAD_CELLS = 2


@dataclass(frozen=True)
class ContouredBand:
    """One band from the travel-time field.

    Attributes
    ----------
    value_s
        The budget, seconds.
    geometry
        The band, EPSG:2154.
    cell_m
        Side of the grid's cells, metres.
    error_s
        The bound ε (s) of the module docstring for this band.
    """

    value_s: float
    geometry: shapely.Geometry
    cell_m: float
    error_s: float


def _seeds(
    net: ModeNetwork, pieces: BandPieces, reach: Reach, budget_s: float, spacing_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Seed points (x, y, t) of the band at `budget_s`: the origin, the nodes reached, and
    points inside every reached piece at most `spacing_m` apart (with its end at the budget
    when the piece is cut, :func:`~geoservice.core.time_field.edge_samples`), and the
    slowest pace (s/m) of those pieces."""
    node = np.flatnonzero(reach.times_s < budget_s)
    live = pieces.t_u < budget_s
    ex, ey, et, pace_max = edge_samples(
        pieces.x0[live],
        pieces.y0[live],
        pieces.dx[live],
        pieces.dy[live],
        pieces.t_u[live],
        pieces.w[live],
        budget_s,
        spacing_m,
    )
    ox, oy = reach.origin_m
    return (
        np.concatenate([[ox], net.x_m[node], ex]),
        np.concatenate([[oy], net.y_m[node], ey]),
        np.concatenate([[0.0], reach.times_s[node], et]),
        float(pace_max),
    )


def _polygons(generator: contourpy.ContourGenerator, budget_s: float) -> shapely.Geometry:
    """The filled contour ``field ≤ budget_s`` as a (Multi)Polygon with its holes."""
    points, offsets = generator.filled(-1.0, budget_s)[:2]  # FillType.OuterOffset
    polygons = []
    for pts, offs in zip(points, offsets, strict=True):
        xy, bounds = np.asarray(pts), np.asarray(offs).tolist()
        rings = [xy[a:b] for a, b in itertools.pairwise(bounds) if b - a >= 4]
        if rings:
            polygons.append(shapely.Polygon(rings[0], rings[1:]))
    if not polygons:
        return shapely.Polygon()
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)


def contoured_bands(
    net: ModeNetwork,
    reach: Reach,
    budgets_s: Sequence[float],
    *,
    cells_across: int = DEFAULT_CELLS_ACROSS,
    deadline: Deadline | None = None,
) -> list[ContouredBand]:
    """Bands for every budget (in the order given) from one :class:`Reach` (computed with a
    limit ≥ the largest budget): one field on a grid of `cells_across` cells over the largest
    band's extent, contoured at each budget."""
    budget = float(max(budgets_s))
    pieces = BandPieces(net, reach, budget)
    k = pieces.k
    # Extent: every seed's remaining off-network disk (the origin's is the largest).
    rem = (budget - pieces.t_u) * k
    ox, oy = reach.origin_m
    x_lo = min(float(np.min(pieces.x0 - rem, initial=np.inf)), ox - budget * k)
    x_hi = max(float(np.max(pieces.x0 + rem, initial=-np.inf)), ox + budget * k)
    y_lo = min(float(np.min(pieces.y0 - rem, initial=np.inf)), oy - budget * k)
    y_hi = max(float(np.max(pieces.y0 + rem, initial=-np.inf)), oy + budget * k)
    h = max(x_hi - x_lo, y_hi - y_lo, 1.0) / cells_across
    sx, sy, st, pace_max = _seeds(net, pieces, reach, budget, h / 2)
    x0, y0 = x_lo - PAD_CELLS * h, y_lo - PAD_CELLS * h
    nx = int(np.ceil((x_hi - x_lo) / h)) + 2 * PAD_CELLS + 1
    ny = int(np.ceil((y_hi - y_lo) / h)) + 2 * PAD_CELLS + 1
    field = time_field(sx, sy, st, (x0, y0), h, (ny, nx), 1.0 / k)
    np.minimum(field, 2.0 * budget + 1.0, out=field)  # no inf for contourpy
    generator = contourpy.contour_generator(
        x0 + h * np.arange(nx),
        y0 + h * np.arange(ny),
        field,
        name="serial",
        fill_type=contourpy.FillType.OuterOffset,
    )
    error_s = float(h * np.sqrt(2.0) / k + (h / 4) * (pace_max + 1.0 / k))
    out = []
    for b in budgets_s:
        if deadline is not None:
            deadline.check("isochrone computation")
        out.append(ContouredBand(float(b), _polygons(generator, float(b)), h, error_s))
    return out
