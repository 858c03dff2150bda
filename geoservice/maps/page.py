"""What a map page carries around the map: its texts and, for images, its pixel size.

Every renderer (choropleth GeoJSON, PNG, HTML; isochrone PNG) takes one :class:`MapTexts`
and, for pictures, one :class:`ImageSize`, instead of repeating their fields as keyword
arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from geoservice.errors import InvalidParameterError

DEFAULT_ATTRIBUTION: Final = (
    "© OpenStreetMap contributors / Travel Mapping; INSEE; Ministère de la Culture; SNCF Voyageurs"
)


@dataclass(frozen=True)
class MapTexts:
    """The texts of a map, in the language of its readers (French here).

    Attributes
    ----------
    title
        Printed above the map; a picture needs one, a GeoJSON stores it when given.
    subtitle
        Printed under the title (the origin points, the mode...).
    note
        Printed above the attribution (what the values are, the network's limits...).
    attribution
        Data attribution printed at the bottom of every map.
    legend_title
        Title of the legend (say the unit); None lets each renderer use its own default.
    """

    title: str | None = None
    subtitle: str | None = None
    note: str | None = None
    attribution: str = DEFAULT_ATTRIBUTION
    legend_title: str | None = None

    def picture_title(self) -> str:
        """The title a PNG or HTML map prints; it must have one."""
        if self.title is None:
            raise InvalidParameterError("title", "a PNG or HTML map needs a title")
        return self.title


@dataclass(frozen=True)
class ImageSize:
    """Exact pixel size of a map image and its resolution.

    Raises
    ------
    InvalidParameterError
        Below 200 × 200 px or 30 dpi (nothing readable would fit).
    """

    width_px: int = 1200
    height_px: int = 1000
    dpi: int = 150

    def __post_init__(self) -> None:
        if self.width_px < 200 or self.height_px < 200 or self.dpi < 30:
            raise InvalidParameterError(
                "size",
                f"image too small: {self.width_px}×{self.height_px} px at {self.dpi} dpi "
                "(min 200 px, 30 dpi)",
            )
