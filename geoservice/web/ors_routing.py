"""openrouteservice matrix and directions: ``POST /ors/v2/matrix/<profile>[/json]`` and
``POST /ors/v2/directions/<profile>[/json|/geojson]``.

The ORS request and answer shapes, so that openrouteservice-py (``distance_matrix``,
``directions``) and routingpy's ORS router work with their base URL set to
``http://HOST:PORT/ors``. Times and distances are the service's own (``/api/v1/matrix`` and
``/api/v1/route``): door to door, through the same access and egress legs. Directions have
one segment per pair of consecutive waypoints, no turn-by-turn steps (``steps`` is empty),
and the geometry as Google's encoded polyline (JSON, precision 5, lat/lon) or GeoJSON.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate

from geoservice import __version__
from geoservice.analytics.od_matrix import (
    MatrixOptions,
    Place,
    PlaceResolver,
    compute_matrix,
    road_leg,
)
from geoservice.core.directions import encode_polyline
from geoservice.core.geojson import geometry_to_geojson
from geoservice.core.snapping import wgs84_from_lambert93
from geoservice.errors import InvalidParameterError, LimitExceededError
from geoservice.web.blueprint import Blueprint
from geoservice.web.context import get_runtime
from geoservice.web.isochrone_schemas import LocationField
from geoservice.web.isochrones import MODE_BY_PROFILE
from geoservice.web.matrix_request import MatrixLimits, nullable, place_resolver
from geoservice.web.routing_examples import ROUTING_EXAMPLES

ors_routing_blp = Blueprint(
    "ors_routing",
    __name__,
    url_prefix="/ors/v2",
    description="openrouteservice-compatible matrix and directions (profiles driving-car, "
    "cycling-regular, foot-walking).",
)

#: Metres per unit of openrouteservice's ``units``.
METRES_PER_UNIT: Mapping[str, float] = {"m": 1.0, "km": 1000.0, "mi": 1609.344}


class IndexListField(fields.Field):
    """``"all"``, ``["all"]`` or a list of indices into ``locations``."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if value == "all" or value == ["all"]:
            return None
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value
        ):
            raise ValidationError('a list of location indices (integers >= 0) or "all"')
        return list(value)


class OrsMatrixBodySchema(Schema):
    locations = fields.List(
        LocationField(),
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "[lon, lat] pairs, degrees"},
    )
    sources = IndexListField(metadata={"description": 'indices into locations, or "all"'})
    destinations = IndexListField(metadata={"description": 'indices into locations, or "all"'})
    metrics = fields.List(
        fields.String(validate=validate.OneOf(["duration", "distance"])),
        load_default=["duration"],
    )
    units = fields.String(load_default="m", validate=validate.OneOf(list(METRES_PER_UNIT)))
    resolve_locations = fields.Boolean(load_default=False)
    optimized = fields.Raw(metadata={"description": "accepted, ignored (ORS engine option)"})
    profile = fields.String(metadata={"description": "ignored: the URL's profile is used"})
    id = fields.String()


class OrsDirectionsBodySchema(Schema):
    coordinates = fields.List(
        LocationField(),
        required=True,
        validate=validate.Length(min=2),
        metadata={"description": "waypoints, [lon, lat] degrees"},
    )
    preference = fields.String(
        load_default="fastest",
        validate=validate.OneOf(["fastest", "recommended"]),
        metadata={"description": "fastest (recommended is taken as fastest)"},
    )
    units = fields.String(load_default="m", validate=validate.OneOf(list(METRES_PER_UNIT)))
    geometry = fields.Boolean(load_default=True)
    instructions = fields.Boolean(
        load_default=True, metadata={"description": "accepted; no turn-by-turn steps are given"}
    )
    language = fields.String(metadata={"description": "accepted, ignored (no instructions)"})
    instructions_format = fields.String(metadata={"description": "accepted, ignored"})
    geometry_simplify = fields.Boolean(metadata={"description": "accepted, ignored"})
    suppress_warnings = fields.Boolean()
    optimized = fields.Raw(metadata={"description": "accepted, ignored (ORS engine option)"})
    elevation = fields.Boolean(validate=validate.Equal(False))
    profile = fields.String(metadata={"description": "ignored: the URL's profile is used"})
    id = fields.String()


def mode_from_profile(profile: str) -> str:
    """Our road mode of an ORS profile (400 naming ``profile`` when unknown)."""
    if profile not in MODE_BY_PROFILE:
        msg = f"unknown profile {profile!r}"
        raise InvalidParameterError("profile", msg, allowed=MODE_BY_PROFILE)
    return MODE_BY_PROFILE[profile]


