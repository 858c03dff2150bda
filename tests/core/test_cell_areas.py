"""Exact polygon area per grid cell (``core.cell_areas``) against shapely clipping."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from geoservice.core.cell_areas import CellGrid, cell_cover, oriented_rings
from geoservice.core.crs import geometry_to_wgs84
from geoservice.core.projection_fit import ProjectionFit
from geoservice.runtime import Runtime

GRID = CellGrid(x0_m=1000.0, y0_m=-500.0, cell_m=100.0, nx=12, ny=9)


def shapely_fractions(polygon: shapely.Geometry, grid: CellGrid) -> np.ndarray:
    rows, cols = np.mgrid[0 : grid.ny, 0 : grid.nx]
    x0 = grid.x0_m + cols.ravel() * grid.cell_m
    y0 = grid.y0_m + rows.ravel() * grid.cell_m
    boxes = shapely.box(x0, y0, x0 + grid.cell_m, y0 + grid.cell_m)
    areas = shapely.area(shapely.intersection(boxes, polygon)) / grid.cell_m**2
    return areas.reshape(grid.ny, grid.nx)


def full_fractions(polygon: shapely.Geometry, grid: CellGrid) -> tuple[np.ndarray, np.ndarray]:
    cover = cell_cover(*oriented_rings(polygon), grid)
    fraction = np.zeros((grid.ny, grid.nx))
    crossed = np.zeros((grid.ny, grid.nx), dtype=bool)
    rows, cols = cover.fraction.shape
    fraction[cover.row0 : cover.row0 + rows, cover.col0 : cover.col0 + cols] = cover.fraction
    crossed[cover.row0 : cover.row0 + rows, cover.col0 : cover.col0 + cols] = cover.crossed
    return fraction, crossed


def random_polygon(rng: np.random.Generator) -> shapely.Geometry:
    """Unions of random disks and boxes, some with holes, partly off the grid."""
    cx = rng.uniform(800, 2400, 6)
    cy = rng.uniform(-700, 500, 6)
    disks = shapely.buffer(shapely.points(cx, cy), rng.uniform(30, 400, 6), quad_segs=5)
    shape = shapely.union_all(disks)
    hole = shapely.Point(float(cx[0]), float(cy[0])).buffer(float(rng.uniform(5, 60)))
    return shapely.difference(shape, hole)


@pytest.mark.parametrize("seed", range(25))
def test_cell_fractions_equal_shapely_clipping(seed: int) -> None:
    polygon = random_polygon(np.random.default_rng(seed))
    fraction, crossed = full_fractions(polygon, GRID)
    expected = shapely_fractions(polygon, GRID)
    np.testing.assert_allclose(fraction, expected, atol=1e-9)
    # Cells the outline does not cross are exactly empty or full.
    assert np.all(np.isclose(fraction[~crossed], 0, atol=1e-9) | np.isclose(fraction[~crossed], 1))


def test_clockwise_exteriors_and_grid_aligned_edges() -> None:
    # Exterior given clockwise, edges on grid lines, a hole touching a cell corner.
    square = shapely.Polygon(
        [(1100, -400), (1100, -100), (1400, -100), (1400, -400)],
        [[(1150, -350), (1200, -350), (1200, -300), (1150, -300)]],
    )
    fraction, _ = full_fractions(square, GRID)
    np.testing.assert_allclose(fraction, shapely_fractions(square, GRID), atol=1e-12)
    assert fraction.sum() == pytest.approx(9 - 0.25)


def test_polygons_off_the_grid_or_empty_cover_nothing() -> None:
    far = shapely.box(-1e6, -1e6, -9e5, -9e5)
    above = shapely.box(1000, 1e6, 2000, 1e6 + 10)  # above: fills nothing below it
    for polygon in (far, above, shapely.Polygon(), shapely.LineString([(0, 0), (1, 1)])):
        fraction, _ = full_fractions(polygon, GRID)
        assert not fraction.any()
    tall = shapely.box(1050, -1e6, 1150, 1e6)  # through the whole grid, beyond both ends
    fraction, _ = full_fractions(tall, GRID)
    np.testing.assert_allclose(fraction, shapely_fractions(tall, GRID), atol=1e-9)


def test_projection_fit_stays_within_its_stated_error() -> None:
    to_grid = Transformer.from_crs("EPSG:2154", "EPSG:3035", always_xy=True)
    fit = ProjectionFit(to_grid, (500_000.0, 6_400_000.0, 950_000.0, 6_900_000.0))
    assert not fit.exact
    assert fit.max_error_m < 0.001
    rng = np.random.default_rng(1)
    x = rng.uniform(400_000, 1_000_000, 500)  # some points outside the box: pyproj
    y = rng.uniform(6_300_000, 7_000_000, 500)
    gx, gy = fit.transform(x, y)
    ex, ey = to_grid.transform(x, y)
    assert np.hypot(gx - ex, gy - ey).max() <= fit.max_error_m + 1e-9


def test_wgs84_output_of_the_isochrones_is_pyproj_within_a_millimetre(runtime: Runtime) -> None:
    """The isochrones' EPSG:4326 vertices come from the network's fitted polynomials: within
    1e-8° (≈ 1 mm) of pyproj everywhere, exactly pyproj outside the fitted box, and a served
    band's coordinates (6 decimals) differ from pyproj's by at most one unit of the last."""
    assert runtime.network is not None
    fit = runtime.network.wgs84_output
    assert not fit.exact
    assert fit.max_error_m <= 1e-8
    to_wgs84 = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True)
    xmin, ymin, xmax, ymax = fit.box
    rng = np.random.default_rng(4326)
    x = rng.uniform(xmin - 100_000, xmax + 100_000, 2000)  # a quarter of them outside
    y = rng.uniform(ymin - 100_000, ymax + 100_000, 2000)
    lon, lat = fit.transform(x, y)
    elon, elat = to_wgs84.transform(x, y)
    assert np.abs(lon - elon).max() <= 1e-8
    assert np.abs(lat - elat).max() <= 1e-8
    outside = (x < xmin) | (x > xmax) | (y < ymin) | (y > ymax)
    assert outside.sum() > 100
    assert np.array_equal(lon[outside], np.asarray(elon)[outside])
    band = shapely.buffer(shapely.Point(727_000.0, 6_655_000.0), 20_000.0)  # around Nevers
    fast = shapely.get_coordinates(geometry_to_wgs84(band, fit)).round(6)
    exact = shapely.get_coordinates(geometry_to_wgs84(band)).round(6)
    assert np.abs(fast - exact).max() <= 1.0000001e-6
