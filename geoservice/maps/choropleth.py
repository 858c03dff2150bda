"""Choropleth maps of a time per zone: classes, colours, GeoJSON, PNG and HTML.

The input is any GeoDataFrame with a CRS and a numeric column of times in **seconds**
(``NaN`` or ``inf`` = nothing reachable). Classes are computed on minutes with mapclassify;
the three outputs (GeoJSON, PNG, HTML) are all drawn from one :class:`ChoroplethFrame`, so
their classes, labels and colours agree.
"""

from __future__ import annotations

import base64
import html
import itertools
import json
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import mapclassify
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import to_hex
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from geoservice.errors import InvalidParameterError, MissingColumnError
from geoservice.maps._layout import (
    MAP_CRS,
    add_attribution,
    add_legend,
    add_north_arrow,
    add_scale_bar,
    add_titles,
    figure_to_png,
    fit_extent,
    new_map_figure,
)

#: The class index of values that are NaN / inf (nothing reachable).
UNREACHABLE_CLASS: Final = -1

#: The classification schemes offered, by their mapclassify names.
SCHEMES: Final = ("FisherJenks", "Quantiles", "EqualInterval", "UserDefined")

DEFAULT_PALETTE: Final = "viridis_r"
DEFAULT_UNREACHABLE_COLOR: Final = "#a6a6a6"
DEFAULT_UNREACHABLE_LABEL: Final = "injoignable"
DEFAULT_THRESHOLD_MINUTES: Final = 30.0
DEFAULT_ATTRIBUTION: Final = (
    "© OpenStreetMap contributors / Travel Mapping; INSEE; Ministère de la Culture; SNCF Voyageurs"
)
DEFAULT_LEGEND_TITLE: Final = "Temps d'accès (minutes)"
#: Hatch of unreachable zones in the PNG (and its CSS imitation in the HTML legend).
UNREACHABLE_HATCH: Final = "///"

#: Columns added to the frame (and to each GeoJSON feature's properties).
ADDED_COLUMNS: Final = ("value_minutes", "class", "class_label", "color", "underserved")


@dataclass(frozen=True)
class Classification:
    """Classes of a set of values, NaN kept apart.

    Attributes
    ----------
    scheme
        The mapclassify scheme used.
    yb
        Class index of each input value, in input order: ``0 .. k-1``, or
        :data:`UNREACHABLE_CLASS` for NaN / inf. For the finite values it is mapclassify's
        ``yb`` on those values.
    bins
        Upper bound of each class, inclusive (mapclassify's ``bins``); same unit as the values.
    lower
        Smallest finite value (lower bound of class 0, inclusive); None when there is none.
    """

    scheme: str
    yb: np.ndarray
    bins: tuple[float, ...]
    lower: float | None

    @property
    def k(self) -> int:
        """Number of classes of finite values (may be below the requested k)."""
        return len(self.bins)

    @property
    def counts(self) -> tuple[int, ...]:
        """Number of values in each class."""
        return tuple(int(np.count_nonzero(self.yb == i)) for i in range(self.k))

    @property
    def n_unreachable(self) -> int:
        """Number of NaN / inf values."""
        return int(np.count_nonzero(self.yb == UNREACHABLE_CLASS))

    def bounds(self) -> list[tuple[float, float]]:
        """``(lower, upper)`` of each class; a class holds ``lower < v <= upper``
        (class 0: ``lower <= v <= upper``)."""
        if self.lower is None:
            return []
        # With user bounds the smallest value may lie above the first bound (class 0 empty).
        lowers = [min(self.lower, self.bins[0]), *self.bins[:-1]]
        return list(zip(lowers, self.bins, strict=True))


