"""Isochrones: ``/api/v1/isochrones`` (GET and POST) and the openrouteservice URL scheme.

``POST /ors/v2/isochrones/<profile>`` and ``…/<profile>/geojson`` take the openrouteservice
body (``locations``, ``range`` in seconds, ``interval``, ``range_type``, ``attributes``…), so
ORS clients work with their base URL set to ``http://HOST:PORT/ors``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import shapely
from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate

from geoservice import __version__
from geoservice.core.deadline import Deadline
from geoservice.core.isochrones import IsochroneFeature, compute_isochrones
from geoservice.core.network import MODES, RoadNetwork
from geoservice.core.population import POPULATION_METHOD, rounded_by_age
from geoservice.errors import InvalidParameterError, LimitExceededError
from geoservice.settings import Settings
from geoservice.web.blueprint import Blueprint
from geoservice.web.context import get_runtime, road_network_or_error
from geoservice.web.openapi_docs import (
    ISOCHRONE_COLLECTION,
    ISOCHRONE_EXAMPLE,
    json_response_doc,
)
from geoservice.web.origins import TRANSIT
from geoservice.web.transit import population_index, transit_isochrone_document

blp = Blueprint(
    "isochrones",
    __name__,
    url_prefix="/isochrones",
    description="Areas reachable within given travel times (drive, bike, walk).",
)
ors_blp = Blueprint(
    "ors",
    __name__,
    url_prefix="/ors/v2",
    description="openrouteservice-compatible isochrones (profiles driving-car, "
    "cycling-regular, foot-walking).",
)

#: openrouteservice profile → our mode.
MODE_BY_PROFILE: Mapping[str, str] = {
    "driving-car": "drive",
    "cycling-regular": "bike",
    "foot-walking": "walk",
}
ORS_ATTRIBUTES = ("area", "total_pop")
AREA_FACTOR_FROM_M2: Mapping[str, float] = {"m": 1.0, "km": 1e-6, "mi": 1 / 2_589_988.110336}


@dataclass(frozen=True)
class IsochroneLimits:
    """The ``[isochrones]`` table: request limits."""

    max_locations: int
    max_bands: int
    max_minutes: float
    default_mode: str

    @classmethod
    def from_settings(cls, settings: Settings) -> IsochroneLimits:
        """Read ``[isochrones]`` (defaults: 5 locations, 6 bands, 120 min, drive)."""
        t = settings.section("isochrones")
        return cls(
            max_locations=int(t.get("max_locations", 5)),
            max_bands=int(t.get("max_bands", 6)),
            max_minutes=float(t.get("max_minutes", 120)),
            default_mode=str(t.get("default_mode", "drive")),
        )


class RangeField(fields.Field):
    """A number or a list of numbers (openrouteservice ``range``)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[float]:
        items = value if isinstance(value, list) else [value]
        out: list[float] = []
        for item in items:
            if isinstance(item, bool) or not isinstance(item, int | float):
                raise ValidationError("range must be a number or a list of numbers (seconds)")
            if not math.isfinite(item):
                raise ValidationError("range values must be finite")
            out.append(float(item))
        if not out:
            raise ValidationError("range must not be empty")
        return out


