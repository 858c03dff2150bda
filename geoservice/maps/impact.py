"""The impact picture: an indicator's time series beside the map of its latest value per
commune (PNG, Lambert-93, French labels).

Drawn with the map plumbing of :mod:`geoservice.maps._layout` (page, scale bar, north arrow,
legend, attribution) and the classes of :mod:`geoservice.maps.classification`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import geopandas as gpd
import numpy as np
from matplotlib.patches import Patch

from geoservice.maps._layout import (
    MAP_CRS,
    SIDE_X,
    add_attribution,
    add_legend,
    add_north_arrow,
    add_scale_bar,
    add_titles,
    figure_to_png,
    fit_extent,
    new_map_figure,
)
from geoservice.maps.classification import classify_values, palette_colors
from geoservice.maps.page import ImageSize, MapTexts

#: A sequential palette: light = little, dark = much.
IMPACT_PALETTE = "YlGnBu"


def _number(value: float) -> str:
    text = f"{value:,.1f}" if abs(value) < 100 and value != int(value) else f"{value:,.0f}"
    return text.replace(",", "\u202f").replace(".", ",")


def impact_to_png(
    points: Sequence[tuple[date, float]],
    communes: gpd.GeoDataFrame,
    value_col: str,
    texts: MapTexts,
    *,
    series_title: str,
    size: ImageSize | None = None,
    k: int = 5,
) -> bytes:
    """The PNG of a time series (`points`, by date) and of `communes` (any CRS) coloured by
    `value_col` (absent = 0) in `k` classes.

    Parameters
    ----------
    points
        (day, value) of the series drawn in the right-hand column, oldest first.
    communes
        Commune polygons with the latest value of the indicator.
    texts
        Title (required), subtitle, note, attribution, legend title (the unit).
    series_title
        Title of the time-series panel.
    """
    size = size or ImageSize()
    title = texts.picture_title()
    fig, ax = new_map_figure(size.width_px, size.height_px, size.dpi)
    frame = communes.to_crs(MAP_CRS)
    values = frame[value_col].fillna(0.0).to_numpy(dtype=float)
    limits = fit_extent(ax, tuple(frame.total_bounds) if len(frame) else (0.0, 0.0, 1.0, 1.0))
    classes = classify_values(values, "FisherJenks", k=k)
    colors = palette_colors(max(classes.k, 1), IMPACT_PALETTE)
    frame = frame.assign(_color=[colors[c] if c >= 0 else "#ffffff" for c in classes.yb])
    frame.plot(ax=ax, color=frame["_color"].tolist(), edgecolor="#777777", linewidth=0.2)
    handles = []
    for i, (low, high) in enumerate(classes.bounds()):
        count = int(np.sum(classes.yb == i))
        label = _number(high) if low == high else f"{_number(low)} – {_number(high)}"
        handles.append(Patch(facecolor=colors[i], edgecolor="#777777", label=f"{label}  ({count})"))
    add_scale_bar(ax, limits)
    add_north_arrow(ax, limits)
    add_titles(fig, title, texts.subtitle)
    add_legend(ax, handles, texts.legend_title or "Valeur")
    chart = fig.add_axes((SIDE_X + 0.03, 0.36, 0.24, 0.2))
    if points:
        days = [d for d, _ in points]
        x = [float(d.toordinal()) for d in days]
        chart.plot(x, [v for _, v in points], marker="o", color="#225ea8", linewidth=1.4)
        shown = list(range(len(days))) if len(days) <= 4 else [0, len(days) - 1]
        chart.set_xticks([x[i] for i in shown])
        chart.set_xticklabels(
            [days[i].strftime("%d/%m/%Y") for i in shown], fontsize=6, rotation=30
        )
    else:
        chart.text(0.5, 0.5, "aucun instantané", ha="center", va="center", fontsize=7)
    chart.set_title(series_title, fontsize=7.5, loc="left")
    chart.tick_params(labelsize=6)
    chart.grid(True, linewidth=0.3, color="#cccccc")
    add_attribution(fig, texts.attribution, texts.note)
    return figure_to_png(fig)
