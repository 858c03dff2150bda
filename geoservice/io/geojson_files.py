"""Read and write the derived GeoJSON files of ``data/`` (deterministic bytes)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd

from geoservice.core.geojson import feature_collection_from_frame, frame_from_feature_collection
from geoservice.errors import DataError, MissingDataError


def write_geojson(
    frame: gpd.GeoDataFrame,
    path: Path,
    *,
    columns: Sequence[str],
    id_column: str | None = None,
) -> Path:
    """Write `frame` (EPSG:4326) as GeoJSON: one feature per line, fixed property order.

    The same frame always gives the same bytes: no timestamps, coordinates rounded to
    :data:`~geoservice.core.geojson.COORDINATE_DECIMALS` decimals, rows in frame order.
    """
    collection = feature_collection_from_frame(frame, columns=columns, id_column=id_column)
    lines = [
        json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in collection["features"]
    ]
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
    return path


def read_geojson(path: Path, columns: Sequence[str]) -> gpd.GeoDataFrame:
    """Read a derived GeoJSON file into an EPSG:4326 frame with exactly `columns`."""
    if not path.is_file():
        msg = f"{path} is missing: run `geoservice data build` (or `make rebuild-data`)"
        raise MissingDataError(msg)
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise DataError(f"{path} is unreadable ({e}): run `geoservice data build`") from e
    return frame_from_feature_collection(collection, columns)
