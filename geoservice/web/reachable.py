"""``GET /api/v1/reachable`` and ``GET /api/v1/reachable/nearest``: what can I reach, how fast.

The origin is a point (``lon``, ``lat``) or a commune (``commune``, INSEE code). A commune
stands for its *representative point*: a point guaranteed inside its polygon, computed in
Lambert-93 (EPSG:2154) like the fallback location of offers without a published point. The
raw data hold no town-hall (chef-lieu) coordinates, so no better point is available.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from geoservice.core.geojson import feature_collection_from_frame, geometry_to_geojson
from geoservice.core.network import MODES, RoadNetwork
from geoservice.core.offers import CATEGORIES, OFFER_COLUMNS, ThemeConfig
from geoservice.core.reachable import (
    ReachableOffers,
    category_mask,
    nearest_offer_per_kind,
    offers_open_between,
    rank_reachable_offers,
    theme_mask,
)
from geoservice.core.snapping import lambert93_from_wgs84, wgs84_from_lambert93
from geoservice.errors import InvalidParameterError, NotFoundError
from geoservice.runtime import Runtime
from geoservice.settings import Settings
from geoservice.web.blueprint import Blueprint
from geoservice.web.context import get_runtime

blp = Blueprint(
    "reachable",
    __name__,
    url_prefix="/reachable",
    description="Offers ranked by door-to-door travel time from a point or a commune.",
)

_COMMUNE_POINTS_KEY = "geoservice.reachable.commune_points"
_OFFER_PROPERTIES_KEY = "geoservice.reachable.offer_properties"


@dataclass(frozen=True)
class ReachableLimits:
    """The ``[reachable]`` table (``config/reachable.toml``)."""

    default_minutes: float
    max_minutes: float
    default_limit: int
    max_limit: int
    default_mode: str

    @classmethod
    def from_settings(cls, settings: Settings) -> ReachableLimits:
        """Read ``[reachable]`` (defaults: 30 / 120 min, 20 / 200 offers, drive)."""
        t = settings.section("reachable")
        return cls(
            default_minutes=float(t.get("default_minutes", 30)),
            max_minutes=float(t.get("max_minutes", 120)),
            default_limit=int(t.get("default_limit", 20)),
            max_limit=int(t.get("max_limit", 200)),
            default_mode=str(t.get("default_mode", "drive")),
        )


@dataclass(frozen=True)
class Origin:
    """Where a search starts: EPSG:2154 metres, its lon/lat and the commune it stands for."""

    x_m: float
    y_m: float
    lon: float
    lat: float
    commune: str | None
    field: str


def _commune_points(runtime: Runtime) -> Mapping[str, tuple[float, float]]:
    cache = current_app.extensions
    if _COMMUNE_POINTS_KEY not in cache:
        communes = runtime.communes
        points = communes.geometry.to_crs("EPSG:2154").representative_point()
        cache[_COMMUNE_POINTS_KEY] = {
            str(code): (float(p.x), float(p.y))
            for code, p in zip(communes["code"], points, strict=True)
        }
    found: Mapping[str, tuple[float, float]] = cache[_COMMUNE_POINTS_KEY]
    return found


def origin_from_args(
    runtime: Runtime,
    *,
    lon: float | None,
    lat: float | None,
    commune: str | None,
    point_field: str = "lon",
) -> Origin:
    """The origin of a request: a point or a commune, exactly one of them.

    Raises
    ------
    InvalidParameterError
        Both or neither given, or only one of lon / lat (400).
    NotFoundError
        `commune` is not the INSEE code of a current commune of the Nièvre (404).
    """
    has_point = lon is not None or lat is not None
    if has_point and commune is not None:
        msg = f"give either a point ({point_field}) or a commune, not both"
        raise InvalidParameterError(point_field, msg)
    if commune is not None:
        points = _commune_points(runtime)
        if commune not in points:
            msg = f"no current commune of the Nièvre has the INSEE code {commune!r}"
            raise NotFoundError(msg)
        x, y = points[commune]
        lon_a, lat_a = wgs84_from_lambert93(x, y)
        return Origin(x, y, float(lon_a), float(lat_a), commune, "commune")
    if lon is None or lat is None:
        msg = f"an origin is needed: {point_field} (a point, lon and lat) or commune (INSEE code)"
        raise InvalidParameterError(point_field, msg)
    x_a, y_a = lambert93_from_wgs84(lon, lat)
    return Origin(float(x_a), float(y_a), float(lon), float(lat), None, point_field)


def mode_from_args(mode: str | None, default: str) -> str:
    """The travel mode (400 listing the allowed ones when unknown)."""
    chosen = default if mode is None else mode
    if chosen not in MODES:
        raise InvalidParameterError("mode", f"unknown mode {chosen!r}", allowed=MODES)
    return chosen


def minutes_from_args(value: float | None, limits: ReachableLimits, field: str) -> float:
    """A time budget in minutes within ``(0, max_minutes]`` (400 otherwise)."""
    minutes = limits.default_minutes if value is None else float(value)
    if not math.isfinite(minutes) or not 0 < minutes <= limits.max_minutes:
        msg = f"{field} {minutes:g} must be > 0 and at most {limits.max_minutes:g} minutes"
        raise InvalidParameterError(field, msg)
    return minutes


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (text or "").split(",") if v.strip())


def filter_mask(
    reachable: ReachableOffers,
    *,
    theme: str | None,
    category: str | None,
    date_from: date | None,
    date_to: date | None,
    vocabulary: tuple[str, ...],
) -> np.ndarray:
    """Offers kept by the theme / category / dates filters (400 on unknown values)."""
    themes = _split(theme)
    unknown = sorted(set(themes) - set(vocabulary))
    if unknown:
        raise InvalidParameterError("theme", f"unknown theme(s) {unknown}", allowed=vocabulary)
    categories = _split(category)
    unknown = sorted(set(categories) - set(CATEGORIES))
    if unknown:
        msg = f"unknown category(ies) {unknown}"
        raise InvalidParameterError("category", msg, allowed=CATEGORIES)
    offers = reachable.offers
    return (
        theme_mask(offers, themes)
        & category_mask(offers, categories)
        & offers_open_between(offers, date_from, date_to)
    )


def network_info(network: RoadNetwork) -> dict[str, Any]:
    """What the answer was computed on, and its limits."""
    return {
        "network": network.name,
        "network_limits": network.limits,
        "main_roads_only": network.main_roads_only,
        "notice": (
            "computed on main roads only (A, N, D roads): villages and streets away from them "
            "are reached by straight access legs, so times are indicative"
            if network.main_roads_only
            else ""
        ),
        "attribution": str(network.G.graph.get("attribution", "")),
    }


def _offer_properties(runtime: Runtime, reachable: ReachableOffers) -> list[dict[str, Any]]:
    cache = current_app.extensions
    if _OFFER_PROPERTIES_KEY not in cache:
        collection = feature_collection_from_frame(
            reachable.offers, columns=OFFER_COLUMNS, id_column="offer_id"
        )
        cache[_OFFER_PROPERTIES_KEY] = collection["features"]
    features: list[dict[str, Any]] = cache[_OFFER_PROPERTIES_KEY]
    return features


def _reachable(runtime: Runtime) -> ReachableOffers:
    if runtime.reachable is None or runtime.network is None:
        raise InvalidParameterError("network", "no road network is loaded")
    return runtime.reachable


def _origin_document(origin: Origin) -> dict[str, Any]:
    return {
        "lon": round(origin.lon, 6),
        "lat": round(origin.lat, 6),
        "commune": origin.commune,
        "point": "commune representative point (inside its polygon, EPSG:2154)"
        if origin.commune is not None
        else "given point",
    }


class ReachableQuerySchema(Schema):
    lon = fields.Float(validate=validate.Range(-180, 180), metadata={"description": "degrees"})
    lat = fields.Float(validate=validate.Range(-90, 90), metadata={"description": "degrees"})
    commune = fields.String(
        metadata={"description": "INSEE code; the origin is its representative point"}
    )
    mode = fields.String(metadata={"description": "drive, bike or walk"})
    max_minutes = fields.Float(
        metadata={"description": "door-to-door budget, minutes, > 0 and ≤ reachable.max_minutes"}
    )
    theme = fields.String(metadata={"description": "theme id(s), comma-separated (any of them)"})
    category = fields.String(
        metadata={"description": f"category(ies), comma-separated: {', '.join(CATEGORIES)}"}
    )
    date_from = fields.Date(
        metadata={
            "description": "YYYY-MM-DD; venues are always kept, festivals when their season "
            "(period) overlaps the dates"
        }
    )
    date_to = fields.Date(metadata={"description": "YYYY-MM-DD, included"})
    limit = fields.Integer(metadata={"description": "offers returned, 1..reachable.max_limit"})
    geometry = fields.Boolean(
        load_default=False, metadata={"description": "add each path as a GeoJSON LineString"}
    )


class NearestQuerySchema(Schema):
    lon = fields.Float(validate=validate.Range(-180, 180))
    lat = fields.Float(validate=validate.Range(-90, 90))
    commune = fields.String(metadata={"description": "INSEE code"})
    mode = fields.String(metadata={"description": "drive, bike or walk"})


@blp.route("")
class Reachable(MethodView):
    @blp.arguments(ReachableQuerySchema, location="query")
    @blp.response(200)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Offers reached within ``max_minutes``, nearest first (door to door)."""
        runtime = get_runtime()
        limits = ReachableLimits.from_settings(runtime.settings)
        reachable = _reachable(runtime)
        origin = origin_from_args(
            runtime, lon=args.get("lon"), lat=args.get("lat"), commune=args.get("commune")
        )
        mode = mode_from_args(args.get("mode"), limits.default_mode)
        minutes = minutes_from_args(args.get("max_minutes"), limits, "max_minutes")
        limit = limits.default_limit if args.get("limit") is None else int(args["limit"])
        if not 1 <= limit <= limits.max_limit:
            msg = f"limit {limit} must be between 1 and {limits.max_limit}"
            raise InvalidParameterError("limit", msg)
        vocabulary = ThemeConfig.from_section(runtime.settings.section("themes")).vocabulary
        mask = filter_mask(
            reachable,
            theme=args.get("theme"),
            category=args.get("category"),
            date_from=args.get("date_from"),
            date_to=args.get("date_to"),
            vocabulary=vocabulary,
        )
        ranked = rank_reachable_offers(
            reachable,
            mode,
            (origin.x_m, origin.y_m),
            max_minutes=minutes,
            mask=mask,
            limit=limit,
            with_geometry=bool(args["geometry"]),
            field=origin.field,
        )
        base = _offer_properties(runtime, reachable)
        features = []
        for row, route in zip(ranked.rows.tolist(), ranked.routes, strict=True):
            feature = dict(base[row])
            props = dict(feature["properties"])
            props.update(
                travel_time_s=round(route.travel_time_s, 1),
                travel_time_min=round(route.travel_time_s / 60, 1),
                distance_m=round(route.distance_m),
                route_refs=list(route.route_refs),
                legs={
                    "access_s": round(route.access_s, 1),
                    "network_s": round(route.network_s, 1),
                    "egress_s": round(route.egress_s, 1),
                },
            )
            if route.geometry is not None:
                props["path"] = geometry_to_geojson(route.geometry)  # type: ignore[arg-type]
            feature["properties"] = props
            features.append(feature)
        document: dict[str, Any] = {
            "type": "FeatureCollection",
            "origin": _origin_document(origin),
            "mode": mode,
            "max_minutes": minutes,
            "total": ranked.total,
            "limit": limit,
            "features": features,
        }
        if not features:
            document["hint"] = (
                f"no offer matching the filters is reached within {minutes:g} min by {mode}: "
                "raise max_minutes, try another mode or loosen theme / category / dates"
            )
        document["info"] = network_info(_network(runtime))
        return document


