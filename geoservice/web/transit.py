"""Public transport queries.

``GET /api/v1/transit/earliest``: earliest arrival at every reached stop from a stop or point.
``GET /api/v1/transit/isochrones``: an alias of ``GET /api/v1/isochrones?mode=transit``.
``GET /api/v1/transit/latest``: latest departure from every stop to arrive at a stop or point
by a given time ("leave by when?").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate, validates_schema

from geoservice.core.raptor import (
    UNREACHED,
    EarliestArrival,
    earliest_arrival,
    earliest_arrival_window,
)
from geoservice.core.raptor_reverse import latest_departure
from geoservice.core.snapping import lambert93_from_wgs84
from geoservice.core.timetable import Timetable
from geoservice.core.transit_access import road_access_s, walk_access_s
from geoservice.errors import InvalidParameterError, LimitExceededError
from geoservice.web.blueprint import Blueprint
from geoservice.web.context import get_runtime
from geoservice.web.isochrone_schemas import TransitIsochroneQuerySchema
from geoservice.web.isochrones import isochrones_from_query
from geoservice.web.itineraries import (
    LegSchema,
    ServiceDateSchema,
    clock_iso,
    leg_document,
    service_date_document,
)
from geoservice.web.openapi_docs import (
    ISOCHRONE_COLLECTION,
    ISOCHRONE_EXAMPLE,
    json_response_doc,
)
from geoservice.web.openapi_examples import EXAMPLES
from geoservice.web.problems import request_fields
from geoservice.web.transit_coverage import access_document
from geoservice.web.transit_requests import (
    LOCAL_DATETIME_FIELD,
    check_stop_or_point,
    local_moment,
    timetable_or_error,
)

blp = Blueprint(
    "transit",
    __name__,
    url_prefix="/transit",
    description="Public transport (SNCF TER trains and coaches, GTFS) with walking access",
)


class EarliestArgs(Schema):
    from_stop = fields.String(
        metadata={"description": "Stop or station id (e.g. ter:StopArea:OCE87696005, Nevers)"}
    )
    lon = fields.Float(validate=validate.Range(-180, 180), metadata={"description": "WGS 84"})
    lat = fields.Float(validate=validate.Range(-90, 90), metadata={"description": "WGS 84"})
    departure = LOCAL_DATETIME_FIELD
    window_minutes = fields.Integer(
        validate=validate.Range(min=1),
        metadata={"description": "Departure window: best and median over every minute"},
    )
    max_rides = fields.Integer(validate=validate.Range(min=1, max=12))
    access_mode = fields.String(
        load_default="walk",
        metadata={"description": "To the first stop over the road network: walk, bike, drive"},
    )

    @validates_schema
    def _one_origin(self, data: Mapping[str, Any], **_: Any) -> None:
        check_stop_or_point(data, "from_stop")


class StopArrivalSchema(Schema):
    stop_id = fields.String()
    name = fields.String()
    station_id = fields.String()
    lon = fields.Float()
    lat = fields.Float()
    arrival = fields.String(metadata={"description": "Of the best departure (ISO 8601)"})
    travel_time_s = fields.Integer(metadata={"description": "Best over the window"})
    median_travel_time_s = fields.Integer(
        allow_none=True, metadata={"description": "Window only; null if reached < half the time"}
    )
    rides = fields.Integer()
    legs = fields.List(fields.Nested(LegSchema))


class EarliestResponse(Schema):
    service_date = fields.Nested(ServiceDateSchema)
    departure = fields.String()
    window_minutes = fields.Integer(allow_none=True)
    access_stops = fields.Integer(metadata={"description": "Stops reachable by the access walk"})
    access_limit = fields.String()
    nearest_stop = fields.Dict(
        allow_none=True, metadata={"description": "from a point: the nearest stop, distance_m"}
    )
    hint = fields.String(metadata={"description": "from a point with no stop in reach"})
    stops = fields.List(fields.Nested(StopArrivalSchema))


class LatestArgs(Schema):
    to_stop = fields.String(
        metadata={"description": "Stop or station id (e.g. ter:StopArea:OCE87696146, Cosne)"}
    )
    lon = fields.Float(validate=validate.Range(-180, 180), metadata={"description": "WGS 84"})
    lat = fields.Float(validate=validate.Range(-90, 90), metadata={"description": "WGS 84"})
    arrive_by = LOCAL_DATETIME_FIELD
    max_rides = fields.Integer(validate=validate.Range(min=1, max=12))
    access_mode = fields.String(
        load_default="walk",
        metadata={"description": "From the last stop over the road network: walk, bike, drive"},
    )

    @validates_schema
    def _one_target(self, data: Mapping[str, Any], **_: Any) -> None:
        check_stop_or_point(data, "to_stop")


class StopDepartureSchema(Schema):
    stop_id = fields.String()
    name = fields.String()
    station_id = fields.String()
    lon = fields.Float()
    lat = fields.Float()
    departure = fields.String(metadata={"description": "Latest departure (ISO 8601)"})
    legs = fields.List(fields.Nested(LegSchema))


class LatestResponse(Schema):
    service_date = fields.Nested(ServiceDateSchema)
    arrive_by = fields.String()
    egress_stops = fields.Integer(metadata={"description": "Stops within the egress walk"})
    access_limit = fields.String()
    nearest_stop = fields.Dict(
        allow_none=True, metadata={"description": "to a point: the nearest stop, distance_m"}
    )
    hint = fields.String(metadata={"description": "to a point with no stop in reach"})
    stops = fields.List(fields.Nested(StopDepartureSchema))


def _access(tt: Timetable, args: Mapping[str, Any], field: str = "from_stop") -> dict[str, float]:
    """Seconds between the request's stop / station or point and the stops in reach."""
    if field in args:
        stops = tt.stops_of_station(args[field])
        if not stops:
            msg = f"unknown stop or station id {args[field]!r}"
            raise InvalidParameterError(field, msg)
        return {tt.stop_ids[i]: 0.0 for i in stops}
    x, y = lambert93_from_wgs84(args["lon"], args["lat"])
    network = get_runtime().network
    mode = args.get("access_mode", "walk")
    if network is not None:
        with request_fields(mode="access_mode"):
            mode_net = network.mode(mode)
        return {k: float(v) for k, v in road_access_s(tt, mode_net, float(x), float(y)).items()}
    if mode != "walk":
        msg = f"access_mode {mode!r} needs the road network, which is not loaded"
        raise InvalidParameterError("access_mode", msg, allowed=["walk"])
    return {k: float(v) for k, v in walk_access_s(tt, float(x), float(y)).items()}


