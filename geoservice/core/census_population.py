"""Inhabitants inside a polygon, from the Eurostat Census 2021 population grid (1 km cells).

Method (``docs/indicators.md``, "Population inside an isochrone"): each cell's inhabitants are
assumed evenly spread over the cell. The population inside a polygon, counted inside the
département only (the territory the service covers), is

    Σ_cells  P_c · area(cell_c ∩ département ∩ polygon) / area(cell_c)

with ``P_c`` the cell's census population; for the whole département it is
``Σ P_c · s_c``, ``s_c`` the share of the cell's area inside it (stored by
``geoservice data build``). Cells wholly inside the polygon count whole without any geometry
operation; only cells crossing the polygon's outline are cut. Age bands (under 15, 15–64,
65 and over) are weighted the same way and add up to the total.

Pure computation: the cells come from :func:`geoservice.io.census_grid.load_census_grid`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from numba import njit
from pyproj import Transformer

from geoservice.core.cell_areas import (
    CellGrid,
    cell_cover,
    oriented_rings,
    oriented_rings_of,
    window_cover,
    window_of,
)
from geoservice.core.clipped_areas import areas_in_parts, triangles_of
from geoservice.core.population import AGE_BANDS, PopulationCount, PopulationPieces
from geoservice.core.projection_fit import ProjectionFit
from geoservice.core.snapping import METRIC_CRS
from geoservice.errors import DataError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: The grid's CRS (ETRS89-LAEA, metres) and cell size.
GRID_CRS = "EPSG:3035"
CELL_SIZE_M = 1_000.0
#: Around the territory, the band vertices reprojected by a checked polynomial (m; see
#: :mod:`geoservice.core.projection_fit`): a 120-min drive band stays within it.
FIT_MARGIN_M = 200_000.0
#: Vintage of the grid.
CENSUS_YEAR = 2021
#: How a band's population is counted, as the answers say it.
POPULATION_METHOD = (
    "Eurostat Census 2021 1 km population grid, inside the département only: each cell's "
    "inhabitants × the share of the cell's area inside the band (even spread within a cell)"
)


@dataclass(frozen=True)
class CensusCells:
    """Cells of the census grid that intersect the territory.

    Attributes
    ----------
    x_3035, y_3035
        Lower-left corner of each cell, EPSG:3035 metres.
    population
        Census population of the whole cell.
    ages
        Shape ``(n, 3)``: the cell's inhabitants under 15, 15–64, 65 and over
        (:data:`AGE_BANDS`), as published.
    share_in_territory
        Share of the cell's area inside the territory, in ``(0, 1]``.
    """

    x_3035: FloatArray
    y_3035: FloatArray
    population: FloatArray
    ages: FloatArray
    share_in_territory: FloatArray


class CensusGridPopulation:
    """The census grid cells of the territory, for areal weighting of polygons in EPSG:2154.

    A :class:`geoservice.core.population.PopulationEstimate`, with the age bands in
    :meth:`count_within`.

    The cells are 1 km squares of EPSG:3035 (equal-area) at whole kilometres: they are held as
    a raster indexed by (row, column). A polygon's vertices are reprojected once to EPSG:3035
    and its area inside every cell is computed at once by
    :func:`geoservice.core.cell_areas.cell_cover` (outline cut at the grid lines, scanline
    fill; no geometry-library call). Cells inside the territory count that share; the few
    cells on the territory's border that the polygon's outline also crosses are cut exactly
    by the precomputed part of the cell inside the territory, cut once into triangles
    (:mod:`geoservice.core.clipped_areas`: the band clipped to each triangle, compiled).
    Same figures as clipping the polygon to the territory and to every cell.

    Parameters
    ----------
    cells
        The grid cells intersecting the territory.
    territory_m
        The territory (the département), EPSG:2154.
    """

    def __init__(self, cells: CensusCells, territory_m: shapely.Geometry) -> None:
        n = len(cells.population)
        if cells.ages.shape != (n, len(AGE_BANDS)):
            raise DataError(f"census cells: ages must have shape ({n}, 3), not {cells.ages.shape}")
        share = np.asarray(cells.share_in_territory, dtype=np.float64)
        if n and not ((share > 0) & (share <= 1)).all():
            raise DataError("census cells: share_in_territory must lie in (0, 1]")
        self._to_grid = Transformer.from_crs(METRIC_CRS, GRID_CRS, always_xy=True)
        self.territory = self._grid_geometry(territory_m)
        xmin, ymin, xmax, ymax = shapely.bounds(territory_m)
        margin = FIT_MARGIN_M
        self.projection = ProjectionFit(
            self._to_grid, (xmin - margin, ymin - margin, xmax + margin, ymax + margin)
        )
        self.x = np.asarray(cells.x_3035, dtype=np.float64)
        self.y = np.asarray(cells.y_3035, dtype=np.float64)
        # The cell squares and their STR-tree serve pieces_in (a few calls at start-up).
        self.squares = np.asarray(
            shapely.box(self.x, self.y, self.x + CELL_SIZE_M, self.y + CELL_SIZE_M), dtype=object
        )
        self.tree = shapely.STRtree(self.squares)
        # Per cell: inhabitants, then the age bands scaled to them (in a few published cells
        # the bands add up to the total ± 1). A cell's inhabitants are spread over its whole
        # square, so its part inside the territory holds population × share.
        population = np.asarray(cells.population, dtype=np.float64)
        band_sum = cells.ages.sum(axis=1)
        scale = np.divide(population, band_sum, out=np.zeros(n), where=band_sum > 0)
        self.weights = np.column_stack([population, cells.ages * scale[:, None]])
        self._total = float(population @ share)
        self.grid, row, col = _raster_of(self.x, self.y)
        #: Raster of cell indices (-1: no cell), shape (ny, nx).
        self.cell_at = np.full((self.grid.ny, self.grid.nx), -1, dtype=np.int64)
        self.cell_at[row, col] = np.arange(n)
        # The territory's share of each cell, and the exact part of the cells it cuts.
        tx, ty, offsets = oriented_rings(self.territory)
        inside = cell_cover(tx, ty, offsets, self.grid)
        r, c = row - inside.row0, col - inside.col0
        ok = (r >= 0) & (c >= 0) & (r < inside.fraction.shape[0]) & (c < inside.fraction.shape[1])
        self.in_territory = np.zeros(n)
        self.in_territory[ok] = np.clip(inside.fraction[r[ok], c[ok]], 0.0, 1.0)
        border = np.zeros(n, dtype=bool)
        border[ok] = inside.crossed[r[ok], c[ok]]
        #: Per cell: its index among the border cells (-1 inside the territory).
        self.border_slot = np.full(n, -1, dtype=np.int64)
        self.border_slot[border] = np.arange(int(border.sum()))
        self.border = np.flatnonzero(border)
        squares = shapely.box(
            self.x[self.border],
            self.y[self.border],
            self.x[self.border] + CELL_SIZE_M,
            self.y[self.border] + CELL_SIZE_M,
        )
        self.border_parts = np.asarray(shapely.intersection(squares, self.territory))
        self.in_territory[self.border] = shapely.area(self.border_parts) / CELL_SIZE_M**2
        # Each border part cut once into triangles (the bands' areas inside: clipped_areas).
        self.border_triangles, tri_offsets = triangles_of(self.border_parts)
        self.border_tri_lo, self.border_tri_hi = tri_offsets[:-1], tri_offsets[1:]
        self.border_boxes = np.ascontiguousarray(shapely.bounds(squares), dtype=np.float64)

    def _grid_geometry(self, geometry_m: shapely.Geometry) -> shapely.Geometry:
        """`geometry_m` (EPSG:2154) in the grid's CRS."""
        return shapely.transform(geometry_m, self._grid_xy)

    def _grid_xy(self, coords: FloatArray) -> FloatArray:
        gx, gy = self._to_grid.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([gx, gy])

    def pieces_in(self, polygons_m: Sequence[shapely.Geometry]) -> PopulationPieces:
        """The grid cells cut by `polygons_m` (EPSG:2154, e.g. the communes): per piece, the
        polygon's index, its inhabitants (cell population × share of the cell's area in the
        piece) and a point inside it (EPSG:2154)."""
        shapes = np.array([self._grid_geometry(p) for p in polygons_m], dtype=object)
        poly_idx, cell_idx = self.tree.query(shapes, predicate="intersects")
        cut = shapely.intersection(self.squares[cell_idx], shapes[poly_idx])
        area = shapely.area(cut)
        keep = area > 0
        points = shapely.get_coordinates(shapely.point_on_surface(cut[keep]))
        back = Transformer.from_crs(GRID_CRS, METRIC_CRS, always_xy=True)
        x, y = back.transform(points[:, 0], points[:, 1])
        return PopulationPieces(
            polygon=np.asarray(poly_idx[keep], dtype=np.int64),
            population=self.weights[cell_idx[keep], 0] * area[keep] / CELL_SIZE_M**2,
            x_m=np.asarray(x, dtype=np.float64),
            y_m=np.asarray(y, dtype=np.float64),
        )

    def ages_in(self, polygons_m: Sequence[shapely.Geometry]) -> FloatArray:
        """Inhabitants per age band (:data:`AGE_BANDS`) inside each of `polygons_m`
        (EPSG:2154, e.g. the communes), shape ``(len(polygons_m), 3)``: each cell's bands ×
        the share of the cell's area inside the polygon."""
        shapes = np.array([self._grid_geometry(p) for p in polygons_m], dtype=object)
        poly_idx, cell_idx = self.tree.query(shapes, predicate="intersects")
        area = shapely.area(shapely.intersection(self.squares[cell_idx], shapes[poly_idx]))
        pieces = self.weights[cell_idx, 1:] * (area / CELL_SIZE_M**2)[:, None]
        out = np.zeros((len(shapes), len(AGE_BANDS)))
        np.add.at(out, poly_idx, pieces)
        return out

    @property
    def method(self) -> str:
        """How the figure is obtained (:data:`POPULATION_METHOD`)."""
        return POPULATION_METHOD

    @property
    def total(self) -> float:
        """Inhabitants of the territory (sum over the cells of population × share inside)."""
        return self._total

    def cell_shares(self, polygon: shapely.Geometry) -> tuple[IntArray, FloatArray]:
        """The cells meeting `polygon` (EPSG:2154) — indices in the order of the cells
        given — and the share of each one's area inside both `polygon` and the territory,
        in [0, 1]."""
        cells, shares, _ = self.cell_shares_of([polygon])
        return cells, shares

    def cell_shares_of(
        self, polygons: Sequence[shapely.Geometry | None]
    ) -> tuple[IntArray, FloatArray, IntArray]:
        """:meth:`cell_shares` of several polygons at once (e.g. the bands of an isochrone:
        one pass of each step over all of them): the cells and shares of polygon ``i`` are
        ``cells[starts[i]:starts[i + 1]]``, ``shares[…]``."""
        geoms = np.empty(len(polygons), dtype=object)
        geoms[:] = list(polygons)
        x_m, y_m, offsets, ring_range = oriented_rings_of(geoms)
        gx, gy = self.projection.transform(x_m, y_m)
        # Keep every ring closed exactly (its last vertex its first), whatever the rounding.
        gx[offsets[1:] - 1], gy[offsets[1:] - 1] = gx[offsets[:-1]], gy[offsets[:-1]]
        grid = self.grid
        return _shares_of_polygons(
            np.ascontiguousarray(gx),
            np.ascontiguousarray(gy),
            offsets,
            ring_range,
            grid.x0_m,
            grid.y0_m,
            grid.cell_m,
            grid.nx,
            grid.ny,
            self.cell_at,
            self.in_territory,
            self.border_slot,
            self.border_boxes,
            self.border_triangles,
            self.border_tri_lo,
            self.border_tri_hi,
        )

    def count_within(self, polygon: shapely.Geometry) -> PopulationCount:
        """Inhabitants inside `polygon` (EPSG:2154) and inside the territory, by age band."""
        return self.counts_within([polygon])[0]

    def counts_within(self, polygons: Sequence[shapely.Geometry | None]) -> list[PopulationCount]:
        """:meth:`count_within` of each of `polygons` (EPSG:2154), counted together: the same
        figures, with the fixed costs of a count paid once (≈ 0.1 ms a band alone)."""
        cells, shares, starts = self.cell_shares_of(polygons)
        bounds = starts.tolist()
        counts = []
        for a, b in itertools.pairwise(bounds):
            sums = shares[a:b] @ self.weights[cells[a:b]]
            counts.append(PopulationCount(*(float(v) for v in sums)))
        return counts

    def population_within(self, polygon: shapely.Geometry) -> float:
        """Inhabitants inside `polygon` (EPSG:2154) and inside the territory."""
        return self.count_within(polygon).total

    def population_by_age_within(self, polygon: shapely.Geometry) -> dict[str, float]:
        """Inhabitants inside `polygon` (EPSG:2154) per age band (:data:`AGE_BANDS`)."""
        count = self.count_within(polygon)
        return {
            "under_15": count.under_15,
            "15_64": count.age_15_64,
            "65_plus": count.age_65_plus,
        }