def _metadata(query: Mapping[str, Any], service: str) -> dict[str, Any]:
    runtime = get_runtime()
    network = runtime.network
    attribution = str(network.G.graph.get("attribution", "")) if network is not None else ""
    return {
        "attribution": attribution,
        "service": service,
        "timestamp": int(time.time() * 1000),
        "query": dict(query),
        "engine": {"version": f"geoservice {__version__}"},
    }


def _snapped(resolver: PlaceResolver, mode: str, place: Place, resolve: bool) -> dict[str, Any]:
    net = resolver.network.mode(mode)
    snap = net.index.snap(place.x_m, place.y_m, 1, field=place.field)
    node = int(snap.positions[0])
    lon, lat = wgs84_from_lambert93(net.x_m[node], net.y_m[node])
    out: dict[str, Any] = {
        "location": [round(float(lon), 6), round(float(lat), 6)],
        "snapped_distance": round(float(snap.distances_m[0]), 2),
    }
    if resolve:
        out["name"] = ""
    return out


def ors_matrix(body: Mapping[str, Any], profile: str) -> dict[str, Any]:
    """The openrouteservice matrix answer of `body`."""
    runtime = get_runtime()
    mode = mode_from_profile(profile)
    locations = list(body["locations"])
    sources = body.get("sources")
    destinations = body.get("destinations")
    src = list(range(len(locations))) if sources is None else sources
    dst = list(range(len(locations))) if destinations is None else destinations
    for name, indices in (("sources", src), ("destinations", dst)):
        bad = [i for i in indices if i >= len(locations)]
        if bad:
            msg = f"index {bad[0]} is beyond the {len(locations)} locations"
            raise InvalidParameterError(name, msg)
    MatrixLimits.from_settings(runtime.settings).check_pairs(
        len(src), len(dst), csv=False, field="locations"
    )
    resolver = place_resolver(runtime)
    places = [resolver.place(list(loc), f"locations[{i}]") for i, loc in enumerate(locations)]
    origins = [places[i] for i in src]
    targets = [places[i] for i in dst]
    result = compute_matrix(resolver, origins, targets, MatrixOptions(mode=mode))
    out: dict[str, Any] = {}
    metrics = list(dict.fromkeys(body["metrics"]))
    if "duration" in metrics:
        out["durations"] = nullable(result.travel_time_s, 2)
    if "distance" in metrics and result.distance_m is not None:
        out["distances"] = nullable(result.distance_m / METRES_PER_UNIT[body["units"]], 2)
    resolve = bool(body["resolve_locations"])
    out["sources"] = [_snapped(resolver, mode, p, resolve) for p in origins]
    out["destinations"] = [_snapped(resolver, mode, p, resolve) for p in targets]
    query = {
        "locations": [list(loc) for loc in locations],
        "profile": profile,
        "responseType": "json",
        "metrics": metrics,
        "units": body["units"],
    }
    if sources is not None:
        query["sources"] = sources
    if destinations is not None:
        query["destinations"] = destinations
    if "id" in body:
        query["id"] = body["id"]
        out["id"] = body["id"]
    out["metadata"] = _metadata(query, "matrix")
    return out


def _bbox(coordinates: Sequence[Sequence[float]]) -> list[float]:
    arr = np.asarray(coordinates, dtype=float)
    return [
        round(float(arr[:, 0].min()), 6),
        round(float(arr[:, 1].min()), 6),
        round(float(arr[:, 0].max()), 6),
        round(float(arr[:, 1].max()), 6),
    ]


