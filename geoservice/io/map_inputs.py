"""Files the map commands read and write: value tables and map outputs."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from geoservice.errors import InvalidParameterError, MissingColumnError, MissingDataError


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
