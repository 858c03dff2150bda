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

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Transformer

from geoservice.core.population import AGE_BANDS, PopulationCount, PopulationPieces
from geoservice.core.snapping import METRIC_CRS
from geoservice.errors import DataError

FloatArray = npt.NDArray[np.float64]

#: The grid's CRS (ETRS89-LAEA, metres) and cell size.
GRID_CRS = "EPSG:3035"
CELL_SIZE_M = 1_000.0
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

    A polygon is reprojected once to the grid's CRS (EPSG:3035, equal-area), where the cells
    are axis-aligned 1 km squares: cells wholly inside count whole, and only the cells crossing
    the outline are cut, by rectangle clipping (row strips, then one vectorised clip per
    column), much faster than general polygon intersections. The polygon is first cut to the
    territory when it crosses the territory's outline.

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
        shapely.prepare(self.territory)
        self.x = np.asarray(cells.x_3035, dtype=np.float64)
        self.y = np.asarray(cells.y_3035, dtype=np.float64)
        self.squares = np.asarray(
            shapely.box(self.x, self.y, self.x + CELL_SIZE_M, self.y + CELL_SIZE_M), dtype=object
        )
        # Per cell: inhabitants, then the age bands scaled to them (in a few published cells
        # the bands add up to the total ± 1). A cell's inhabitants are spread over its whole
        # square, so its part inside the territory holds population × share.
        population = np.asarray(cells.population, dtype=np.float64)
        band_sum = cells.ages.sum(axis=1)
        scale = np.divide(population, band_sum, out=np.zeros(n), where=band_sum > 0)
        self.weights = np.column_stack([population, cells.ages * scale[:, None]])
        self._total = float(population @ share)
        self.tree = shapely.STRtree(self.squares)

    def _grid_geometry(self, geometry_m: shapely.Geometry) -> shapely.Geometry:
        """`geometry_m` (EPSG:2154) in the grid's CRS."""
        coords = shapely.get_coordinates(geometry_m)
        gx, gy = self._to_grid.transform(coords[:, 0], coords[:, 1])
        return shapely.set_coordinates(
            shapely.from_wkb(shapely.to_wkb(geometry_m)), np.column_stack([gx, gy])
        )

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

    def _cell_areas_m2(self, polygon: shapely.Geometry, rows: npt.NDArray[np.intp]) -> FloatArray:
        """Area of `polygon` (EPSG:3035) inside each cell of `rows`, by rectangle clipping."""
        px, py = self.x[rows], self.y[rows]
        areas = np.zeros(len(rows))
        row_y, row_of = np.unique(py, return_inverse=True)
        strips = np.empty(len(row_y), dtype=object)
        for k, y0 in enumerate(row_y):
            in_row = px[row_of == k]
            strips[k] = shapely.clip_by_rect(
                polygon, in_row.min(), y0, in_row.max() + CELL_SIZE_M, y0 + CELL_SIZE_M
            )
        y_min, y_max = float(row_y[0]), float(row_y[-1] + CELL_SIZE_M)
        col_x, col_of = np.unique(px, return_inverse=True)
        for j, x0 in enumerate(col_x):
            sel = np.flatnonzero(col_of == j)
            pieces = shapely.clip_by_rect(strips[row_of[sel]], x0, y_min, x0 + CELL_SIZE_M, y_max)
            areas[sel] = shapely.area(pieces)
        return areas

    def count_within(self, polygon: shapely.Geometry) -> PopulationCount:
        """Inhabitants inside `polygon` (EPSG:2154) and inside the territory, by age band."""
        sums = np.zeros(1 + len(AGE_BANDS))
        if polygon is None or shapely.is_empty(polygon):
            return PopulationCount(*(float(v) for v in sums))
        band = self._grid_geometry(polygon)
        if not shapely.contains(self.territory, band):
            band = shapely.intersection(band, self.territory)
            if shapely.is_empty(band):
                return PopulationCount(*(float(v) for v in sums))
        shapely.prepare(band)
        candidates = self.tree.query(band)  # bounding boxes only: cheap
        full = shapely.contains(band, self.squares[candidates])
        touched = full.copy()
        touched[~full] = shapely.intersects(band, self.squares[candidates[~full]])
        hits = candidates[touched]
        if len(hits):
            share = np.ones(len(hits))
            partial = ~full[touched]
            if partial.any():
                cut = self._cell_areas_m2(band, hits[partial])
                share[partial] = np.clip(cut / CELL_SIZE_M**2, 0.0, 1.0)
            sums = share @ self.weights[hits]
        return PopulationCount(*(float(v) for v in sums))

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
