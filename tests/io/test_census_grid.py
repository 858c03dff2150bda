"""Build step ``population``: the Census 2021 grid cells of the département (SOURCES.md §10)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geoservice.io.build_steps import BuildContext
from geoservice.io.census_grid import GRID_COLUMNS, OUT_FILE, build_population
from geoservice.io.manifest import sha256_file
from geoservice.settings import Settings


@pytest.fixture(scope="module")
def committed(settings: Settings) -> pd.DataFrame:
    return pd.read_csv(settings.data_dir / OUT_FILE, dtype={"cell_id": str})


def test_build_writes_the_committed_file(settings: Settings, raw_dir: Path, tmp_path: Path) -> None:
    lines: list[str] = []
    ctx = BuildContext(settings=settings, raw_dir=raw_dir, out_dir=tmp_path, echo=lines.append)
    result = build_population(ctx)
    assert sha256_file(tmp_path / OUT_FILE) == sha256_file(settings.data_dir / OUT_FILE)
    assert set(result.sources) == {
        "eurostat-census2021-grid/info.json",
        "eurostat-census2021-grid/1000m_tile_14_10.parquet",
        "eurostat-census2021-grid/1000m_tile_15_10.parquet",
        "france-geojson/departement-58-nievre.geojson",
    }
    assert "4,449 cells intersect the département (357 on its border)" in lines[0]


def test_cells_columns_and_totals(committed: pd.DataFrame) -> None:
    assert list(committed.columns) == list(GRID_COLUMNS)
    assert len(committed) == 4_449
    assert committed["cell_id"].is_unique
    assert committed["cell_id"].tolist() == sorted(committed["cell_id"])
    assert (committed["x_3035"] % 1000 == 0).all()
    assert (committed["y_3035"] % 1000 == 0).all()
    assert committed["cell_id"].iloc[0] == (
        f"CRS3035RES1000mN{committed['y_3035'].iloc[0]}E{committed['x_3035'].iloc[0]}"
    )
    assert (committed["population"] > 0).all()
    share = committed["share_in_departement"]
    assert ((share > 0) & (share <= 1)).all()
    assert int((share < 1).sum()) == 357
    assert int(committed["population"].sum()) == 205_330  # every cell touching the border
    assert round(float((committed["population"] * share).sum())) == 200_981
    # The published age bands add up to the total, within 1 in 4 cells (perturbation).
    gap = committed[["under_15", "15_64", "65_plus"]].sum(axis=1) - committed["population"]
    assert gap.abs().max() <= 1
    assert int((gap != 0).sum()) == 4