@njit(cache=True)
def _shares_of_polygons(
    gx: FloatArray,
    gy: FloatArray,
    ring_offsets: IntArray,
    ring_range: IntArray,
    x0: float,
    y0: float,
    cell: float,
    nx: int,
    ny: int,
    cell_at: IntArray,
    in_territory: FloatArray,
    border_slot: IntArray,
    border_boxes: FloatArray,
    border_triangles: FloatArray,
    tri_lo: IntArray,
    tri_hi: IntArray,
) -> tuple[IntArray, FloatArray, IntArray]:
    """Per polygon (rings ``ring_range[i] … ring_range[i + 1]`` of the closed, oriented rings
    in grid coordinates): the cells it meets and their shares inside it and the territory,
    concatenated, with each polygon's start (compiled: :func:`cell_cover` on the window of
    the polygon's box, :func:`_cell_shares`, then the border cells its outline crosses cut
    by :func:`areas_in_parts`, as one call for all the polygons)."""
    n = len(ring_range) - 1
    u_all = (gx - x0) / cell
    v_all = (gy - y0) / cell
    window = np.zeros((n, 4), dtype=np.int64)  # r0, c0, r1, c1; empty: all 0
    size = 0
    for p in range(n):
        a, b = ring_offsets[ring_range[p]], ring_offsets[ring_range[p + 1]]
        if b - a < 2:
            continue
        r0, c0, r1, c1 = window_of(u_all[a:b], v_all[a:b], nx, ny)
        if c0 < c1 and r0 < r1:
            window[p, 0], window[p, 1], window[p, 2], window[p, 3] = r0, c0, r1, c1
            size += (r1 - r0) * (c1 - c0)
    cells = np.empty(size, dtype=np.int64)
    shares = np.empty(size)
    starts = np.zeros(n + 1, dtype=np.int64)
    k = 0
    for p in range(n):
        r0, c0, r1, c1 = window[p, 0], window[p, 1], window[p, 2], window[p, 3]
        if r1 > r0:
            a, b = ring_offsets[ring_range[p]], ring_offsets[ring_range[p + 1]]
            offsets = ring_offsets[ring_range[p] : ring_range[p + 1] + 1] - a
            own, fill, hit = window_cover(
                u_all[a:b] - c0, v_all[a:b] - r0, offsets, c1 - c0, r1 - r0
            )
            found, found_shares, cut = _cell_shares(
                own + fill, hit, cell_at, r0, c0, in_territory, border_slot
            )
            if len(cut):
                parts = border_slot[found[cut]]
                areas = areas_in_parts(
                    gx[a:b],
                    gy[a:b],
                    offsets,
                    border_boxes[parts],
                    border_triangles,
                    tri_lo[parts],
                    tri_hi[parts],
                )
                for j in range(len(cut)):
                    found_shares[cut[j]] = min(max(areas[j] / CELL_SIZE_M**2, 0.0), 1.0)
            m = len(found)
            cells[k : k + m] = found
            shares[k : k + m] = found_shares
            k += m
        starts[p + 1] = k
    return cells[:k], shares[:k], starts


