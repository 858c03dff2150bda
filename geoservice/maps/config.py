"""The ``[maps]`` configuration table (``config/maps.toml``) as a frozen dataclass."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from geoservice.errors import InvalidParameterError
from geoservice.maps.choropleth import (
    DEFAULT_THRESHOLD_MINUTES,
    DEFAULT_UNREACHABLE_COLOR,
    DEFAULT_UNREACHABLE_LABEL,
)
from geoservice.maps.classification import DEFAULT_PALETTE, SCHEMES
from geoservice.maps.page import DEFAULT_ATTRIBUTION, ImageSize, MapTexts
from geoservice.settings import Settings


@dataclass(frozen=True)
class MapConfig:
    """Defaults of the thematic maps.

    Attributes
    ----------
    scheme, k
        mapclassify scheme and number of classes.
    bins_minutes
        Upper class bounds, minutes, for the ``UserDefined`` scheme.
    palette
        matplotlib colormap name, shortest time first.
    unreachable_color, unreachable_label
        How zones with nothing reachable are drawn and named.
    underserved_minutes
        Above this time (or unreachable) a zone is underserved, minutes. Read from
        ``[accessibility] default_threshold_minutes`` so that maps and the underserved
        ranking agree.
    width_px, height_px, dpi
        PNG size and resolution.
    attribution
        Data attribution printed on every map.
    """

    scheme: str = "FisherJenks"
    k: int = 5
    bins_minutes: tuple[float, ...] = (15.0, 30.0, 45.0, 60.0)
    palette: str = DEFAULT_PALETTE
    unreachable_color: str = DEFAULT_UNREACHABLE_COLOR
    unreachable_label: str = DEFAULT_UNREACHABLE_LABEL
    underserved_minutes: float = DEFAULT_THRESHOLD_MINUTES
    width_px: int = 1200
    height_px: int = 1000
    dpi: int = 150
    attribution: str = DEFAULT_ATTRIBUTION

    @classmethod
    def from_settings(cls, settings: Settings) -> MapConfig:
        """Read the ``[maps]`` table; missing keys keep the defaults above."""
        table = dict(settings.section("maps"))
        unknown = sorted(set(table) - set(cls.__dataclass_fields__) - {"underserved_minutes"})
        if unknown:
            raise InvalidParameterError(
                "maps", f"unknown key(s) in [maps]: {unknown}", cls.__dataclass_fields__
            )
        if "underserved_minutes" in table:
            raise InvalidParameterError(
                "maps.underserved_minutes",
                "set the threshold once, as [accessibility] default_threshold_minutes",
            )
        threshold = settings.get("accessibility.default_threshold_minutes")
        if threshold is not None:
            table["underserved_minutes"] = float(threshold)
        if "bins_minutes" in table:
            table["bins_minutes"] = tuple(float(b) for b in table["bins_minutes"])
        config = cls(**table)
        if config.scheme not in SCHEMES:
            raise InvalidParameterError(
                "maps.scheme", f"unknown classification {config.scheme!r}", SCHEMES
            )
        return config

    def classify_options(self, **overrides: Any) -> dict[str, Any]:
        """Keyword arguments for :func:`~geoservice.maps.choropleth.classify_frame`.

        `overrides` whose value is None are ignored, so that optional query or command
        arguments can be passed straight through.
        """
        options: dict[str, Any] = {
            "scheme": self.scheme,
            "k": self.k,
            "bins_minutes": self.bins_minutes,
            "threshold_minutes": self.underserved_minutes,
            "palette": self.palette,
            "unreachable_color": self.unreachable_color,
            "unreachable_label": self.unreachable_label,
        }
        options.update({key: value for key, value in overrides.items() if value is not None})
        return options

    def image_size(self) -> ImageSize:
        """The PNG size and resolution of the maps."""
        return ImageSize(width_px=self.width_px, height_px=self.height_px, dpi=self.dpi)

    def texts(
        self,
        title: str | None,
        *,
        subtitle: str | None = None,
        note: str | None = None,
        legend_title: str | None = None,
    ) -> MapTexts:
        """The texts of a map, with the configured attribution."""
        return MapTexts(
            title=title,
            subtitle=subtitle,
            note=note,
            attribution=self.attribution,
            legend_title=legend_title,
        )
