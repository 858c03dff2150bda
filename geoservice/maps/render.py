"""One call from a classified table to a map file's bytes: what endpoints and the CLI use."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

import geopandas as gpd
import pandas as pd

from geoservice.errors import InvalidParameterError
from geoservice.maps.choropleth import classify_frame, join_values
from geoservice.maps.choropleth_geojson import choropleth_to_geojson
from geoservice.maps.choropleth_html import choropleth_to_html
from geoservice.maps.choropleth_png import choropleth_to_png
from geoservice.maps.config import MapConfig
from geoservice.maps.map_language import MODE_PHRASES, mode_phrase, words
from geoservice.maps.page import DEFAULT_ATTRIBUTION, MapTexts

#: Output formats and their media types.
MEDIA_TYPES: Final = {
    "png": "image/png",
    "html": "text/html; charset=utf-8",
    "geojson": "application/geo+json",
}


#: How each mode reads in a French map subtitle.
MODE_PHRASES_FR: Final = MODE_PHRASES["fr"]


def accessibility_zones(communes: gpd.GeoDataFrame, figures: pd.DataFrame) -> gpd.GeoDataFrame:
    """The communes with ``time_s`` from accessibility figures, ready for a choropleth.

    Parameters
    ----------
    communes
        Commune polygons with ``code`` (``Runtime.communes``).
    figures
        Rows of one target and mode with ``commune_code`` and ``time_s`` (seconds, NaN when
        the target has no reachable offer), as ``AccessibilityModel.commune_figures`` gives.
    """
    values = figures.rename(columns={"commune_code": "code"})[["code", "time_s"]]
    return join_values(communes, values.dropna(subset=["code"]), "time_s")


def accessibility_texts(
    target_label: str,
    mode: str,
    network_limits: str = "",
    *,
    attribution: str = DEFAULT_ATTRIBUTION,
    lang: str = "fr",
) -> MapTexts:
    """Title, subtitle, note and legend title of a time-to-nearest map, in `lang` (French by
    default: the users are in the Nièvre; ``en`` available).

    Parameters
    ----------
    target_label
        What is reached: a theme's label (``config/themes.toml``) or a category.
    mode
        ``drive``, ``bike``, ``walk`` or ``transit``.
    network_limits
        What the network leaves out, printed in the note.
    attribution
        The data attribution (``MapConfig.attribution``).
    lang
        ``fr`` or ``en``.
    """
    note = words("accessibility_note", lang)
    if network_limits:
        note = f"{note} {words('network_note', lang, limits=network_limits)}"
    return MapTexts(
        title=words("accessibility_title", lang, target=target_label),
        subtitle=words("accessibility_subtitle", lang, mode=mode_phrase(mode, lang)),
        note=note,
        attribution=attribution,
        legend_title=words("accessibility_legend", lang),
    )


@dataclass(frozen=True)
class RenderedMap:
    """A map ready to send or save.

    Attributes
    ----------
    content
        The file's bytes (PNG, UTF-8 HTML or UTF-8 GeoJSON).
    media_type
        Its media type, for a ``Content-Type`` header.
    n_zones, n_unreachable, n_underserved
        How many zones the map shows, how many have no value, how many are underserved.
    """

    content: bytes
    media_type: str
    n_zones: int
    n_unreachable: int
    n_underserved: int


def render_choropleth(
    gdf: gpd.GeoDataFrame,
    value_col: str,
    fmt: str,
    *,
    texts: MapTexts,
    config: MapConfig | None = None,
    metadata: Mapping[str, Any] | None = None,
    **classify_overrides: Any,
) -> RenderedMap:
    """Classify `gdf` and render it as PNG, HTML or GeoJSON.

    Parameters
    ----------
    gdf, value_col
        Zones and their column of times in seconds (NaN = unreachable).
    fmt
        ``png``, ``html`` or ``geojson``.
    texts
        Texts of the map (the GeoJSON keeps them too); ``MapConfig.texts`` gives them the
        configured attribution.
    config
        Map defaults (``config/maps.toml``); default :class:`MapConfig` defaults.
    metadata
        Stored as the GeoJSON's ``metadata`` (e.g. the API's data limits); other formats
        print the note instead.
    **classify_overrides
        ``scheme``, ``k``, ``bins_minutes``, ``threshold_minutes``... replacing the config's;
        None values are ignored.
    """
    if fmt not in MEDIA_TYPES:
        raise InvalidParameterError("format", f"unknown map format {fmt!r}", MEDIA_TYPES)
    config = config or MapConfig()
    cf = classify_frame(gdf, value_col, **config.classify_options(**classify_overrides))
    content: bytes
    if fmt == "geojson":
        collection = choropleth_to_geojson(cf, texts)
        if metadata is not None:
            collection["metadata"] = dict(metadata)
        content = json.dumps(collection, ensure_ascii=False).encode("utf-8")
    elif fmt == "png":
        content = choropleth_to_png(cf, texts, config.image_size())
    else:
        content = choropleth_to_html(cf, texts, config.image_size()).encode("utf-8")
    return RenderedMap(
        content=content,
        media_type=MEDIA_TYPES[fmt],
        n_zones=len(cf.frame),
        n_unreachable=cf.classification.n_unreachable,
        n_underserved=int(cf.frame["underserved"].sum()),
    )


def render_accessibility_map(
    communes: gpd.GeoDataFrame,
    figures: pd.DataFrame,
    fmt: str,
    *,
    target_label: str,
    mode: str,
    network_limits: str = "",
    config: MapConfig | None = None,
    title: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    lang: str = "fr",
    **classify_overrides: Any,
) -> RenderedMap:
    """The time-to-nearest choropleth of one target and mode (used by the CLI and the API).

    Parameters
    ----------
    communes
        Commune polygons with ``code``.
    figures
        ``commune_code`` and ``time_s`` rows of one target and mode
        (``AccessibilityModel.commune_figures``).
    fmt
        ``png``, ``html`` or ``geojson``.
    target_label, mode, network_limits
        What the texts of the map say (see :func:`accessibility_texts`).
    title
        Replaces the default title.
    metadata
        As :func:`render_choropleth`.
    lang
        Language of the texts, ``fr`` (default) or ``en``.
    **classify_overrides
        As :func:`render_choropleth`.
    """
    config = config or MapConfig()
    texts = accessibility_texts(
        target_label, mode, network_limits, attribution=config.attribution, lang=lang
    )
    if title:  # an empty title keeps the default, as None does
        texts = replace(texts, title=title)
    return render_choropleth(
        accessibility_zones(communes, figures),
        "time_s",
        fmt,
        texts=texts,
        config=config,
        metadata=metadata,
        **classify_overrides,
    )
