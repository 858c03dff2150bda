"""Shared figure plumbing: page layout, scale bar, north arrow, attribution, PNG encoding.

Figures are built with :class:`matplotlib.figure.Figure` and an Agg canvas directly, never
through ``pyplot``: no global figure registry, no backend switch, safe in web workers.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from geoservice.core.crs import SERVICE_CRS, transformer

#: Projected CRS every map is drawn in (Lambert-93, metres).
MAP_CRS = "EPSG:2154"

#: Where the map sits on the page, in figure fractions (left, bottom, width, height);
#: the legend goes in the free band on the right.
MAP_RECT = (0.02, 0.07, 0.66, 0.83)
#: Left edge of the right-hand column (legend, north arrow, scale bar), figure fraction.
SIDE_X = 0.71


def new_map_figure(width_px: int, height_px: int, dpi: int) -> tuple[Figure, Axes]:
    """A figure of exactly `width_px` × `height_px` pixels at `dpi`, and its map axes."""
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_axes(MAP_RECT)
    ax.set_axis_off()
    return fig, ax


def fit_extent(
    ax: Axes, bounds: tuple[float, float, float, float], *, margin: float = 0.03
) -> tuple[float, float, float, float]:
    """Set the axes limits to `bounds` (metres) plus `margin`, widened to the axes' shape.

    Widening here, rather than letting matplotlib adjust at draw time, keeps the limits known
    so that the scale bar can be placed in data units.

    Returns
    -------
    tuple of float
        The limits set: ``(xmin, ymin, xmax, ymax)`` in metres.
    """
    xmin, ymin, xmax, ymax = bounds
    width = max(xmax - xmin, 1.0)
    height = max(ymax - ymin, 1.0)
    xmin, xmax = xmin - margin * width, xmax + margin * width
    ymin, ymax = ymin - margin * height, ymax + margin * height
    fig = ax.get_figure()
    if not isinstance(fig, Figure):  # pragma: no cover - our axes belong to a Figure
        raise TypeError("axes without a figure")
    fig_w, fig_h = fig.get_size_inches()
    box = ax.get_position()
    box_ratio = (box.height * fig_h) / (box.width * fig_w)
    data_ratio = (ymax - ymin) / (xmax - xmin)
    if data_ratio < box_ratio:  # too wide: add height
        extra = (box_ratio * (xmax - xmin) - (ymax - ymin)) / 2
        ymin, ymax = ymin - extra, ymax + extra
    else:  # too tall: add width
        extra = ((ymax - ymin) / box_ratio - (xmax - xmin)) / 2
        xmin, xmax = xmin - extra, xmax + extra
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal", adjustable="box")
    return xmin, ymin, xmax, ymax


def nice_scale_length_m(map_width_m: float, *, fraction: float = 0.25) -> float:
    """The largest 1, 2 or 5 × 10ⁿ metres not above `fraction` of the map width."""
    if map_width_m <= 0:
        raise ValueError(f"map width must be positive, got {map_width_m} m")
    target = map_width_m * fraction
    exponent = math.floor(math.log10(target))
    best = 10.0**exponent
    for step in (1.0, 2.0, 5.0, 10.0):
        if step * 10.0**exponent <= target:
            best = step * 10.0**exponent
    return best


def _format_km(distance_m: float) -> str:
    km = distance_m / 1000
    return f"{km:g}"


def add_scale_bar(ax: Axes, limits: tuple[float, float, float, float]) -> float:
    """Draw a two-segment scale bar under the legend, at the map's scale.

    The bar is an axes of its own in the right-hand column whose width in the figure is
    `length / map width` of the map axes' width, so it never hides part of the map.

    Returns
    -------
    float
        The bar's length, metres.
    """
    xmin, _, xmax, _ = limits
    width_m = xmax - xmin
    length_m = nice_scale_length_m(width_m)
    fig = ax.get_figure()
    if not isinstance(fig, Figure):  # pragma: no cover - our axes belong to a Figure
        raise TypeError("axes without a figure")
    box = ax.get_position()
    bar_w = box.width * length_m / width_m
    sb = fig.add_axes((SIDE_X, 0.10, bar_w, 0.018))
    sb.set_xlim(0, length_m)
    sb.set_ylim(0, 1)
    sb.set_axis_off()
    half = length_m / 2
    for i, face in enumerate(("black", "white")):
        sb.add_patch(
            Rectangle((i * half, 0), half, 1, facecolor=face, edgecolor="black", linewidth=0.8)
        )
    for x, label in (
        (0.0, "0"),
        (half, _format_km(half)),
        (length_m, f"{_format_km(length_m)} km"),
    ):
        sb.text(x, 1.5, label, ha="center", va="bottom", fontsize=7.5)
    return length_m


def true_north_angle_deg(x_m: float, y_m: float, crs: str = MAP_CRS) -> float:
    """Angle from grid north to true north at a point, degrees clockwise.

    In Lambert-93 it is under 1° over the Nièvre, but it is computed rather than assumed.
    """
    to_geo = transformer(crs, SERVICE_CRS)
    to_map = transformer(SERVICE_CRS, crs)
    lon, lat = to_geo.transform(x_m, y_m)
    x2, y2 = to_map.transform(lon, lat + 0.05)
    return math.degrees(math.atan2(x2 - x_m, y2 - y_m))


def add_north_arrow(ax: Axes, limits: tuple[float, float, float, float]) -> float:
    """Draw a north arrow above the scale bar, pointing to true north.

    Returns
    -------
    float
        The arrow's angle from the top of the map, degrees clockwise.
    """
    xmin, ymin, xmax, ymax = limits
    angle = true_north_angle_deg((xmin + xmax) / 2, (ymin + ymax) / 2)
    fig = ax.get_figure()
    if not isinstance(fig, Figure):  # pragma: no cover - our axes belong to a Figure
        raise TypeError("axes without a figure")
    fig_w, fig_h = fig.get_size_inches()
    side = 0.10  # height of the arrow's axes, figure fraction
    na = fig.add_axes((SIDE_X, 0.15, side * fig_h / fig_w, side))
    na.set_xlim(-1, 1)
    na.set_ylim(-1, 1.6)
    na.set_axis_off()
    dx, dy = math.sin(math.radians(angle)), math.cos(math.radians(angle))
    na.annotate(
        "",
        xy=(0.8 * dx, 0.8 * dy),
        xytext=(-0.8 * dx, -0.8 * dy),
        arrowprops={"arrowstyle": "-|>,head_width=0.6,head_length=1.2", "color": "black", "lw": 2},
    )
    na.text(
        0.8 * dx, 0.8 * dy + 0.15, "N", ha="center", va="bottom", fontsize=12, fontweight="bold"
    )
    return angle


def add_legend(ax: Axes, handles: Sequence[Artist], title: str) -> None:
    """Put the legend at the top of the right-hand column."""
    fig = ax.get_figure()
    if not isinstance(fig, Figure):  # pragma: no cover - our axes belong to a Figure
        raise TypeError("axes without a figure")
    ax.legend(
        handles=list(handles),
        title=title,
        loc="upper left",
        bbox_to_anchor=(SIDE_X - 0.01, MAP_RECT[1] + MAP_RECT[3]),
        bbox_transform=fig.transFigure,
        frameon=False,
        fontsize=8,
        title_fontsize=9,
        alignment="left",
    )


def add_titles(fig: Figure, title: str, subtitle: str | None) -> None:
    """Write the title (and an optional subtitle) above the map."""
    fig.text(0.02, 0.975, title, ha="left", va="top", fontsize=13, fontweight="bold")
    if subtitle:
        fig.text(0.02, 0.935, subtitle, ha="left", va="top", fontsize=8.5, color="#333333")


def add_attribution(fig: Figure, attribution: str, note: str | None = None) -> None:
    """Write the data attribution (and an optional note) along the bottom of the page.

    Lines are wrapped to the page width (estimated from the font size: about 0.55 em per
    character), since matplotlib does not wrap text on its own when saving.
    """
    fontsize = 6.5
    chars = max(40, int(0.96 * fig.get_size_inches()[0] * 72 / (fontsize * 0.55)))
    lines = textwrap.wrap(f"Données : {attribution}", chars)
    if note:
        lines = textwrap.wrap(note, chars) + lines
    fig.text(
        0.02, 0.012, "\n".join(lines), ha="left", va="bottom", fontsize=fontsize, color="#333333"
    )


def figure_to_png(fig: Figure) -> bytes:
    """Encode a figure as PNG at its own size and resolution."""
    buffer = io.BytesIO()
    # No bbox_inches="tight": it would change the pixel size the caller asked for.
    fig.savefig(buffer, format="png", dpi=fig.dpi, facecolor=fig.get_facecolor())
    return buffer.getvalue()