class LocationField(fields.Field):
    """``[lon, lat]`` in degrees (EPSG:4326)."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> tuple[float, float]:
        if (
            not isinstance(value, list | tuple)
            or len(value) != 2
            or any(isinstance(v, bool) or not isinstance(v, int | float) for v in value)
        ):
            raise ValidationError("a location is [lon, lat] in degrees")
        lon, lat = float(value[0]), float(value[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValidationError(f"[{lon}, {lat}] is not a WGS 84 [lon, lat]")
        return lon, lat


#: The ``mode=transit`` options, shared by the query string and the openrouteservice body.
TRANSIT_DEPARTURE_FIELD = fields.DateTime(
    metadata={
        "description": "mode transit (required): ISO 8601 departure; without offset it is "
        "local time (Europe/Paris)"
    }
)
TRANSIT_WINDOW_FIELD = fields.Integer(
    validate=validate.Range(min=1),
    metadata={"description": "mode transit: departure window, minutes (best / median)"},
)
TRANSIT_STATISTIC_FIELD = fields.String(
    load_default="median",
    validate=validate.OneOf(["best", "median"]),
    metadata={"description": "mode transit with a window: best or median travel time"},
)
TRANSIT_ACCESS_MODE_FIELD = fields.String(
    load_default="walk",
    metadata={"description": "mode transit: to the stops by walk, bike or drive"},
)


class IsochroneBodySchema(Schema):
    """openrouteservice-style request body."""

    locations = fields.List(
        LocationField(),
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "origins, [[lon, lat], …] (EPSG:4326)"},
    )
    range = RangeField(
        required=True, metadata={"description": "time budgets in seconds (list or single value)"}
    )
    interval = fields.Float(
        validate=validate.Range(min=0, min_inclusive=False),
        metadata={"description": "with a single range: bands every `interval` seconds"},
    )
    range_type = fields.String(load_default="time", metadata={"description": "only `time`"})
    profile = fields.String(metadata={"description": "driving-car, cycling-regular, foot-walking"})
    mode = fields.String(
        metadata={"description": "drive, bike, walk or transit (instead of profile)"}
    )
    attributes = fields.List(fields.String(), load_default=list)
    area_units = fields.String(load_default="m", validate=validate.OneOf(AREA_FACTOR_FROM_M2))
    units = fields.String(load_default="m", metadata={"description": "ignored for time ranges"})
    location_type = fields.String(load_default="start", metadata={"description": "only `start`"})
    smoothing = fields.Float(metadata={"description": "accepted, not applied"})
    intersections = fields.Boolean(load_default=False)
    id = fields.String(metadata={"description": "echoed in the metadata"})
    departure = TRANSIT_DEPARTURE_FIELD
    window_minutes = TRANSIT_WINDOW_FIELD
    statistic = TRANSIT_STATISTIC_FIELD
    access_mode = TRANSIT_ACCESS_MODE_FIELD


class IsochroneQuerySchema(Schema):
    """``GET /api/v1/isochrones`` query string."""

    lon = fields.Float(required=True, validate=validate.Range(-180, 180))
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    minutes = fields.String(
        load_default="15,30", metadata={"description": "comma-separated budgets in minutes"}
    )
    mode = fields.String(metadata={"description": "drive, bike, walk or transit"})
    departure = TRANSIT_DEPARTURE_FIELD
    window_minutes = TRANSIT_WINDOW_FIELD
    statistic = TRANSIT_STATISTIC_FIELD
    access_mode = TRANSIT_ACCESS_MODE_FIELD


def _mode_from(body: Mapping[str, Any], profile: str | None, limits: IsochroneLimits) -> str:
    if profile is not None:
        if profile not in MODE_BY_PROFILE:
            msg = f"unknown profile {profile!r}"
            raise InvalidParameterError("profile", msg, allowed=MODE_BY_PROFILE)
        return MODE_BY_PROFILE[profile]
    mode = body.get("mode")
    if mode is not None:
        if mode in MODE_BY_PROFILE:
            return MODE_BY_PROFILE[mode]
        if mode not in (*MODES, TRANSIT):
            msg = f"unknown mode {mode!r}"
            raise InvalidParameterError("mode", msg, allowed=[*MODES, TRANSIT, *MODE_BY_PROFILE])
        return str(mode)
    return limits.default_mode


def _budgets_s(
    ranges: Sequence[float], interval: float | None, field: str, max_bands: int
) -> list[float]:
    if len(ranges) == 1 and interval is not None:
        top = ranges[0]
        if top / interval > max_bands:  # refuse before building millions of bands
            msg = (
                f"range {top:g} s every {interval:g} s makes {math.ceil(top / interval)} bands; "
                f"the limit is max_bands = {max_bands}"
            )
            raise LimitExceededError("interval", msg)
        budgets = [float(x) for x in np.arange(interval, top, interval)]
        budgets = [b for b in budgets if b < top - 1e-9] + [top]
    else:
        budgets = list(ranges)
    for b in budgets:
        if b <= 0:
            raise InvalidParameterError(field, f"time budgets must be > 0, got {b:g}")
    return sorted(set(budgets))


def _check_limits(
    locations: Sequence[tuple[float, float]],
    budgets_s: Sequence[float],
    limits: IsochroneLimits,
    *,
    range_field: str,
) -> None:
    if len(locations) > limits.max_locations:
        msg = (
            f"{len(locations)} locations requested; "
            f"the limit is max_locations = {limits.max_locations}"
        )
        raise LimitExceededError("locations", msg)
    if len(budgets_s) > limits.max_bands:
        msg = f"{len(budgets_s)} bands requested; the limit is max_bands = {limits.max_bands}"
        raise LimitExceededError(range_field, msg)
    if max(budgets_s) > limits.max_minutes * 60:
        msg = (
            f"a budget of {max(budgets_s) / 60:g} min is above the limit "
            f"max_minutes = {limits.max_minutes:g}"
        )
        raise LimitExceededError(range_field, msg)


def compute_deadline(settings: Settings) -> Deadline:
    """A deadline of ``[limits] compute_timeout_s`` seconds (default 10) from now."""
    limit = settings.get("limits.compute_timeout_s", 10)
    return Deadline(float(limit) if limit is not None else None)


def _rounded(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geom, lambda xy: np.round(xy, 6))


def _feature_collection(
    features: Sequence[IsochroneFeature],
    network: RoadNetwork,
    *,
    attributes: Sequence[str] = (),
    area_units: str = "m",
    query: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    out: list[dict[str, Any]] = []
    for f in features:
        props: dict[str, Any] = {
            "group_index": f.group_index,
            "value": f.value_s,
            "center": [round(f.center[0], 6), round(f.center[1], 6)],
            "mode": f.mode,
            "area_km2": round(f.area_km2, 3),
            "population": None if f.population is None else round(f.population),
            "population_by_age": (
                None
                if f.population is None or f.population_by_age is None
                else rounded_by_age(f.population_by_age, round(f.population))
            ),
        }
        if "area" in attributes:
            props["area"] = round(f.area_km2 * 1e6 * AREA_FACTOR_FROM_M2[area_units], 4)
        if "total_pop" in attributes:
            props["total_pop"] = props["population"]
        geometry = _rounded(f.geometry)
        out.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": json.loads(shapely.to_geojson(geometry)),
            }
        )
    geoms = [f.geometry for f in features if not shapely.is_empty(f.geometry)]
    bbox = [round(float(v), 6) for v in shapely.total_bounds(geoms)] if geoms else None
    info = {
        "network": network.name,
        "network_limits": network.limits,
        "main_roads_only": network.main_roads_only,
        "notice": (
            "computed on main roads only (A, N, D roads): villages and streets away from them "
            "are reached by straight access legs"
            if network.main_roads_only
            else ""
        ),
        "population_method": POPULATION_METHOD,
    }
    metadata = {
        "attribution": str(network.G.graph.get("attribution", "")),
        "service": "isochrones",
        "timestamp": int(datetime.now(tz=UTC).timestamp() * 1000),
        "query": dict(query or {}),
        "engine": {"name": "geoservice", "version": __version__},
    }
    return {
        "type": "FeatureCollection",
        "bbox": bbox,
        "features": out,
        "info": info,
        "metadata": metadata,
    }


def _road_isochrones(
    settings: Settings,
    network: RoadNetwork,
    locations: Sequence[tuple[float, float]],
    budgets_s: Sequence[float],
    mode: str,
) -> list[IsochroneFeature]:
    """Road-mode bands with the population index and the request's compute deadline."""
    return compute_isochrones(
        network,
        locations,
        budgets_s,
        mode,
        population=population_index(),
        deadline=compute_deadline(settings),
    )