@njit(cache=True)
def _cell_shares(
    fraction: FloatArray,
    crossed: npt.NDArray[np.bool_],
    cell_at: IntArray,
    row0: int,
    col0: int,
    in_territory: FloatArray,
    border_slot: IntArray,
) -> tuple[IntArray, FloatArray, IntArray]:
    """The cells of the cover's window (row-major), each one's share inside the band and the
    territory, and the positions of the border cells the band's outline crosses (to be cut).
    Inside the territory the share is the band's × the territory's; on its border, where
    that product does not hold, the whole territory part or nothing until cut."""
    rows, cols = fraction.shape
    cells = np.empty(rows * cols, dtype=np.int64)
    shares = np.empty(rows * cols)
    cut = np.empty(rows * cols, dtype=np.int64)
    n, n_cut = 0, 0
    for r in range(rows):
        for c in range(cols):
            cell = cell_at[row0 + r, col0 + c]
            if cell < 0:
                continue
            band = min(max(fraction[r, c], 0.0), 1.0)
            if border_slot[cell] >= 0:
                shares[n] = in_territory[cell] if band > 0.5 else 0.0
                if crossed[r, c]:
                    cut[n_cut] = n
                    n_cut += 1
            else:
                shares[n] = band * in_territory[cell]
            cells[n] = cell
            n += 1
    return cells[:n], shares[:n], cut[:n_cut]


def _raster_of(
    x_3035: FloatArray, y_3035: FloatArray
) -> tuple[CellGrid, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The grid spanning the cells (lower-left corners at whole cell sizes) and each cell's
    row and column in it."""
    if len(x_3035) == 0:
        return CellGrid(0.0, 0.0, CELL_SIZE_M, 1, 1), np.zeros(0, np.int64), np.zeros(0, np.int64)
    x0, y0 = float(x_3035.min()), float(y_3035.min())
    col_f, row_f = (x_3035 - x0) / CELL_SIZE_M, (y_3035 - y0) / CELL_SIZE_M
    col, row = np.rint(col_f).astype(np.int64), np.rint(row_f).astype(np.int64)
    if np.abs(col_f - col).max() > 1e-6 or np.abs(row_f - row).max() > 1e-6:
        raise DataError("census cells: corners are not on one 1 km grid")
    grid = CellGrid(x0, y0, CELL_SIZE_M, int(col.max()) + 1, int(row.max()) + 1)
    return grid, row, col