def classify_values(
    values: Sequence[float] | np.ndarray | pd.Series,
    scheme: str = "FisherJenks",
    k: int = 5,
    bins: Sequence[float] | None = None,
) -> Classification:
    """Classify values with mapclassify, NaN and ±inf in a class of their own.

    Parameters
    ----------
    values
        Numbers in any unit; NaN / inf mean "no value" (unreachable) and get
        :data:`UNREACHABLE_CLASS`.
    scheme
        One of :data:`SCHEMES`.
    k
        Wanted number of classes (1–12). Lowered to the number of distinct finite values when
        there are fewer (mapclassify cannot do more).
    bins
        Upper class bounds, increasing, same unit as `values`; required with ``UserDefined``
        (mapclassify adds the maximum as a last bound when it is above the last bin).

    Returns
    -------
    Classification
        Classes in input order. With no finite value, no class (``k == 0``); with a single
        distinct value, one class holding them all.
    """
    if scheme not in SCHEMES:
        raise InvalidParameterError("scheme", f"unknown classification {scheme!r}", SCHEMES)
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= 12:
        raise InvalidParameterError("k", f"number of classes must be 1–12, got {k!r}")
    try:
        if isinstance(values, pd.Series):  # nullable dtypes: pd.NA becomes NaN
            y = values.to_numpy(dtype=float, na_value=np.nan)
        else:
            y = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as e:
        raise InvalidParameterError("values", f"values must be numbers ({e})") from e
    if y.ndim != 1:
        raise InvalidParameterError("values", f"values must be one-dimensional, got {y.shape}")
    finite = np.isfinite(y)
    yb = np.full(y.shape, UNREACHABLE_CLASS, dtype=int)
    user_bins = _check_bins(bins) if scheme == "UserDefined" else None
    if not finite.any():
        return Classification(scheme=scheme, yb=yb, bins=(), lower=None)
    y_fin = y[finite]
    n_distinct = len(np.unique(y_fin))
    if n_distinct == 1 and scheme != "UserDefined":
        # mapclassify refuses a constant array (EqualInterval raises); one class is the answer.
        yb[finite] = 0
        return Classification(scheme=scheme, yb=yb, bins=(float(y_fin[0]),), lower=float(y_fin[0]))
    with warnings.catch_warnings():
        # FisherJenks falls back to pure Python without numba (fast enough for a few
        # thousand zones); Quantiles merges equal quantiles when values repeat and says so:
        # both are expected here, and the effective k is reported by the result.
        warnings.filterwarnings("ignore", message="Numba not installed", category=UserWarning)
        warnings.filterwarnings("ignore", message="Not enough unique values", category=UserWarning)
        if scheme == "UserDefined":
            classifier = mapclassify.UserDefined(y_fin, bins=list(user_bins or ()))
        else:
            cls = getattr(mapclassify, scheme)
            classifier = cls(y_fin, k=min(int(k), n_distinct))
    yb[finite] = np.asarray(classifier.yb, dtype=int)
    return Classification(
        scheme=scheme,
        yb=yb,
        bins=tuple(float(b) for b in classifier.bins),
        lower=float(y_fin.min()),
    )


def _check_bins(bins: Sequence[float] | None) -> list[float]:
    if bins is None or len(bins) == 0:
        raise InvalidParameterError("bins", "the UserDefined scheme needs bins (upper bounds)")
    try:
        out = [float(b) for b in bins]
    except (TypeError, ValueError) as e:
        raise InvalidParameterError("bins", f"bins must be numbers, got {list(bins)!r}") from e
    if not all(math.isfinite(b) for b in out) or any(a >= b for a, b in itertools.pairwise(out)):
        raise InvalidParameterError("bins", f"bins must be finite and increasing, got {out}")
    return out


def palette_colors(n: int, palette: str = DEFAULT_PALETTE) -> list[str]:
    """`n` hex colours sampled evenly along a matplotlib colormap, first = shortest time.

    Parameters
    ----------
    n
        Number of colours (0 gives an empty list).
    palette
        A matplotlib colormap name; default ``viridis_r`` (light yellow → dark purple).
    """
    try:
        cmap = colormaps[palette]
    except KeyError as e:
        raise InvalidParameterError("palette", f"unknown colormap {palette!r}") from e
    if n <= 0:
        return []
    if n == 1:
        return [to_hex(cmap(0.5))]
    return [to_hex(cmap(t)) for t in np.linspace(0.0, 1.0, n)]