def isochrones_from_query(args: Mapping[str, Any]) -> dict[str, Any]:
    """Answer ``?lon=&lat=&minutes=15,30&mode=`` (the GET route and the isochrone map)."""
    runtime = get_runtime()
    limits = IsochroneLimits.from_settings(runtime.settings)
    mode = _mode_from(args, None, limits)
    try:
        minutes = [float(m) for m in str(args["minutes"]).split(",") if m.strip()]
    except ValueError as e:
        msg = f"minutes must be comma-separated numbers, got {args['minutes']!r}"
        raise InvalidParameterError("minutes", msg) from e
    if not minutes or not all(math.isfinite(m) for m in minutes):
        raise InvalidParameterError("minutes", f"no valid minutes in {args['minutes']!r}")
    budgets = _budgets_s([m * 60 for m in minutes], None, "minutes", limits.max_bands)
    locations = [(args["lon"], args["lat"])]
    _check_limits(locations, budgets, limits, range_field="minutes")
    if mode == TRANSIT:
        return _transit_collection(args, locations, budgets, range_field="minutes")
    network = road_network_or_error(runtime)
    features = _road_isochrones(runtime.settings, network, locations, budgets, mode)
    return _feature_collection(
        features,
        network,
        query={"lon": args["lon"], "lat": args["lat"], "mode": mode, "minutes": minutes},
    )