def ors_directions(body: Mapping[str, Any], profile: str, fmt: str) -> dict[str, Any]:
    """The openrouteservice directions answer of `body` (``json`` or ``geojson``)."""
    runtime = get_runtime()
    mode = mode_from_profile(profile)
    limits = MatrixLimits.from_settings(runtime.settings)
    waypoints = list(body["coordinates"])
    if len(waypoints) > limits.max_waypoints:
        msg = f"{len(waypoints)} waypoints exceed [matrix] max_waypoints = {limits.max_waypoints}"
        raise LimitExceededError("coordinates", msg)
    resolver = place_resolver(runtime)
    places = [resolver.place(list(c), f"coordinates[{i}]") for i, c in enumerate(waypoints)]
    unit = METRES_PER_UNIT[body["units"]]
    coords: list[list[float]] = []
    way_points = [0]
    segments = []
    total_s = total_m = 0.0
    for start, end in itertools.pairwise(places):
        route = road_leg(resolver, mode, start, end).route
        line = geometry_to_geojson(route.geometry)  # type: ignore[arg-type]
        part = [list(c) for c in (line or {}).get("coordinates", [])]
        if coords and part and part[0] == coords[-1]:
            part = part[1:]
        coords.extend(part)
        way_points.append(len(coords) - 1)
        total_s += route.travel_time_s
        total_m += route.distance_m
        segments.append(
            {
                "distance": round(route.distance_m / unit, 2),
                "duration": round(route.travel_time_s, 1),
                "steps": [],
            }
        )
    summary = {"distance": round(total_m / unit, 2), "duration": round(total_s, 1)}
    bbox = _bbox(coords)
    query = {
        "coordinates": [list(c) for c in waypoints],
        "profile": profile,
        "format": fmt,
        "units": body["units"],
    }
    if "id" in body:
        query["id"] = body["id"]
    metadata = _metadata(query, "routing")
    if fmt == "geojson":
        feature: dict[str, Any] = {
            "bbox": bbox,
            "type": "Feature",
            "properties": {"segments": segments, "summary": summary, "way_points": way_points},
            "geometry": {"type": "LineString", "coordinates": coords},
        }
        if not body["geometry"]:
            feature.pop("geometry")
        return {
            "type": "FeatureCollection",
            "bbox": bbox,
            "features": [feature],
            "metadata": metadata,
        }
    route_doc: dict[str, Any] = {
        "summary": summary,
        "segments": segments,
        "bbox": bbox,
        "way_points": way_points,
    }
    if body["geometry"]:
        route_doc["geometry"] = encode_polyline(coords)
    return {"bbox": bbox, "routes": [route_doc], "metadata": metadata}


def _doc(example: Any) -> dict[str, Any]:
    return {
        "responses": {
            "200": {
                "content": {"application/json": {"schema": {"type": "object"}, "example": example}}
            }
        }
    }


@ors_routing_blp.route("/matrix/<string:profile>")
class OrsMatrix(MethodView):
    @ors_routing_blp.arguments(
        OrsMatrixBodySchema, location="json", example=ROUTING_EXAMPLES["ors_matrix_request"]
    )
    @ors_routing_blp.response(200)
    @ors_routing_blp.doc(**_doc(ROUTING_EXAMPLES["ors_matrix"]))
    def post(self, body: dict[str, Any], profile: str) -> dict[str, Any]:
        """openrouteservice ``POST /v2/matrix/{profile}``: durations (s), distances."""
        return ors_matrix(body, profile)


@ors_routing_blp.route("/matrix/<string:profile>/json")
class OrsMatrixJson(MethodView):
    @ors_routing_blp.arguments(
        OrsMatrixBodySchema, location="json", example=ROUTING_EXAMPLES["ors_matrix_request"]
    )
    @ors_routing_blp.response(200)
    @ors_routing_blp.doc(**_doc(ROUTING_EXAMPLES["ors_matrix"]))
    def post(self, body: dict[str, Any], profile: str) -> dict[str, Any]:
        """openrouteservice ``POST /v2/matrix/{profile}/json`` (what the clients call)."""
        return ors_matrix(body, profile)


@ors_routing_blp.route("/directions/<string:profile>")
class OrsDirections(MethodView):
    @ors_routing_blp.arguments(
        OrsDirectionsBodySchema,
        location="json",
        example=ROUTING_EXAMPLES["ors_directions_request"],
    )
    @ors_routing_blp.response(200)
    @ors_routing_blp.doc(**_doc(ROUTING_EXAMPLES["ors_directions"]))
    def post(self, body: dict[str, Any], profile: str) -> dict[str, Any]:
        """openrouteservice ``POST /v2/directions/{profile}``: routes with encoded polylines."""
        return ors_directions(body, profile, "json")


@ors_routing_blp.route("/directions/<string:profile>/json")
class OrsDirectionsJson(MethodView):
    @ors_routing_blp.arguments(
        OrsDirectionsBodySchema,
        location="json",
        example=ROUTING_EXAMPLES["ors_directions_request"],
    )
    @ors_routing_blp.response(200)
    @ors_routing_blp.doc(**_doc(ROUTING_EXAMPLES["ors_directions"]))
    def post(self, body: dict[str, Any], profile: str) -> dict[str, Any]:
        """openrouteservice ``POST /v2/directions/{profile}/json``."""
        return ors_directions(body, profile, "json")


@ors_routing_blp.route("/directions/<string:profile>/geojson")
class OrsDirectionsGeojson(MethodView):
    @ors_routing_blp.arguments(
        OrsDirectionsBodySchema,
        location="json",
        example=ROUTING_EXAMPLES["ors_directions_request"],
    )
    @ors_routing_blp.response(200)
    @ors_routing_blp.doc(**_doc(ROUTING_EXAMPLES["ors_directions_geojson"]))
    def post(self, body: dict[str, Any], profile: str) -> dict[str, Any]:
        """openrouteservice ``POST /v2/directions/{profile}/geojson``: a FeatureCollection."""
        return ors_directions(body, profile, "geojson")
