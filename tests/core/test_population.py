"""Population inside isochrone bands from the Census 2021 1 km grid (``core.population``).

The reference figures are computed here independently of the index: the committed cells are
rebuilt as polygons, cut by the band and the département with ``geopandas.overlay`` (general
polygon overlay, in EPSG:2154), and weighted by their area share.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.ops

from geoservice.core.band_polygons import isochrone_bands
from geoservice.core.census_population import CensusGridPopulation
from geoservice.core.population import AGE_BANDS, PopulationIndex, rounded_by_age
from geoservice.core.snapping import lambert93_from_wgs84
from geoservice.runtime import Runtime
from geoservice.settings import Settings

NEVERS = "58194"


@pytest.fixture(scope="module")
def grid(runtime: Runtime) -> CensusGridPopulation:
    assert runtime.population_grid is not None
    return runtime.population_grid


@pytest.fixture(scope="module")
def cells_m(settings: Settings) -> gpd.GeoDataFrame:
    """The committed cells as polygons, EPSG:2154 (built from their EPSG:3035 corners)."""
    table = pd.read_csv(settings.data_dir / "population" / "census_grid_1km.csv")
    x, y = table["x_3035"], table["y_3035"]
    cells = gpd.GeoDataFrame(
        table, geometry=shapely.box(x, y, x + 1000, y + 1000), crs="EPSG:3035"
    ).to_crs(2154)
    cells["cell_area"] = cells.area
    return cells


@pytest.fixture(scope="module")
def departement_m(runtime: Runtime) -> gpd.GeoDataFrame:
    return runtime.zones["departement"][["geometry"]].to_crs(2154)


def overlay_population(
    cells_m: gpd.GeoDataFrame, departement_m: gpd.GeoDataFrame, band_m: shapely.Geometry
) -> pd.Series:
    """Total and age bands inside `band_m` and the département, by geopandas overlay."""
    inside = gpd.overlay(cells_m, departement_m, how="intersection", keep_geom_type=True)
    band = gpd.GeoDataFrame(geometry=[band_m], crs=2154)
    cut = gpd.overlay(inside, band, how="intersection", keep_geom_type=True)
    share = cut.area / cut["cell_area"]
    return pd.Series(
        {c: float((cut[c] * share).sum()) for c in ("population", *AGE_BANDS)},
    )


@pytest.fixture(scope="module")
def nevers_60min_drive_m(runtime: Runtime) -> shapely.Geometry:
    assert runtime.network is not None
    nevers = runtime.communes.set_index("code").loc[NEVERS]
    x, y = lambert93_from_wgs84(nevers["origin_lon"], nevers["origin_lat"])
    (band,) = isochrone_bands(runtime.network.mode("drive"), float(x), float(y), [3600.0])
    return band.geometry


def test_departement_total_is_the_grid_inside_the_departement(
    grid: CensusGridPopulation, cells_m: gpd.GeoDataFrame, departement_m: gpd.GeoDataFrame
) -> None:
    # SOURCES.md §10: the cells whose centre lies in the département hold 201,726 people.
    centres = gpd.GeoSeries(cells_m.geometry.centroid, crs=2154)
    centre_inside = centres.within(departement_m.geometry.iloc[0])
    assert int(cells_m.loc[centre_inside, "population"].sum()) == 201_726
    # Weighting every cell crossing the border by its area inside gives 200,981 (-0.37 %).
    assert grid.total == pytest.approx(200_981, abs=1)
    assert grid.total == pytest.approx(201_726, rel=0.005)
    # The service clips to the union of the commune outlines, the build to the département
    # file: both IGN 2018 outlines, 1.5 inhabitants apart.
    everything = shapely.box(0, 6_000_000, 1_300_000, 7_200_000)
    assert grid.population_within(everything) == pytest.approx(grid.total, rel=1e-4)


def test_nevers_60_min_drive_band_matches_an_overlay(
    grid: CensusGridPopulation,
    cells_m: gpd.GeoDataFrame,
    departement_m: gpd.GeoDataFrame,
    nevers_60min_drive_m: shapely.Geometry,
) -> None:
    count = grid.count_within(nevers_60min_drive_m)
    expected = overlay_population(cells_m, departement_m, nevers_60min_drive_m)
    assert count.total == pytest.approx(expected["population"], rel=0.005)
    assert 100_000 < count.total < grid.total  # most of the département, not all of it
    by_age = count.by_age()
    assert by_age is not None
    assert sum(by_age.values()) == pytest.approx(count.total, rel=1e-9)
    for band in AGE_BANDS:  # the published bands are scaled to the total in a few cells
        assert by_age[band] == pytest.approx(expected[band], rel=0.01)


def test_band_across_the_border_counts_only_the_departement(
    runtime: Runtime,
    grid: CensusGridPopulation,
    cells_m: gpd.GeoDataFrame,
    departement_m: gpd.GeoDataFrame,
) -> None:
    # A 3 km disk on the border nearest to Nevers (the Allier / Loire, facing the Cher).
    outline = departement_m.geometry.iloc[0]
    nevers = runtime.communes.set_index("code").loc[NEVERS]
    x, y = lambert93_from_wgs84(nevers["origin_lon"], nevers["origin_lat"])
    _, on_border = shapely.ops.nearest_points(shapely.Point(float(x), float(y)), outline.boundary)
    disk = on_border.buffer(3_000)
    assert 0.2 < disk.intersection(outline).area / disk.area < 0.8
    expected = overlay_population(cells_m, departement_m, disk)
    assert grid.population_within(disk) == pytest.approx(expected["population"], rel=0.005)
    no_border = gpd.GeoDataFrame(geometry=[disk], crs=2154)
    everyone = overlay_population(cells_m, no_border, disk)
    assert grid.population_within(disk) < everyone["population"]  # the Cher side is left out


def previous_count(grid: CensusGridPopulation, polygon_m: shapely.Geometry) -> np.ndarray:
    """The previous method, the reference: the band reprojected with pyproj, cut to the
    territory with GEOS, then every touched cell clipped by shapely."""
    band = shapely.transform(polygon_m, grid._grid_xy)
    band = shapely.intersection(band, grid.territory)
    squares = shapely.box(grid.x, grid.y, grid.x + 1000, grid.y + 1000)
    share = shapely.area(shapely.intersection(squares, band)) / 1e6
    return np.asarray(share @ grid.weights)


@pytest.mark.parametrize("mode", ["drive", "bike", "walk"])
def test_raster_count_equals_cell_by_cell_clipping(
    runtime: Runtime, grid: CensusGridPopulation, mode: str
) -> None:
    """Same figures as clipping every cell (holes, multipolygons, bands across the border)."""
    assert runtime.network is not None
    communes = runtime.communes.sort_values("code")
    rng = np.random.default_rng(18)
    for i in rng.choice(len(communes), size=6, replace=False):
        row = communes.iloc[i]
        x, y = lambert93_from_wgs84(row["origin_lon"], row["origin_lat"])
        budgets = [900.0, 2700.0, 5400.0]
        for band in isochrone_bands(runtime.network.mode(mode), float(x), float(y), budgets):
            count = grid.count_within(band.geometry)
            got = [count.total, count.under_15, count.age_15_64, count.age_65_plus]
            np.testing.assert_allclose(got, previous_count(grid, band.geometry), rtol=1e-7)


def test_bands_counted_together_are_counted_as_alone(
    runtime: Runtime, grid: CensusGridPopulation, departement_m: gpd.GeoDataFrame
) -> None:
    """An answer's bands are counted in one call (`counts_within`): each figure is the one
    of its polygon alone, bit for bit, whatever sits between (None, empty, outside the
    département, across its border, multipolygons, holes, the whole département)."""
    assert runtime.network is not None
    x, y = (float(v) for v in lambert93_from_wgs84(3.1597, 46.9897))
    bands = [b.geometry for b in isochrone_bands(runtime.network.mode("bike"), x, y, [900, 3600])]
    px, py = (float(v) for v in lambert93_from_wgs84(2.35, 48.85))
    holed = shapely.Point(x, y).buffer(8_000).difference(shapely.Point(x, y).buffer(2_000))
    far = shapely.Point(px, py).buffer(5_000)
    polygons = [
        bands[0],
        None,
        shapely.Polygon(),
        holed,
        shapely.MultiPolygon([holed, shapely.Point(x + 30_000, y).buffer(3_000)]),
        far,
        bands[1],
        departement_m.geometry.iloc[0],
        bands[0],
    ]
    together = grid.counts_within(polygons)
    assert together == [grid.count_within(p) for p in polygons]
    assert together[1].total == together[2].total == together[5].total == 0
    assert together[0] == together[8]
    assert 0 < together[0].total < together[6].total
    assert grid.counts_within([]) == []


def test_outside_and_empty_polygons_hold_nobody(grid: CensusGridPopulation) -> None:
    x, y = lambert93_from_wgs84(2.35, 48.85)  # Paris
    assert grid.population_within(shapely.Point(float(x), float(y)).buffer(5_000)) == 0
    assert grid.population_within(shapely.Polygon()) == 0


def test_rounded_age_bands_add_up_to_the_rounded_total() -> None:
    ages = {"under_15": 10.45, "15_64": 20.35, "65_plus": 30.2}
    assert rounded_by_age(ages, 61) == {"under_15": 11, "15_64": 20, "65_plus": 30}
    assert sum(rounded_by_age(ages, 61).values()) == 61


def test_grid_and_commune_methods_differ_where_villages_are_off_centre(
    runtime: Runtime, grid: CensusGridPopulation, nevers_60min_drive_m: shapely.Geometry
) -> None:
    communes = PopulationIndex(runtime.communes)
    by_grid = grid.population_within(nevers_60min_drive_m)
    by_communes = communes.population_within(nevers_60min_drive_m)
    # Same order of magnitude; measured +0.5 % (docs/indicators.md).
    assert by_grid == pytest.approx(by_communes, rel=0.03)