def isochrones_from_body(body: Mapping[str, Any], profile: str | None = None) -> dict[str, Any]:
    """Answer an openrouteservice-style body (used by the POST routes)."""
    runtime = get_runtime()
    limits = IsochroneLimits.from_settings(runtime.settings)
    if body["range_type"] != "time":
        msg = f"range_type {body['range_type']!r} is not supported: only time ranges (seconds)"
        raise InvalidParameterError("range_type", msg, allowed=["time"])
    if body["location_type"] != "start":
        msg = f"location_type {body['location_type']!r} is not supported"
        raise InvalidParameterError("location_type", msg, allowed=["start"])
    if body["intersections"]:
        raise InvalidParameterError("intersections", "intersections are not supported")
    unknown = sorted(set(body["attributes"]) - set(ORS_ATTRIBUTES))
    if unknown:
        msg = f"unsupported attribute(s) {', '.join(unknown)}"
        raise InvalidParameterError("attributes", msg, allowed=ORS_ATTRIBUTES)
    mode = _mode_from(body, profile, limits)
    budgets = _budgets_s(body["range"], body.get("interval"), "range", limits.max_bands)
    locations = list(body["locations"])
    _check_limits(locations, budgets, limits, range_field="range")
    if mode == TRANSIT:
        return _transit_collection(body, locations, budgets, range_field="range")
    network = road_network_or_error(runtime)
    features = _road_isochrones(runtime.settings, network, locations, budgets, mode)
    query = {
        "locations": [list(loc) for loc in locations],
        "range": budgets,
        "range_type": "time",
        "profile": profile or mode,
    }
    if "id" in body:
        query["id"] = body["id"]
    return _feature_collection(
        features,
        network,
        attributes=body["attributes"],
        area_units=body["area_units"],
        query=query,
    )


def _transit_collection(
    args: Mapping[str, Any],
    locations: Sequence[tuple[float, float]],
    budgets_s: Sequence[float],
    *,
    range_field: str,
) -> dict[str, Any]:
    """Transit bands of every location (``group_index`` = location position)."""
    features: list[dict[str, Any]] = []
    document: dict[str, Any] = {}
    for group, (lon, lat) in enumerate(locations):
        document = transit_isochrone_document(
            lon,
            lat,
            list(budgets_s),
            args.get("departure"),
            window_minutes=args.get("window_minutes"),
            statistic=str(args.get("statistic", "median")),
            access_mode=str(args.get("access_mode", "walk")),
            range_field=range_field,
        )
        for feature in document["features"]:
            feature["properties"] = {
                "group_index": group,
                "center": [round(lon, 6), round(lat, 6)],
                **feature["properties"],
            }
            features.append(feature)
    document["features"] = features
    return document


@blp.route("")
class Isochrones(MethodView):
    @blp.arguments(IsochroneQuerySchema, location="query")
    @blp.response(200)
    @blp.doc(**json_response_doc(ISOCHRONE_COLLECTION, ISOCHRONE_EXAMPLE))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Isochrone bands around one point: ``?lon=&lat=&minutes=15,30&mode=drive``.

        ``mode=transit`` needs ``departure`` (ISO 8601) and takes ``window_minutes``,
        ``statistic`` and ``access_mode`` as ``/transit/isochrones`` does; its answer says
        which timetable day was used (``service_date``).
        """
        return isochrones_from_query(args)

    @blp.arguments(IsochroneBodySchema, location="json")
    @blp.response(200)
    @blp.doc(**json_response_doc(ISOCHRONE_COLLECTION, ISOCHRONE_EXAMPLE))
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Isochrones for an openrouteservice-style body (``profile`` or ``mode``)."""
        return isochrones_from_body(body, body.get("profile"))


@ors_blp.route("/isochrones/<string:profile>")
class OrsIsochrones(MethodView):
    @ors_blp.arguments(IsochroneBodySchema, location="json")
    @ors_blp.response(200)
    @ors_blp.doc(**json_response_doc(ISOCHRONE_COLLECTION, ISOCHRONE_EXAMPLE))
    def post(self, body: dict[str, Any], profile: str) -> dict[str, Any]:
        """openrouteservice ``POST /v2/isochrones/{profile}``."""
        return isochrones_from_body(body, profile)


@ors_blp.route("/isochrones/<string:profile>/geojson")
class OrsIsochronesGeojson(MethodView):
    @ors_blp.arguments(IsochroneBodySchema, location="json")
    @ors_blp.response(200)
    @ors_blp.doc(**json_response_doc(ISOCHRONE_COLLECTION, ISOCHRONE_EXAMPLE))
    def post(self, body: dict[str, Any], profile: str) -> dict[str, Any]:
        """openrouteservice ``POST /v2/isochrones/{profile}/geojson``."""
        return isochrones_from_body(body, profile)