def _format_bounds(bounds: list[tuple[float, float]]) -> list[str]:
    """Labels ``"12–25 min"`` with as few decimals as keep consecutive bounds distinct."""
    edges = [b for pair in bounds for b in pair]
    decimals = 0
    for decimals in range(3):  # the loop variable is the result
        rounded = [round(e, decimals) for e in sorted(set(edges))]
        if len(set(rounded)) == len(rounded):
            break
    labels = []
    for i, (low, high) in enumerate(bounds):
        lo, hi = f"{low:.{decimals}f}", f"{high:.{decimals}f}"
        if lo != hi:
            labels.append(f"{lo}–{hi} min")
        else:  # a class of one value, or an empty first class below a user bound
            labels.append(f"≤ {hi} min" if i == 0 and len(bounds) > 1 else f"{hi} min")
    return labels


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
    labels = _format_bounds(classification.bounds())
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


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def choropleth_to_geojson(
    gdf: gpd.GeoDataFrame,
    value_col: str,
    *,
    title: str | None = None,
    attribution: str = DEFAULT_ATTRIBUTION,
    legend_title: str = DEFAULT_LEGEND_TITLE,
    **classify_options: Any,
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (EPSG:4326) of classified zones, with its legend.

    Parameters
    ----------
    gdf, value_col
        Zones and their column of times in seconds (see :func:`classify_frame`).
    title
        Stored as ``title`` when given.
    attribution
        Data attribution, stored as ``attribution``.
    legend_title
        Stored as ``legend.title``.
    **classify_options
        ``scheme``, ``k``, ``bins_minutes``, ``threshold_minutes``, ``palette``,
        ``unreachable_color``, ``unreachable_label`` (see :func:`classify_frame`).

    Returns
    -------
    dict
        ``{"type": "FeatureCollection", "features": [...], "legend": {...},
        "attribution": ...}``. Each feature keeps the input columns and gets
        ``value_minutes``, ``class``, ``class_label``, ``color``, ``underserved``. The legend
        has ``title``, ``unit`` (``"min"``), ``scheme``, ``threshold_minutes`` and
        ``classes`` (see :attr:`ChoroplethFrame.legend`).
    """
    cf = classify_frame(gdf, value_col, **classify_options)
    return choropleth_frame_to_geojson(
        cf, title=title, attribution=attribution, legend_title=legend_title
    )


def choropleth_frame_to_geojson(
    cf: ChoroplethFrame,
    *,
    title: str | None = None,
    subtitle: str | None = None,
    note: str | None = None,
    attribution: str = DEFAULT_ATTRIBUTION,
    legend_title: str = DEFAULT_LEGEND_TITLE,
) -> dict[str, Any]:
    """The GeoJSON of an already classified frame (see :func:`choropleth_to_geojson`).

    `subtitle` and `note` (what the PNG prints under the title and at the bottom: the origin
    points, the network's limits) are stored under those keys when given.
    """
    frame = cf.frame.copy()
    frame["value_minutes"] = frame["value_minutes"].round(2)
    # to_json turns NaN into null and numpy scalars into JSON numbers.
    collection: dict[str, Any] = json.loads(frame.to_json(na="null", drop_id=True))
    for feature in collection["features"]:
        props = feature["properties"]
        feature["properties"] = {key: _jsonable(v) for key, v in props.items()}
    collection.pop("bbox", None)
    for key, text in (("title", title), ("subtitle", subtitle), ("note", note)):
        if text is not None:
            collection[key] = text
    collection["legend"] = {
        "title": legend_title,
        "unit": "min",
        "scheme": cf.classification.scheme,
        "threshold_minutes": cf.threshold_minutes,
        "classes": cf.legend,
    }
    collection["attribution"] = attribution
    return collection


def _legend_handles(cf: ChoroplethFrame) -> list[Any]:
    handles: list[Any] = []
    for entry in cf.legend:
        if entry["class"] == UNREACHABLE_CLASS and entry["count"] == 0:
            continue
        handles.append(
            Patch(
                facecolor=entry["color"],
                edgecolor="#555555" if entry["hatch"] else "white",
                hatch=entry["hatch"],
                linewidth=0.5,
                label=f"{entry['label']}  ({entry['count']})",
            )
        )
    if bool(cf.frame["underserved"].any()):
        handles.append(
            Line2D(
                [],
                [],
                color="black",
                linewidth=2.2,
                label=f"mal desservie : > {cf.threshold_minutes:g} min\nou injoignable",
            )
        )
    return handles


def choropleth_frame_to_png(
    cf: ChoroplethFrame,
    *,
    title: str,
    subtitle: str | None = None,
    note: str | None = None,
    attribution: str = DEFAULT_ATTRIBUTION,
    legend_title: str = DEFAULT_LEGEND_TITLE,
    width_px: int = 1200,
    height_px: int = 1000,
    dpi: int = 150,
) -> bytes:
    """The PNG of an already classified frame (see :func:`choropleth_to_png`)."""
    if width_px < 200 or height_px < 200 or dpi < 30:
        raise InvalidParameterError(
            "size", f"image too small: {width_px}×{height_px} px at {dpi} dpi (min 200 px, 30 dpi)"
        )
    fig, ax = new_map_figure(width_px, height_px, dpi)
    frame = cf.frame.to_crs(MAP_CRS)
    limits = fit_extent(ax, tuple(frame.total_bounds) if len(frame) else (0.0, 0.0, 1.0, 1.0))
    reachable = frame["class"] != UNREACHABLE_CLASS
    if reachable.any():
        frame[reachable].plot(
            ax=ax, color=frame.loc[reachable, "color"].tolist(), edgecolor="white", linewidth=0.3
        )
    if (~reachable).any():
        frame[~reachable].plot(
            ax=ax,
            facecolor=frame.loc[~reachable, "color"].tolist(),
            edgecolor="#555555",
            linewidth=0.3,
            hatch=UNREACHABLE_HATCH,
        )
    under = frame[frame["underserved"]]
    if len(under):
        # A black line under a thin white one reads on both the light and the dark classes.
        under.boundary.plot(ax=ax, color="black", linewidth=1.6, zorder=3)
        under.boundary.plot(ax=ax, color="white", linewidth=0.5, zorder=4)
    add_scale_bar(ax, limits)
    add_north_arrow(ax, limits)
    add_titles(fig, title, subtitle)
    add_legend(ax, _legend_handles(cf), legend_title)
    add_attribution(fig, attribution, note)
    return figure_to_png(fig)


def choropleth_to_png(
    gdf: gpd.GeoDataFrame,
    value_col: str,
    *,
    title: str,
    subtitle: str | None = None,
    note: str | None = None,
    attribution: str = DEFAULT_ATTRIBUTION,
    legend_title: str = DEFAULT_LEGEND_TITLE,
    width_px: int = 1200,
    height_px: int = 1000,
    dpi: int = 150,
    **classify_options: Any,
) -> bytes:
    """A PNG choropleth in Lambert-93 (EPSG:2154) with legend, scale bar and north arrow.

    Underserved zones are outlined (black with a white core); unreachable zones are grey and
    hatched.

    Parameters
    ----------
    gdf, value_col
        Zones and their column of times in seconds (see :func:`classify_frame`).
    title, subtitle
        Printed above the map.
    note
        Printed above the attribution (e.g. what the values are, their date).
    attribution
        Data attribution printed at the bottom.
    legend_title
        Title of the legend (say the unit).
    width_px, height_px, dpi
        Exact pixel size of the image, and its resolution.
    **classify_options
        ``scheme``, ``k``, ``bins_minutes``, ``threshold_minutes``, ``palette``,
        ``unreachable_color``, ``unreachable_label``.

    Returns
    -------
    bytes
        The PNG file's content.
    """
    cf = classify_frame(gdf, value_col, **classify_options)
    return choropleth_frame_to_png(
        cf,
        title=title,
        subtitle=subtitle,
        note=note,
        attribution=attribution,
        legend_title=legend_title,
        width_px=width_px,
        height_px=height_px,
        dpi=dpi,
    )


_HTML_TEMPLATE = """<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1rem auto; max-width: 75rem;
       padding: 0 1rem; color: #1a1a1a; }}
img {{ max-width: 100%; height: auto; border: 1px solid #ccc; }}
table {{ border-collapse: collapse; margin: 1rem 0; }}
th, td {{ border: 1px solid #bbb; padding: .25rem .6rem; text-align: left; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
.swatch {{ display: inline-block; width: 1.6em; height: 1em; border: 1px solid #555;
          vertical-align: middle; }}
.hatched {{ background-image: repeating-linear-gradient(45deg, transparent 0 3px,
            #555 3px 4px); }}
footer {{ font-size: .8rem; color: #444; margin-top: 1.5rem; }}
</style>
</head>
<body>
<h1>{title}</h1>
{subtitle}
<figure>
<img src="data:image/png;base64,{png}" alt="{alt}" width="{width}" height="{height}">
</figure>
<h2>Légende</h2>
<table class="legend">
<caption>{legend_title}</caption>
<thead><tr><th>Couleur</th><th>Classe</th><th>Communes</th>{pop_head}</tr></thead>
<tbody>
{legend_rows}
</tbody>
</table>
<h2>Communes mal desservies (plus de {threshold} min ou injoignables) : {n_under}</h2>
{under_table}
<footer>{note}<p>Données : {attribution}</p></footer>
</body>
</html>
"""


def _population_sums(frame: pd.DataFrame) -> dict[int, int] | None:
    if "population" not in frame.columns:
        return None
    pop = pd.to_numeric(frame["population"], errors="coerce").fillna(0)
    sums = pop.groupby(frame["class"]).sum()
    return {int(c): int(v) for c, v in zip(sums.index, sums.to_numpy(), strict=True)}


def choropleth_frame_to_html(
    cf: ChoroplethFrame,
    *,
    title: str,
    subtitle: str | None = None,
    note: str | None = None,
    attribution: str = DEFAULT_ATTRIBUTION,
    legend_title: str = DEFAULT_LEGEND_TITLE,
    name_col: str = "name",
    width_px: int = 1200,
    height_px: int = 1000,
    dpi: int = 150,
) -> str:
    """The HTML page of an already classified frame (see :func:`choropleth_to_html`)."""
    png = choropleth_frame_to_png(
        cf,
        title=title,
        subtitle=subtitle,
        note=note,
        attribution=attribution,
        legend_title=legend_title,
        width_px=width_px,
        height_px=height_px,
        dpi=dpi,
    )
    esc = html.escape
    frame = cf.frame
    pop = _population_sums(frame)
    rows = []
    for entry in cf.legend:
        css = "swatch hatched" if entry["hatch"] else "swatch"
        pop_cell = f'<td class="num">{pop.get(entry["class"], 0):,}</td>' if pop else ""
        rows.append(
            f'<tr><td><span class="{css}" style="background-color:{esc(entry["color"])}">'
            f"</span></td><td>{esc(entry['label'])}</td>"
            f'<td class="num">{entry["count"]}</td>{pop_cell}</tr>'
        )
    under = frame[frame["underserved"]]
    under_table = _underserved_table(under, name_col) if len(under) else "<p>Aucune.</p>"
    return _HTML_TEMPLATE.format(
        title=esc(title),
        subtitle=f"<p>{esc(subtitle)}</p>" if subtitle else "",
        png=base64.b64encode(png).decode("ascii"),
        alt=esc(f"Carte : {title}"),
        width=width_px,
        height=height_px,
        legend_title=esc(legend_title),
        pop_head="<th>Habitants</th>" if pop else "",
        legend_rows="\n".join(rows),
        threshold=f"{cf.threshold_minutes:g}",
        n_under=len(under),
        under_table=under_table,
        note=f"<p>{esc(note)}</p>" if note else "",
        attribution=esc(attribution),
    )


def _underserved_table(under: pd.DataFrame, name_col: str) -> str:
    esc = html.escape
    has_pop = "population" in under.columns
    order = under.sort_values(
        ["population", "value_minutes"] if has_pop else ["value_minutes"],
        ascending=False,
        na_position="first",
    )
    head = ["Commune", "Code"] if name_col in under.columns else ["Code"]
    head += ["Temps (min)"] + (["Habitants"] if has_pop else [])
    lines = ['<table class="underserved"><thead><tr>']
    lines += [f"<th>{h}</th>" for h in head]
    lines.append("</tr></thead><tbody>")
    for _, row in order.iterrows():
        minutes = row["value_minutes"]
        time_text = row["class_label"] if pd.isna(minutes) else f"{minutes:.0f}"
        cells = [esc(str(row[name_col]))] if name_col in under.columns else []
        cells.append(esc(str(row.get("code", ""))))
        cells.append(esc(str(time_text)))
        if has_pop:
            cells.append(f"{int(row['population']):,}" if pd.notna(row["population"]) else "")
        lines.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    lines.append("</tbody></table>")
    return "\n".join(lines)


def choropleth_to_html(
    gdf: gpd.GeoDataFrame,
    value_col: str,
    *,
    title: str,
    subtitle: str | None = None,
    note: str | None = None,
    attribution: str = DEFAULT_ATTRIBUTION,
    legend_title: str = DEFAULT_LEGEND_TITLE,
    name_col: str = "name",
    width_px: int = 1200,
    height_px: int = 1000,
    dpi: int = 150,
    **classify_options: Any,
) -> str:
    """A self-contained HTML page: the PNG map embedded (base64), legend and underserved list.

    Nothing is fetched from the internet. The legend table gives each class's colour, bounds
    in minutes, number of zones and, when the frame has a ``population`` column, inhabitants.

    Parameters
    ----------
    gdf, value_col, title, subtitle, note, attribution, legend_title, width_px, height_px, dpi
        As for :func:`choropleth_to_png`.
    name_col
        Column naming the zones in the underserved list, when present.
    **classify_options
        As for :func:`classify_frame`.
    """
    cf = classify_frame(gdf, value_col, **classify_options)
    return choropleth_frame_to_html(
        cf,
        title=title,
        subtitle=subtitle,
        note=note,
        attribution=attribution,
        legend_title=legend_title,
        name_col=name_col,
        width_px=width_px,
        height_px=height_px,
        dpi=dpi,
    )
