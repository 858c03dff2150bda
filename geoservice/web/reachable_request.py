"""What every ``/reachable`` answer starts from and ends with: origin, filters, collection."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app

from geoservice.core.offer_selection import OfferSelection
from geoservice.core.offers import ThemeConfig, themes_and_categories_from_args
from geoservice.runtime import Runtime
from geoservice.web.context import get_runtime
from geoservice.web.offer_catalogue import open_data_catalogue
from geoservice.web.origins import (
    Origin,
    ReachableLimits,
    mode_from_args,
    origin_document,
    origin_from_args,
)

#: ``app.extensions`` key of the parsed ``[themes]`` settings.
_THEMES_KEY = "geoservice.themes"


@dataclass(frozen=True)
class OriginRequest:
    """The data, limits, origin and travel mode of a ``/reachable`` request."""

    runtime: Runtime
    limits: ReachableLimits
    origin: Origin
    mode: str


def origin_request(args: Mapping[str, Any]) -> OriginRequest:
    """Read the origin and mode of a request (400 without a road network)."""
    runtime = get_runtime()
    limits = ReachableLimits.from_settings(runtime.settings)
    open_data_catalogue(runtime)
    origin = origin_from_args(
        runtime, lon=args.get("lon"), lat=args.get("lat"), commune=args.get("commune")
    )
    mode = mode_from_args(args.get("mode"), limits.default_mode)
    return OriginRequest(runtime, limits, origin, mode)


def theme_config(runtime: Runtime) -> ThemeConfig:
    """The ``[themes]`` settings of `runtime`, parsed once per app and settings (parsing
    them took ≈ 0.5 ms a request)."""
    cached = current_app.extensions.get(_THEMES_KEY)
    if cached is None or cached[0] is not runtime.settings:
        cached = (runtime.settings, ThemeConfig.from_section(runtime.settings.section("themes")))
        current_app.extensions[_THEMES_KEY] = cached
    themes: ThemeConfig = cached[1]
    return themes


def selection_from_args(runtime: Runtime, args: Mapping[str, Any]) -> OfferSelection:
    """The theme / category / dates filters of a request (400 on unknown values)."""
    vocabulary = theme_config(runtime).vocabulary
    themes, categories = themes_and_categories_from_args(
        args.get("theme"), args.get("category"), vocabulary
    )
    return OfferSelection(
        themes=themes,
        categories=categories,
        date_from=args.get("date_from"),
        date_to=args.get("date_to"),
        on_date=args.get("date"),
    )


def ranked_collection(
    origin: Origin,
    mode: str,
    minutes: float,
    total: int,
    limit: int,
    features: list[dict[str, Any]],
) -> dict[str, Any]:
    """The ``/reachable`` FeatureCollection of ranked offers (road and transit modes)."""
    return {
        "type": "FeatureCollection",
        "origin": origin_document(origin),
        "mode": mode,
        "max_minutes": minutes,
        "total": total,
        "limit": limit,
        "features": features,
    }