def _point_access(
    tt: Timetable, args: Mapping[str, Any], n_stops: int, mode: str, stop_field: str
) -> dict[str, Any]:
    """``access_stops``, and for a point (not a stop): the nearest stop and, when no stop is
    in reach, a ``hint`` (:func:`geoservice.web.transit_coverage.access_document`)."""
    if stop_field in args:
        return {"access_stops": n_stops}
    x, y = lambert93_from_wgs84(args["lon"], args["lat"])
    return access_document(tt, float(x), float(y), n_stops, mode)


def _stop_entry(
    tt: Timetable, search: EarliestArrival, stop: int, day: date, travel_s: int, access_mode: str
) -> dict[str, Any]:
    return {
        "stop_id": tt.stop_ids[stop],
        "name": tt.stop_names[stop],
        "station_id": tt.stop_station[stop],
        "lon": float(tt.stop_lon[stop]),
        "lat": float(tt.stop_lat[stop]),
        "arrival": clock_iso(day, int(search.arrival_s[stop])),
        "travel_time_s": travel_s,
        "median_travel_time_s": None,
        "rides": int(search.rides[stop]),
        "legs": [leg_document(tt, leg, day, access_mode) for leg in search.legs_to(stop)],
    }


@blp.route("/earliest")
class Earliest(MethodView):
    @blp.arguments(EarliestArgs, location="query")
    @blp.response(200, EarliestResponse, example=EXAMPLES["transit_earliest"])
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Earliest arrival at every reached stop, with itineraries.

        The origin is a stop / station id, or a point walked from (straight line × detour at
        walking speed, within the configured access distance). With `window_minutes`, every
        departure minute of the window is considered: `travel_time_s` is the best travel time
        and `median_travel_time_s` the median over the minutes. Dates outside the timetable
        validity use the same weekday of a reference week: `service_date.reason` says which.
        """
        tt = timetable_or_error()
        departure, day, start_s = local_moment(args["departure"], "departure")
        window = args.get("window_minutes")
        if window is not None and window > tt.params.max_window_minutes:
            raise LimitExceededError(
                "window_minutes",
                f"window_minutes {window} is above the limit {tt.params.max_window_minutes}",
            )
        access = _access(tt, args)
        mode = args["access_mode"] if "from_stop" not in args else "walk"
        max_rides = args.get("max_rides")
        entries: list[dict[str, Any]] = []
        if window is None:
            search = earliest_arrival(tt, access, start_s, day, max_rides=max_rides)
            service = search.service_date
            for stop in range(tt.n_stops):
                if search.arrival_s[stop] < UNREACHED:
                    travel = int(search.arrival_s[stop]) - start_s
                    entries.append(_stop_entry(tt, search, stop, day, travel, mode))
        else:
            result = earliest_arrival_window(tt, access, start_s, window, day, max_rides=max_rides)
            service = result.service_date
            for stop in range(tt.n_stops):
                best = int(result.best_travel_time_s[stop])
                best_search = result.best_search_for(stop) if best < UNREACHED else None
                if best_search is None:
                    continue
                entry = _stop_entry(tt, best_search, stop, day, best, mode)
                entry["arrival"] = clock_iso(day, int(result.best_departure_s[stop]) + best)
                median = int(result.median_travel_time_s[stop])
                entry["median_travel_time_s"] = median if median < UNREACHED else None
                entries.append(entry)
        entries.sort(key=lambda e: (e["travel_time_s"], e["stop_id"]))
        return {
            "service_date": service_date_document(service),
            "departure": departure.isoformat(),
            "window_minutes": window,
            **_point_access(tt, args, len(access), mode, "from_stop"),
            "stops": entries,
        }


@blp.route("/latest")
class Latest(MethodView):
    @blp.arguments(LatestArgs, location="query")
    @blp.response(200, LatestResponse, example=EXAMPLES["transit_latest"])
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Latest departure from every stop to arrive at a stop or point by `arrive_by`.

        Each stop listed can be left (boarding a vehicle there) at `departure` at the latest;
        `legs` is that itinerary, ending with the walk to the point when one is given. Dates
        outside the timetable validity are mapped as for `/transit/earliest`.
        """
        tt = timetable_or_error()
        arrive_by, day, deadline_s = local_moment(args["arrive_by"], "arrive_by")
        egress = _access(tt, args, field="to_stop")
        mode = args["access_mode"] if "to_stop" not in args else "walk"
        result = latest_departure(tt, egress, deadline_s, day, max_rides=args.get("max_rides"))
        latest = sorted(result.latest().items(), key=lambda item: (-item[1], item[0]))
        entries = [
            {
                "stop_id": stop_id,
                "name": tt.stop_names[tt.stop_index[stop_id]],
                "station_id": tt.stop_station[tt.stop_index[stop_id]],
                "lon": float(tt.stop_lon[tt.stop_index[stop_id]]),
                "lat": float(tt.stop_lat[tt.stop_index[stop_id]]),
                "departure": clock_iso(day, dep_s),
                "legs": [
                    leg_document(tt, leg, day, mode)
                    for leg in result.legs_from(tt.stop_index[stop_id])
                ],
            }
            for stop_id, dep_s in latest
        ]
        return {
            "service_date": service_date_document(result.service_date),
            "arrive_by": arrive_by.isoformat(),
            "egress_stops": len(egress),
            **{
                k: v
                for k, v in _point_access(tt, args, len(egress), mode, "to_stop").items()
                if k != "access_stops"
            },
            "stops": entries,
        }


@blp.route("/isochrones")
class TransitIsochrones(MethodView):
    @blp.arguments(TransitIsochroneQuerySchema, location="query")
    @blp.response(200)
    @blp.doc(**json_response_doc(ISOCHRONE_COLLECTION, ISOCHRONE_EXAMPLE))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Alias of ``GET /api/v1/isochrones?mode=transit`` (same answer; default budgets 30, 60).

        Areas reached within each budget by the access mode, trains / coaches and walking: a
        GeoJSON FeatureCollection, one feature per budget (smallest first) with `value`
        (seconds), `area_km2` and `population`; `service_date` says which timetable day was
        used and why. With `window_minutes`, each stop counts with its best or median travel
        time over the departure minutes (`statistic`).
        """
        return isochrones_from_query({**args, "mode": "transit"})
