"""Files the map commands read and write: value tables, commune polygons, map outputs."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from geoservice.errors import (
    ChecksumMismatchError,
    InvalidParameterError,
    MissingColumnError,
    MissingDataError,
)
from geoservice.io.build import sha256_file

#: The raw commune polygons (IGN Admin Express COG 2018 via france-geojson) and their
#: sha256 as recorded in ../shared/data/raw/SOURCES.md.
RAW_COMMUNES = "france-geojson/communes-58-nievre.geojson"
RAW_COMMUNES_SHA256 = "e90d7ba98e40e0e5505106b74d08631938b3e1bfd86fbf5d26b8afbd1dc2a0d6"


def read_raw_commune_polygons(raw_dir: Path) -> gpd.GeoDataFrame:
    """The Nièvre commune polygons straight from the raw source, after a checksum.

    Used until the derived territory files exist; they carry population and groupings, this
    carries only ``code`` (INSEE, str), ``name`` and ``geometry`` (EPSG:4326), sorted by code.
    """
    path = raw_dir / RAW_COMMUNES
    if not path.is_file():
        raise MissingDataError(f"{path} not found: the raw sources are expected in {raw_dir}")
    digest = sha256_file(path)
    if digest != RAW_COMMUNES_SHA256:
        msg = f"{path}: sha256 {digest}, expected {RAW_COMMUNES_SHA256} (see SOURCES.md)"
        raise ChecksumMismatchError(msg)
    gdf = gpd.read_file(path)
    if gdf.crs is None:  # GeoJSON is WGS 84 by definition (RFC 7946)
        gdf = gdf.set_crs("EPSG:4326")
    gdf = gdf.rename(columns={"nom": "name"})[["code", "name", "geometry"]]
    gdf["code"] = gdf["code"].astype(str)
    return gdf.sort_values("code", ignore_index=True).to_crs("EPSG:4326")


def read_value_table(path: Path, value_col: str, *, code_col: str = "code") -> pd.DataFrame:
    """A table of zone code → value from a CSV or a GeoJSON file.

    Parameters
    ----------
    path
        ``.csv`` (comma separated, header row, UTF-8) or ``.geojson`` / ``.json``
        (a FeatureCollection whose properties hold the columns; geometry is ignored).
    value_col
        The value column to read; non-numbers become NaN (unreachable on a map).
    code_col
        The zone code column, read as text so that codes keep leading zeros.

    Returns
    -------
    pandas.DataFrame
        Columns `code_col` (str) and `value_col` (float).
    """
    if not path.is_file():
        raise MissingDataError(f"{path} not found")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table = pd.read_csv(path, dtype={code_col: str})
    elif suffix in (".geojson", ".json"):
        table = pd.DataFrame(gpd.read_file(path).drop(columns="geometry", errors="ignore"))
    else:
        raise InvalidParameterError(
            "input", f"cannot read {path.name}: unknown extension", (".csv", ".geojson", ".json")
        )
    missing = [c for c in (code_col, value_col) if c not in table.columns]
    if missing:
        cols = ", ".join(map(str, table.columns))
        raise MissingColumnError(f"{path.name} lacks column(s) {missing}; columns: {cols}")
    out = pd.DataFrame(
        {
            code_col: table[code_col].astype(str),
            value_col: pd.to_numeric(table[value_col], errors="coerce"),
        }
    )
    return out


def write_map_file(path: Path, content: bytes | str) -> Path:
    """Write a map (PNG bytes, HTML or GeoJSON text) to `path`, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path
