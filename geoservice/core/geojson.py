"""GeoDataFrame ↔ GeoJSON mappings, with fixed coordinate precision and property order."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from geoservice.errors import DataError

#: Decimal places of longitude / latitude in every GeoJSON we write (≈ 0.1 m).
COORDINATE_DECIMALS = 6


def _plain(value: Any) -> Any:
    """A JSON-ready Python value: NaN/NA → None, numpy scalars → Python, tuples → lists."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, tuple | list | np.ndarray):
        return [_plain(v) for v in value]
    return value


def _round_coords(node: Any, decimals: int) -> Any:
    if isinstance(node, float | int):
        return round(float(node), decimals)
    if isinstance(node, tuple | list):
        return [_round_coords(v, decimals) for v in node]
    return node


def geometry_to_geojson(
    geometry: BaseGeometry | None, decimals: int = COORDINATE_DECIMALS
) -> dict[str, Any] | None:
    """A shapely geometry as a GeoJSON geometry mapping, coordinates rounded."""
    if geometry is None or geometry.is_empty:
        return None
    geo = dict(mapping(geometry))
    if "coordinates" in geo:
        geo["coordinates"] = _round_coords(geo["coordinates"], decimals)
    else:  # GeometryCollection
        geo["geometries"] = [geometry_to_geojson(g, decimals) for g in geometry.geoms]  # type: ignore[attr-defined]
    return geo


def feature_collection_from_frame(
    frame: gpd.GeoDataFrame,
    *,
    columns: Sequence[str] | None = None,
    id_column: str | None = None,
    with_geometry: bool = True,
    decimals: int = COORDINATE_DECIMALS,
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of `frame` (which must be in EPSG:4326).

    Parameters
    ----------
    columns
        Properties, in this order; default every non-geometry column in frame order.
    id_column
        Column copied to each feature's ``id``.
    with_geometry
        False writes ``"geometry": null`` (attributes only).
    decimals
        Decimal places of the coordinates (degrees).
    """
    if frame.crs is None or not frame.crs.equals("EPSG:4326"):
        raise DataError(f"GeoJSON is written in EPSG:4326; the frame is in {frame.crs}")
    geom_name = frame.geometry.name
    names = list(columns) if columns is not None else [c for c in frame.columns if c != geom_name]
    records = frame[names].to_dict(orient="records") if names else [{} for _ in range(len(frame))]
    geometries = frame.geometry.to_numpy()
    features: list[dict[str, Any]] = []
    for record, geom in zip(records, geometries, strict=True):
        feature: dict[str, Any] = {"type": "Feature"}
        if id_column is not None:
            feature["id"] = _plain(record[id_column])
        feature["properties"] = {k: _plain(record[k]) for k in names}
        feature["geometry"] = geometry_to_geojson(geom, decimals) if with_geometry else None
        features.append(feature)
    return {"type": "FeatureCollection", "features": features}


def frame_from_feature_collection(
    collection: Mapping[str, Any], columns: Sequence[str]
) -> gpd.GeoDataFrame:
    """The inverse of :func:`feature_collection_from_frame`: an EPSG:4326 GeoDataFrame.

    List-valued properties become tuples (hashable, immutable).
    """
    rows: list[dict[str, Any]] = []
    geometries: list[BaseGeometry | None] = []
    for feature in collection.get("features", []):
        props = feature.get("properties") or {}
        rows.append({c: tuple(v) if isinstance(v := props.get(c), list) else v for c in columns})
        geo = feature.get("geometry")
        geometries.append(shape(geo) if geo else None)
    frame = pd.DataFrame(rows, columns=list(columns))
    return gpd.GeoDataFrame(frame, geometry=geometries, crs="EPSG:4326")
