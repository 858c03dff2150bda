"""Isochrone maps: nested travel-time bands over the commune outlines, as PNG."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import geopandas as gpd
import pandas as pd
from matplotlib.patches import Patch
from shapely.geometry import Point

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
from geoservice.maps.classification import DEFAULT_PALETTE, palette_colors
from geoservice.maps.page import ImageSize, MapTexts

#: Legend title of the bands, unless the texts give another.
BAND_LEGEND_TITLE = "Temps de trajet (minutes)"


def band_labels(values_s: list[float]) -> list[str]:
    """Legend labels of nested bands: ``"≤ 15 min"``, ``"15–30 min"``... (sorted input, s)."""
    labels = []
    previous: float | None = None
    for value in values_s:
        minutes = f"{value / 60:g}"
        labels.append(f"≤ {minutes} min" if previous is None else f"{previous:g}–{minutes} min")
        previous = value / 60
    return labels


def bands_by_limit(bands_gdf: gpd.GeoDataFrame, value_col: str = "value") -> gpd.GeoDataFrame:
    """One band per time limit (the union of the origins' bands), smallest limit first.

    Empty geometries are dropped. Columns: `value_col` and ``geometry``, in the input CRS.
    """
    bands = bands_gdf[~bands_gdf.geometry.is_empty]
    if not len(bands):
        return bands[[value_col, "geometry"]]
    merged = bands[[value_col, "geometry"]].dissolve(by=value_col, as_index=False)
    return merged.sort_values(value_col, ignore_index=True)


def isochrones_to_png(
    bands_gdf: gpd.GeoDataFrame,
    communes_gdf: gpd.GeoDataFrame,
    *,
    texts: MapTexts | None = None,
    size: ImageSize | None = None,
    value_col: str = "value",
    origins_lonlat: Sequence[tuple[float, float]] = (),
    frame: Literal["bands", "communes"] = "bands",
    palette: str = DEFAULT_PALETTE,
) -> bytes:
    """A PNG of nested isochrone bands (largest first) over commune outlines, in EPSG:2154.

    Parameters
    ----------
    bands_gdf
        One (Multi)Polygon per band, with a CRS, and `value_col` = the band's time limit in
        seconds (the ``value`` property of the isochrone GeoJSON). Bands of several origins
        with the same limit are merged into one. May be empty (nothing
        reachable): the map then shows the communes and says so in the legend.
    communes_gdf
        Commune polygons with a CRS, drawn as the base layer.
    texts
        Texts printed on the page; default title "Isochrones", legend title
        :data:`BAND_LEGEND_TITLE`.
    size
        Pixel size and resolution of the image; default :class:`ImageSize`.
    value_col
        Column of band limits, seconds.
    origins_lonlat
        Starting points (longitude, latitude, EPSG:4326) to mark.
    frame
        Zoom to the bands (with a margin) or show all the communes.
    palette
        matplotlib colormap; the nearest band gets its first colour.

    Returns
    -------
    bytes
        The PNG file's content.
    """
    texts = texts or MapTexts(title="Isochrones")
    size = size or ImageSize()
    for name, gdf in (("bands_gdf", bands_gdf), ("communes_gdf", communes_gdf)):
        if not isinstance(gdf, gpd.GeoDataFrame):
            raise InvalidParameterError(name, f"expected a GeoDataFrame, got {type(gdf).__name__}")
        if gdf.crs is None:
            raise InvalidParameterError(name, "the frame has no CRS; set one (e.g. EPSG:4326)")
    if value_col not in bands_gdf.columns:
        raise MissingColumnError(f"bands lack column {value_col!r} (band limit, seconds)")
    if frame not in ("bands", "communes"):
        raise InvalidParameterError("frame", f"unknown frame {frame!r}", ("bands", "communes"))
    values = pd.to_numeric(bands_gdf[value_col], errors="coerce")
    if values.isna().any() or (values <= 0).any():
        raise InvalidParameterError(value_col, "band limits must be positive numbers of seconds")

    bands = bands_by_limit(bands_gdf.assign(**{value_col: values}), value_col).to_crs(MAP_CRS)
    communes = communes_gdf.to_crs(MAP_CRS)
    limits_s = [float(v) for v in bands[value_col]]
    colors = palette_colors(len(limits_s), palette)
    labels = band_labels(limits_s)

    fig, ax = new_map_figure(size.width_px, size.height_px, size.dpi)
    if frame == "bands" and len(bands):
        bounds = tuple(bands.total_bounds)
        margin = 0.15
    else:
        bounds = tuple(communes.total_bounds) if len(communes) else (0.0, 0.0, 1.0, 1.0)
        margin = 0.03
    limits = fit_extent(ax, bounds, margin=margin)

    communes.plot(ax=ax, facecolor="#f4f4f4", edgecolor="#9a9a9a", linewidth=0.4, zorder=1)
    # Largest band first, so that each nearer band is drawn on top of the farther ones.
    for color, (_, band) in zip(reversed(colors), bands.iloc[::-1].iterrows(), strict=True):
        gpd.GeoSeries([band.geometry], crs=MAP_CRS).plot(
            ax=ax, facecolor=color, edgecolor="#333333", linewidth=0.6, zorder=2
        )
    communes.boundary.plot(ax=ax, color="#555555", linewidth=0.25, alpha=0.5, zorder=3)
    handles: list[Any] = [
        Patch(facecolor=c, edgecolor="#333333", label=label)
        for c, label in zip(colors, labels, strict=True)
    ]
    if origins_lonlat:
        origins = gpd.GeoSeries([Point(*xy) for xy in origins_lonlat], crs="EPSG:4326")
        origins = origins.to_crs(MAP_CRS)
        marker: dict[str, Any] = {
            "marker": "o",
            "markerfacecolor": "white",
            "markeredgecolor": "black",
            "linestyle": "none",
        }
        ax.plot(origins.x, origins.y, markersize=7, zorder=5, **marker)
        label = "point de départ" if len(origins) == 1 else "points de départ"
        handles.append(ax.plot([], [], label=label, **marker)[0])
    if not len(bands):
        handles.append(Patch(facecolor="white", edgecolor="white", label="aucune zone atteinte"))
    add_scale_bar(ax, limits)
    add_north_arrow(ax, limits)
    add_titles(fig, texts.picture_title(), texts.subtitle)
    add_legend(ax, handles, texts.legend_title or BAND_LEGEND_TITLE)
    add_attribution(fig, texts.attribution, texts.note)
    return figure_to_png(fig)
