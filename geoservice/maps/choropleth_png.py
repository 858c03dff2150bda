"""A classified choropleth as a PNG in Lambert-93 with legend, scale bar and north arrow."""

from __future__ import annotations

from typing import Any

from matplotlib.lines import Line2D
from matplotlib.patches import Patch

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
from geoservice.maps.choropleth import DEFAULT_LEGEND_TITLE, UNREACHABLE_HATCH, ChoroplethFrame
from geoservice.maps.classification import UNREACHABLE_CLASS
from geoservice.maps.page import ImageSize, MapTexts


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


def choropleth_to_png(cf: ChoroplethFrame, texts: MapTexts, size: ImageSize | None = None) -> bytes:
    """The PNG of a classified frame, drawn in Lambert-93 (EPSG:2154).

    Underserved zones are outlined (black with a white core); unreachable zones are grey and
    hatched.

    Parameters
    ----------
    cf
        The classified zones (:func:`~geoservice.maps.choropleth.classify_frame`).
    texts
        Title (required), subtitle, note, attribution and legend title.
    size
        Pixel size and resolution; default :class:`ImageSize`.

    Returns
    -------
    bytes
        The PNG file's content.
    """
    size = size or ImageSize()
    title = texts.picture_title()
    fig, ax = new_map_figure(size.width_px, size.height_px, size.dpi)
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
    add_titles(fig, title, texts.subtitle)
    add_legend(ax, _legend_handles(cf), texts.legend_title or DEFAULT_LEGEND_TITLE)
    add_attribution(fig, texts.attribution, texts.note)
    return figure_to_png(fig)
