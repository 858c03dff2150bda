"""Choropleth data: zones with a time in seconds, classified, coloured and flagged.

The input is any GeoDataFrame with a CRS and a numeric column of times in **seconds**
(``NaN`` or ``inf`` = nothing reachable). :func:`classify_frame` classifies the minutes
(:mod:`geoservice.maps.classification`) and returns one :class:`ChoroplethFrame`; every
output is drawn from it (``choropleth_geojson``, ``choropleth_png``, ``choropleth_html``),
so their classes, labels and colours agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.colors import to_hex

from geoservice.errors import InvalidParameterError, MissingColumnError
from geoservice.maps.classification import (
    DEFAULT_PALETTE,
    UNREACHABLE_CLASS,
    Classification,
    class_labels,
    classify_values,
    palette_colors,
)

DEFAULT_UNREACHABLE_COLOR: Final = "#a6a6a6"
DEFAULT_UNREACHABLE_LABEL: Final = "injoignable"
DEFAULT_THRESHOLD_MINUTES: Final = 30.0
DEFAULT_LEGEND_TITLE: Final = "Temps d'accès (minutes)"
#: Hatch of unreachable zones in the PNG (and its CSS imitation in the HTML legend).
UNREACHABLE_HATCH: Final = "///"

#: Columns added to the frame (and to each GeoJSON feature's properties).
ADDED_COLUMNS: Final = ("value_minutes", "class", "class_label", "color", "underserved")


@dataclass(frozen=True)
class ChoroplethFrame:
    """A classified frame and its legend: what every choropleth output is drawn from.

    Attributes
    ----------
    frame
        The input rows in EPSG:4326 with :data:`ADDED_COLUMNS`: ``value_minutes`` (float,
        NaN when unreachable), ``class`` (int, :data:`UNREACHABLE_CLASS` when unreachable),
        ``class_label``, ``color`` (hex) and ``underserved`` (bool).
    value_col
        The column of times in seconds the classes come from.
    classification
        The classes of ``value_minutes``.
    legend
        One entry per class then one for unreachable: ``class``, ``label``,
        ``lower_minutes``, ``upper_minutes`` (None for unreachable), ``color``, ``count``,
        ``hatch`` (None or the hatch pattern).
    threshold_minutes
        Above this time (or unreachable) a zone is underserved.
    """

    frame: gpd.GeoDataFrame
    value_col: str
    classification: Classification
    legend: list[dict[str, Any]]
    threshold_minutes: float


def classify_frame(
    gdf: gpd.GeoDataFrame,
    value_col: str,
    *,
    scheme: str = "FisherJenks",
    k: int = 5,
    bins_minutes: Sequence[float] | None = None,
    threshold_minutes: float = DEFAULT_THRESHOLD_MINUTES,
    palette: str = DEFAULT_PALETTE,
    unreachable_color: str = DEFAULT_UNREACHABLE_COLOR,
    unreachable_label: str = DEFAULT_UNREACHABLE_LABEL,
) -> ChoroplethFrame:
    """Classify the times of `gdf` and give each row its class, label, colour and flag.

    Parameters
    ----------
    gdf
        Zones (any CRS, but one is required) with a column of times.
    value_col
        Column of times in seconds, ≥ 0; NaN or inf = nothing reachable.
    scheme, k
        Classification (see :func:`classify_values`), computed on minutes.
    bins_minutes
        Upper class bounds in minutes, for ``scheme="UserDefined"``.
    threshold_minutes
        A zone is underserved when its time is above this (strictly) or it is unreachable.
    palette
        matplotlib colormap name for the classes, shortest first.
    unreachable_color, unreachable_label
        Colour and label of the unreachable class.
    """
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InvalidParameterError("gdf", f"expected a GeoDataFrame, got {type(gdf).__name__}")
    if gdf.crs is None:
        raise InvalidParameterError("gdf", "the frame has no CRS; set one (e.g. EPSG:4326)")
    if value_col not in gdf.columns:
        msg = f"column {value_col!r} not in the frame; columns: {', '.join(map(str, gdf.columns))}"
        raise MissingColumnError(msg)
    if not (isinstance(threshold_minutes, int | float) and math.isfinite(threshold_minutes)):
        raise InvalidParameterError(
            "threshold_minutes", f"threshold must be a number, got {threshold_minutes!r}"
        )
    if threshold_minutes <= 0:
        raise InvalidParameterError(
            "threshold_minutes", f"threshold must be above 0 minutes, got {threshold_minutes}"
        )
    try:
        seconds = pd.to_numeric(gdf[value_col], errors="raise").to_numpy(
            dtype=float, na_value=np.nan
        )
    except (TypeError, ValueError) as e:
        raise InvalidParameterError(value_col, f"column {value_col!r} is not numeric") from e
    if np.any(seconds < 0):
        worst = float(np.nanmin(seconds))
        raise InvalidParameterError(value_col, f"times must be ≥ 0 s, found {worst}")
    minutes = seconds / 60.0
    minutes[~np.isfinite(minutes)] = np.nan

    classification = classify_values(
        minutes, scheme=scheme, k=k, bins=bins_minutes if scheme == "UserDefined" else None
    )
    colors = palette_colors(classification.k, palette)
    labels = class_labels(classification.bounds())
    try:
        unreachable_hex = to_hex(unreachable_color)
    except ValueError as e:
        raise InvalidParameterError(
            "unreachable_color", f"not a colour: {unreachable_color!r}"
        ) from e

    yb = classification.yb
    reachable = yb != UNREACHABLE_CLASS
    frame = gdf.to_crs("EPSG:4326") if gdf.crs != "EPSG:4326" else gdf.copy()
    frame["value_minutes"] = minutes
    frame["class"] = yb
    frame["class_label"] = [labels[c] if c >= 0 else unreachable_label for c in yb]
    frame["color"] = [colors[c] if c >= 0 else unreachable_hex for c in yb]
    frame["underserved"] = ~reachable | (np.nan_to_num(minutes, nan=np.inf) > threshold_minutes)

    legend: list[dict[str, Any]] = [
        {
            "class": i,
            "label": labels[i],
            "lower_minutes": low,
            "upper_minutes": high,
            "color": colors[i],
            "count": classification.counts[i],
            "hatch": None,
        }
        for i, (low, high) in enumerate(classification.bounds())
    ]
    legend.append(
        {
            "class": UNREACHABLE_CLASS,
            "label": unreachable_label,
            "lower_minutes": None,
            "upper_minutes": None,
            "color": unreachable_hex,
            "count": classification.n_unreachable,
            "hatch": UNREACHABLE_HATCH,
        }
    )
    return ChoroplethFrame(
        frame=frame,
        value_col=value_col,
        classification=classification,
        legend=legend,
        threshold_minutes=float(threshold_minutes),
    )


def join_values(
    zones: gpd.GeoDataFrame,
    values: pd.DataFrame,
    value_col: str,
    *,
    code_col: str = "code",
) -> gpd.GeoDataFrame:
    """Attach a table of ``code → value`` to the zones, by code.

    Zones without a row get NaN, that is "unreachable" on the map; the caller should tell the
    user how many (``result[value_col].isna()``). Codes are compared as strings.

    Parameters
    ----------
    zones
        Zones with a `code_col` column (INSEE commune codes...).
    values
        Table with `code_col` and `value_col`; each code at most once.
    value_col
        The value column to bring over.
    code_col
        The key column, in both tables.
    """
    for name, table, cols in (
        ("zones", zones, [code_col]),
        ("values", values, [code_col, value_col]),
    ):
        missing = [c for c in cols if c not in table.columns]
        if missing:
            raise MissingColumnError(
                f"{name} lack column(s) {missing}; columns: {', '.join(map(str, table.columns))}"
            )
    keys = values[code_col].astype(str)
    duplicated = sorted(set(keys[keys.duplicated()]))
    if duplicated:
        raise InvalidParameterError(code_col, f"codes appear more than once: {duplicated[:10]}")
    lookup = pd.Series(values[value_col].to_numpy(), index=keys.to_numpy())
    out = zones.drop(columns=[value_col], errors="ignore").copy()
    out[value_col] = pd.to_numeric(out[code_col].astype(str).map(lookup), errors="coerce")
    return out