def _network(runtime: Runtime) -> RoadNetwork:
    if runtime.network is None:
        raise InvalidParameterError("network", "no road network is loaded")
    return runtime.network


@blp.route("/nearest")
class Nearest(MethodView):
    @blp.arguments(NearestQuerySchema, location="query")
    @blp.response(200)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """For every theme and category: the nearest offer and its door-to-door time."""
        runtime = get_runtime()
        limits = ReachableLimits.from_settings(runtime.settings)
        reachable = _reachable(runtime)
        origin = origin_from_args(
            runtime, lon=args.get("lon"), lat=args.get("lat"), commune=args.get("commune")
        )
        mode = mode_from_args(args.get("mode"), limits.default_mode)
        themes = ThemeConfig.from_section(runtime.settings.section("themes"))
        nearest = nearest_offer_per_kind(
            reachable,
            mode,
            (origin.x_m, origin.y_m),
            themes=themes.vocabulary,
            categories=CATEGORIES,
            field=origin.field,
        )
        items = [
            {
                "kind": n.kind,
                "value": n.value,
                "label": themes.labels.get(n.value) if n.kind == "theme" else n.value,
                "offer_id": n.offer_id,
                "name": n.name,
                "commune_code": n.commune_code,
                "travel_time_s": None if n.travel_time_s is None else round(n.travel_time_s, 1),
                "travel_time_min": None
                if n.travel_time_s is None
                else round(n.travel_time_s / 60, 1),
            }
            for n in nearest
        ]
        document: dict[str, Any] = {
            "origin": _origin_document(origin),
            "mode": mode,
            "nearest": items,
        }
        if all(i["offer_id"] is None for i in items):
            document["hint"] = f"no offer can be reached by {mode} from this origin"
        document["info"] = network_info(_network(runtime))
        return document


__all__ = ["Origin", "blp", "filter_mask", "origin_from_args"]
