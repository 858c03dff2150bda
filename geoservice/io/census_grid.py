"""Build step ``population``: the Eurostat Census 2021 1 km grid cells of the département.

Source (SOURCES.md §10, sha256 checked): two GridViz parquet tiles of the census grid
(EPSG:3035, 256 × 256 cells of 1,000 m per tile, tiling origin (0, 0)) and their ``info.json``.
A row's cell has its lower-left corner at ``X = tile_x × 256,000 + x × 1,000``,
``Y = tile_y × 256,000 + y × 1,000`` (tile_x, tile_y from the file name).

Output ``population/census_grid_1km.csv``: one row per populated cell intersecting the
département polygon (france-geojson, IGN Admin Express COG 2018), sorted by ``cell_id``, with
its lower-left corner (EPSG:3035), census population, the three age bands and the share of
the cell's area inside the département (computed in EPSG:3035, an equal-area projection).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoservice.core.census_population import (
    CELL_SIZE_M,
    GRID_CRS,
    CensusCells,
    CensusGridPopulation,
)
from geoservice.core.snapping import METRIC_CRS
from geoservice.errors import DataError
from geoservice.io.build_steps import BuildContext, StepResult
from geoservice.io.sources import verify_source

GRID_DIR = "eurostat-census2021-grid"
SRC_TILES = (f"{GRID_DIR}/1000m_tile_14_10.parquet", f"{GRID_DIR}/1000m_tile_15_10.parquet")
SRC_INFO = f"{GRID_DIR}/info.json"
SRC_DEPARTEMENT_GEO = "france-geojson/departement-58-nievre.geojson"
OUT_FILE = "population/census_grid_1km.csv"
#: Columns of the output, in order.
GRID_COLUMNS = (
    "cell_id",
    "x_3035",
    "y_3035",
    "population",
    "under_15",
    "15_64",
    "65_plus",
    "share_in_departement",
)
#: Source column of each output count.
SOURCE_COUNTS = {"population": "T", "under_15": "Y_LT15", "15_64": "Y_1564", "65_plus": "Y_GE65"}
SHARE_DECIMALS = 6
_TILE_NAME = re.compile(r"1000m_tile_(\d+)_(\d+)\.parquet$")


def _tiling(ctx: BuildContext, result: StepResult) -> int:
    """Cells per tile side, after checking the tiling described by ``info.json``."""
    result.sources[SRC_INFO] = verify_source(ctx.raw_dir, SRC_INFO)
    info = json.loads((ctx.raw_dir / SRC_INFO).read_text(encoding="utf-8"))
    origin = info.get("originPoint", {})
    if info.get("resolutionGeo") != CELL_SIZE_M or (origin.get("x"), origin.get("y")) != (0, 0):
        msg = f"{SRC_INFO}: expected 1,000 m cells and origin (0, 0), got {info}"
        raise DataError(msg)
    return int(info["tileSizeCell"])


def read_grid_tiles(ctx: BuildContext, result: StepResult) -> pd.DataFrame:
    """Every row of the tiles with its cell's lower-left corner ``X``, ``Y`` (EPSG:3035)."""
    size = _tiling(ctx, result)
    frames = []
    for rel in SRC_TILES:
        match = _TILE_NAME.search(rel)
        if match is None:
            raise DataError(f"{rel}: not a 1000m_tile_<x>_<y>.parquet tile name")
        result.sources[rel] = verify_source(ctx.raw_dir, rel)
        tile = pd.read_parquet(ctx.raw_dir / rel)
        tx, ty = int(match.group(1)), int(match.group(2))
        tile["X"] = (tx * size + tile["x"]) * CELL_SIZE_M
        tile["Y"] = (ty * size + tile["y"]) * CELL_SIZE_M
        frames.append(tile)
    return pd.concat(frames, ignore_index=True)


