"""Files of places for ``geoservice matrix``, and the matrix table it writes.

A places file is CSV or JSON. CSV: a header with ``lon`` and ``lat`` (points), ``commune``
(INSEE codes) or ``offer`` (offer ids) — one kind per file. JSON: a list of items as
``POST /api/v1/matrix`` takes them (``[lon, lat]``, ``{"commune": ...}``, ``{"offer": ...}``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from geoservice.errors import InvalidParameterError


def read_places(path: Path, field: str) -> list[Any]:
    """The place items of a CSV or JSON file (400-style error naming `field` if malformed)."""
    if path.suffix.lower() == ".json":
        items = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(items, list):
            raise InvalidParameterError(field, f"{path}: a JSON list of places is expected")
        return items
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    columns = set(frame.columns)
    if {"lon", "lat"} <= columns:
        return [[float(a), float(b)] for a, b in zip(frame["lon"], frame["lat"], strict=True)]
    for kind in ("commune", "offer"):
        if kind in columns:
            return [{kind: str(v)} for v in frame[kind]]
    msg = f"{path}: a CSV with columns lon and lat, commune or offer is expected"
    raise InvalidParameterError(field, msg)


def write_matrix_table(frame: pd.DataFrame, path: Path) -> Path:
    """Write the long matrix table as Parquet (``.parquet``) or CSV (anything else)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False, float_format="%.1f")
    return path
