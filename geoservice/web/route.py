"""``GET /api/v1/route``: the door-to-door path from one point to another, as GeoJSON.

Road modes answer a Feature whose LineString runs origin → access leg → roads → egress leg →
destination, with the time, the distance and the roads used (ref and class). ``mode=transit``
answers a FeatureCollection of legs (access, rides with their line and stops, transfers,
walk), each a straight line between its ends: the timetable holds no shapes. Times equal the
matrix's and ``/reachable``'s for the same pair, to the second.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from geoservice.analytics.od_matrix import Place, PlaceResolver, road_leg, targets_from_xy
from geoservice.core.geojson import geometry_to_geojson
from geoservice.core.network import MODES
from geoservice.core.raptor import Leg
from geoservice.core.timetable import Timetable
from geoservice.core.transit_reachable import transit_offer_times
from geoservice.errors import InvalidParameterError
from geoservice.web.blueprint import Blueprint
from geoservice.web.context import get_runtime
from geoservice.web.matrix_request import place_resolver
from geoservice.web.origins import TRANSIT, network_info
from geoservice.web.problems import request_fields
from geoservice.web.routing_examples import ROUTING_EXAMPLES
from geoservice.web.transit import timetable_or_error
from geoservice.web.transit_offers import (
    ACCESS_MODE_FIELD,
    DEPARTURE_FIELD,
    clock,
    itinerary_document,
    transit_document,
    transit_query_from_args,
)

blp = Blueprint(
    "route",
    __name__,
    url_prefix="/route",
    description="The door-to-door path between two points (road modes or transit).",
)


class RouteQuerySchema(Schema):
    from_ = fields.String(
        data_key="from",
        required=True,
        metadata={"description": "origin, 'lon,lat' in degrees (EPSG:4326)"},
    )
    to = fields.String(required=True, metadata={"description": "destination, 'lon,lat' in degrees"})
    mode = fields.String(
        load_default="drive",
        validate=validate.OneOf([*MODES, TRANSIT]),
        metadata={"description": "drive, bike, walk or transit (needs departure)"},
    )
    departure = DEPARTURE_FIELD
    access_mode = ACCESS_MODE_FIELD


def place_from_text(resolver: PlaceResolver, text: str, field: str) -> Place:
    """``'lon,lat'`` → a place (400 naming `field`)."""
    parts = text.split(",")
    try:
        lon, lat = (float(p) for p in parts)
    except ValueError as e:
        msg = f"{field} must be 'lon,lat' in degrees, got {text!r}"
        raise InvalidParameterError(field, msg) from e
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InvalidParameterError(field, f"{field} must be finite numbers, got {text!r}")
    return resolver.place([lon, lat], field)


def road_route_feature(resolver: PlaceResolver, mode: str, start: Place, end: Place) -> Any:
    """The road path as a GeoJSON Feature (LineString, EPSG:4326)."""
    path = road_leg(resolver, mode, start, end)
    route = path.route
    return {
        "type": "Feature",
        "geometry": geometry_to_geojson(route.geometry),  # type: ignore[arg-type]
        "properties": {
            "mode": mode,
            "from": start.document(),
            "to": end.document(),
            "travel_time_s": round(route.travel_time_s, 1),
            "travel_time_min": round(route.travel_time_s / 60, 1),
            "distance_m": round(route.distance_m),
            "legs": {
                "access_s": round(route.access_s, 1),
                "network_s": round(route.network_s, 1),
                "egress_s": round(route.egress_s, 1),
            },
            "route_refs": list(route.route_refs),
            "roads": [
                {
                    "ref": use.ref,
                    "highway": use.highway,
                    "distance_m": round(use.distance_m),
                    "travel_time_s": round(use.travel_time_s, 1),
                }
                for use in path.roads
            ],
        },
    }


def _leg_line(
    tt: Timetable, leg: Leg, doc: dict[str, Any], start: Place, end: Place, first: bool
) -> Any:
    def point(stop: str | None, at_start: bool) -> list[float]:
        if stop is not None:
            i = tt.stop_index[stop]
            return [round(float(tt.stop_lon[i]), 6), round(float(tt.stop_lat[i]), 6)]
        place = start if at_start else end
        return [round(place.lon, 6), round(place.lat, 6)]

    stops = doc.get("stops") or []
    if len(stops) >= 2:  # a ride: through the stops it serves
        return {"type": "LineString", "coordinates": [point(s, False) for s in stops]}
    return {
        "type": "LineString",
        "coordinates": [point(leg.from_stop, first), point(leg.to_stop, False)],
    }


def transit_route_collection(
    resolver: PlaceResolver, args: dict[str, Any], start: Place, end: Place
) -> dict[str, Any]:
    """The transit itinerary as a FeatureCollection of legs."""
    tt = timetable_or_error()
    query = transit_query_from_args(args.get("departure"), args.get("access_mode"))
    targets = targets_from_xy(resolver.network, [(end.x_m, end.y_m)], ["to"])
    with request_fields(location="from", mode="access_mode"):
        times = transit_offer_times(
            tt,
            targets,
            query.access_mode,
            start.x_m,
            start.y_m,
            query.start_s,
            query.day,
            limit_s=np.inf,
        )
    total = float(times.travel_time_s[0])
    legs = times.legs(0)
    documents = itinerary_document(tt, legs, query.day)
    features = [
        {
            "type": "Feature",
            "geometry": _leg_line(tt, leg, doc, start, end, k == 0),
            "properties": doc,
        }
        for k, (leg, doc) in enumerate(zip(legs, documents, strict=True))
    ]
    reached = math.isfinite(total)
    return {
        "type": "FeatureCollection",
        "properties": {
            "mode": TRANSIT,
            "from": start.document(),
            "to": end.document(),
            "travel_time_s": round(total, 1) if reached else None,
            "travel_time_min": round(total / 60, 1) if reached else None,
            "arrival": clock(query.day, query.start_s + total) if reached else None,
            "transit": transit_document(times, query, start),
            "geometry": "straight lines between stops and leg ends (the timetable has no shapes)",
        },
        "features": features,
    }


_FEATURE_DOC: dict[str, Any] = {
    "type": "object",
    "required": ["type"],
    "properties": {
        "type": {"enum": ["Feature", "FeatureCollection"]},
        "geometry": {"type": ["object", "null"]},
        "properties": {"type": "object"},
        "features": {"type": "array", "items": {"type": "object"}},
    },
}


@blp.route("")
class RouteView(MethodView):
    @blp.arguments(RouteQuerySchema, location="query")
    @blp.response(200)
    @blp.doc(
        responses={
            "200": {
                "content": {
                    "application/json": {
                        "schema": _FEATURE_DOC,
                        "example": ROUTING_EXAMPLES["route"],
                    }
                }
            }
        }
    )
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Door-to-door path ``?from=lon,lat&to=lon,lat&mode=drive`` as GeoJSON."""
        runtime = get_runtime()
        resolver = place_resolver(runtime)
        start = place_from_text(resolver, args["from_"], "from")
        end = place_from_text(resolver, args["to"], "to")
        mode = str(args["mode"])
        if mode == TRANSIT:
            document = transit_route_collection(resolver, args, start, end)
        else:
            document = road_route_feature(resolver, mode, start, end)
        if runtime.network is not None:
            document["properties"]["info"] = network_info(runtime.network)
        return document