def grid_cells_in_area(grid: pd.DataFrame, area_3035: shapely.Geometry) -> pd.DataFrame:
    """The populated cells intersecting `area_3035`, with the share of their area inside it.

    Returns
    -------
    DataFrame
        Columns :data:`GRID_COLUMNS`, sorted by ``cell_id``.
    """
    x = grid["X"].to_numpy(dtype=float)
    y = grid["Y"].to_numpy(dtype=float)
    cells = shapely.box(x, y, x + CELL_SIZE_M, y + CELL_SIZE_M)
    shapely.prepare(area_3035)
    hit = shapely.intersects(area_3035, cells) & (grid["T"].to_numpy() > 0)
    share = np.ones(int(hit.sum()))
    border = ~shapely.contains(area_3035, cells[hit])
    share[border] = shapely.area(shapely.intersection(cells[hit][border], area_3035)) / (
        CELL_SIZE_M**2
    )
    kept = grid.loc[hit]
    out = pd.DataFrame(
        {
            "cell_id": [
                f"CRS3035RES1000mN{int(yy)}E{int(xx)}"
                for xx, yy in zip(kept["X"], kept["Y"], strict=True)
            ],
            "x_3035": kept["X"].astype("int64").to_numpy(),
            "y_3035": kept["Y"].astype("int64").to_numpy(),
            **{k: kept[v].astype("int64").to_numpy() for k, v in SOURCE_COUNTS.items()},
            "share_in_departement": np.round(share, SHARE_DECIMALS),
        }
    )
    out = out[out["share_in_departement"] > 0]
    return out.sort_values("cell_id", ignore_index=True)[list(GRID_COLUMNS)]


def build_population(ctx: BuildContext) -> StepResult:
    """Write ``population/census_grid_1km.csv`` into ``ctx.out_dir``."""
    result = StepResult()
    grid = read_grid_tiles(ctx, result)
    if (grid[[f"{c}_CI" for c in SOURCE_COUNTS.values()]] != 0).any().any():
        result.repairs.append("census grid: some cells carry a confidentiality flag (*_CI)")
    result.sources[SRC_DEPARTEMENT_GEO] = verify_source(ctx.raw_dir, SRC_DEPARTEMENT_GEO)
    departement = gpd.read_file(ctx.raw_dir / SRC_DEPARTEMENT_GEO).to_crs(GRID_CRS)
    area = shapely.union_all(departement.geometry.to_numpy())
    cells = grid_cells_in_area(grid, area)
    weighted = float((cells["population"] * cells["share_in_departement"]).sum())
    ctx.echo(
        f"    {len(cells):,} cells intersect the département "
        f"({int((cells['share_in_departement'] < 1).sum()):,} on its border): "
        f"{int(cells['population'].sum()):,} inhabitants in those cells, "
        f"{weighted:,.0f} inside by area share (Census 2021)"
    )
    path = ctx.out_dir / OUT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    cells.to_csv(path, index=False, lineterminator="\n", float_format=f"%.{SHARE_DECIMALS}f")
    result.outputs.append(path)
    return result


def load_census_grid(data_dir: Path) -> CensusCells | None:
    """The cells written by :func:`build_population`, or None when that step has not run."""
    path = data_dir / OUT_FILE
    if not path.is_file():
        return None
    try:
        table = pd.read_csv(path, dtype={"cell_id": str})
    except (OSError, ValueError) as e:
        raise DataError(f"{path} is unreadable ({e}): run `geoservice data build`") from e
    missing = [c for c in GRID_COLUMNS if c not in table.columns]
    if missing:
        raise DataError(f"{path} lacks the column(s) {missing}: run `geoservice data build`")
    return CensusCells(
        x_3035=table["x_3035"].to_numpy(dtype=np.float64),
        y_3035=table["y_3035"].to_numpy(dtype=np.float64),
        population=table["population"].to_numpy(dtype=np.float64),
        ages=table[["under_15", "15_64", "65_plus"]].to_numpy(dtype=np.float64),
        share_in_territory=table["share_in_departement"].to_numpy(dtype=np.float64),
    )


def load_census_population(
    data_dir: Path, departement: gpd.GeoDataFrame
) -> CensusGridPopulation | None:
    """The census-grid population index of ``data/`` clipped to `departement` (any CRS), or
    None when the ``population`` step has not run."""
    cells = load_census_grid(data_dir)
    if cells is None:
        return None
    if departement.crs is None:
        raise DataError("the département frame has no CRS: refusing to guess")
    territory = shapely.union_all(departement.to_crs(METRIC_CRS).geometry.to_numpy())
    return CensusGridPopulation(cells, territory)
