"""Public transport queries.

``GET /api/v1/transit/earliest``: earliest arrival at every reached stop from a stop or point.
``GET /api/v1/transit/isochrones``: areas reached within time budgets by access + transit + walk.
``GET /api/v1/transit/latest``: latest departure from every stop to arrive at a stop or point
by a given time ("leave by when?").
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from geoservice.core.crs import METRIC_CRS, SERVICE_CRS, transformer
from geoservice.core.isochrones import PopulationIndex
from geoservice.core.raptor import (
    UNREACHED,
    EarliestArrival,
    Leg,
    earliest_arrival,
    earliest_arrival_window,
    latest_departure,
)
from geoservice.core.snapping import geometry_to_wgs84
from geoservice.core.timetable import ServiceDate, Timetable
from geoservice.core.transit_access import road_access_s, walk_access_s
from geoservice.core.transit_isochrones import transit_isochrone_bands
from geoservice.errors import InvalidParameterError, LimitExceededError, MissingDataError
from geoservice.web.blueprint import Blueprint
from geoservice.web.context import get_runtime
from geoservice.web.openapi_docs import (
    ISOCHRONE_COLLECTION,
    ISOCHRONE_EXAMPLE,
    json_response_doc,
)
from geoservice.web.openapi_examples import EXAMPLES

#: Local time of the timetables (every agency of the TER feed uses it).
TIMEZONE = ZoneInfo("Europe/Paris")

blp = Blueprint(
    "transit",
    __name__,
    url_prefix="/transit",
    description="Public transport (SNCF TER trains and coaches, GTFS) with walking access",
)


#: A required request time (``departure``, ``arrive_by``); naive means local time.
LOCAL_DATETIME_FIELD = fields.DateTime(
    required=True,
    metadata={"description": "ISO 8601; without offset it is local time (Europe/Paris)"},
)


def check_stop_or_point(data: Mapping[str, Any], stop_field: str) -> None:
    """Exactly one of `stop_field` or the point ``lon`` + ``lat`` (ValidationError otherwise)."""
    has_point = "lon" in data or "lat" in data
    if stop_field in data and has_point:
        raise ValidationError(f"give {stop_field} or lon/lat, not both", stop_field)
    if stop_field not in data and not has_point:
        raise ValidationError(f"give {stop_field} or lon and lat", stop_field)
    if has_point and ("lon" not in data or "lat" not in data):
        raise ValidationError("lon and lat go together", "lat" if "lon" in data else "lon")


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


class ServiceDateSchema(Schema):
    requested = fields.Date()
    used = fields.Date()
    reason = fields.String()


class LegSchema(Schema):
    mode = fields.String(
        metadata={"description": "ride, walk (transfer), or the access mode: walk, bike, drive"}
    )
    from_stop = fields.String(allow_none=True)
    from_name = fields.String(allow_none=True)
    to_stop = fields.String(allow_none=True)
    to_name = fields.String(allow_none=True)
    departure = fields.String()
    arrival = fields.String()
    distance_m = fields.Float(allow_none=True)
    route_short_name = fields.String(allow_none=True)
    route_long_name = fields.String(allow_none=True)
    trip_id = fields.String(allow_none=True)
    headsign = fields.String(allow_none=True)
    stops = fields.List(fields.String())


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
    stops = fields.List(fields.Nested(StopDepartureSchema))


#: Years accepted in request datetimes (answers are computed on the requested date).
YEARS = (1900, 2200)


def local_moment(moment: datetime, field: str) -> tuple[datetime, date, int]:
    """`moment` in local time (naive = local), its date and seconds after midnight."""
    if not YEARS[0] <= moment.year <= YEARS[1]:
        msg = f"{field} year {moment.year} is outside {YEARS[0]}–{YEARS[1]}"
        raise InvalidParameterError(field, msg)
    moment = moment.astimezone(TIMEZONE) if moment.tzinfo else moment.replace(tzinfo=TIMEZONE)
    return moment, moment.date(), moment.hour * 3600 + moment.minute * 60 + moment.second


def timetable_or_error() -> Timetable:
    tt = get_runtime().transit
    if tt is None:
        raise MissingDataError("no timetable loaded: run `geoservice data build`")
    return tt


def clock_iso(day: date, seconds: int) -> str:
    """ISO datetime of `seconds` after midnight of `day`, local time."""
    return (datetime.combine(day, time(0), TIMEZONE) + timedelta(seconds=seconds)).isoformat()


def leg_document(
    tt: Timetable, leg: Leg, day: date, access_mode: str | None = None
) -> dict[str, Any]:
    """One itinerary leg as JSON; times as ISO datetimes on `day` (local time).

    With `access_mode`, access and egress legs (no stop at one end) are given that mode;
    without, the leg's own mode is kept.
    """

    def name(stop: str | None) -> str | None:
        return tt.stop_names[tt.stop_index[stop]] if stop is not None else None

    open_end = None in (leg.from_stop, leg.to_stop)
    return {
        "mode": access_mode if access_mode is not None and open_end else leg.mode,
        "from_stop": leg.from_stop,
        "from_name": name(leg.from_stop),
        "to_stop": leg.to_stop,
        "to_name": name(leg.to_stop),
        "departure": clock_iso(day, leg.departure_s),
        "arrival": clock_iso(day, leg.arrival_s),
        "distance_m": leg.distance_m,
        "route_short_name": leg.route_short_name,
        "route_long_name": leg.route_long_name,
        "trip_id": leg.trip_id,
        "headsign": leg.headsign,
        "stops": list(leg.stop_ids),
    }


def service_date_document(sd: ServiceDate) -> dict[str, Any]:
    return {"requested": sd.requested, "used": sd.used, "reason": sd.reason}


def _access(tt: Timetable, args: Mapping[str, Any], field: str = "from_stop") -> dict[str, float]:
    """Walk seconds between the request's stop / station or point and the stops in reach."""
    if field in args:
        stops = tt.stops_of_station(args[field])
        if not stops:
            msg = f"unknown stop or station id {args[field]!r}"
            raise InvalidParameterError(field, msg)
        return {tt.stop_ids[i]: 0.0 for i in stops}
    to_2154 = transformer(SERVICE_CRS, METRIC_CRS)
    x, y = to_2154.transform(args["lon"], args["lat"])
    network = get_runtime().network
    mode = args.get("access_mode", "walk")
    if network is not None:
        mode_net = network.mode(mode, field="access_mode")
        return {k: float(v) for k, v in road_access_s(tt, mode_net, x, y).items()}
    if mode != "walk":
        msg = f"access_mode {mode!r} needs the road network, which is not loaded"
        raise InvalidParameterError("access_mode", msg, allowed=["walk"])
    return {k: float(v) for k, v in walk_access_s(tt, x, y).items()}


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
            "access_stops": len(access),
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
            "stops": entries,
        }


class TransitIsochroneArgs(Schema):
    lon = fields.Float(required=True, validate=validate.Range(-180, 180))
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    minutes = fields.String(
        load_default="30,60", metadata={"description": "comma-separated budgets in minutes"}
    )
    departure = LOCAL_DATETIME_FIELD
    window_minutes = fields.Integer(
        validate=validate.Range(min=1),
        metadata={"description": "Departure window; bands use `statistic` over its minutes"},
    )
    statistic = fields.String(
        load_default="median",
        validate=validate.OneOf(["best", "median"]),
        metadata={"description": "With a window: best or median travel time per stop"},
    )
    access_mode = fields.String(
        load_default="walk",
        metadata={"description": "From the origin over the road network: walk, bike, drive"},
    )


_POPULATION_KEY = "geoservice.transit.population"


def population_index() -> PopulationIndex | None:
    """The commune population index of the current app (None without populations), cached."""
    cache = current_app.extensions
    if _POPULATION_KEY not in cache:
        communes = getattr(get_runtime(), "communes", None)
        usable = communes is not None and len(communes) > 0 and "population" in communes
        cache[_POPULATION_KEY] = PopulationIndex(communes) if usable else None
    index: PopulationIndex | None = cache[_POPULATION_KEY]
    return index


@blp.route("/isochrones")
class TransitIsochrones(MethodView):
    @blp.arguments(TransitIsochroneArgs, location="query")
    @blp.response(200)
    @blp.doc(**json_response_doc(ISOCHRONE_COLLECTION, ISOCHRONE_EXAMPLE))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Areas reached within each budget by the access mode, trains / coaches and walking.

        A GeoJSON FeatureCollection, one feature per budget (smallest first) with `value`
        (seconds), `area_km2` and `population` (areal share of communes); `service_date` says
        which timetable day was used and why. With `window_minutes`, each stop counts with
        its best or median travel time over the departure minutes (`statistic`).
        """
        minutes = minutes_from_text(args["minutes"])
        return transit_isochrone_document(
            args["lon"],
            args["lat"],
            [m * 60 for m in minutes],
            args["departure"],
            window_minutes=args.get("window_minutes"),
            statistic=args["statistic"],
            access_mode=args["access_mode"],
        )


def minutes_from_text(text: str) -> list[float]:
    """Comma-separated budgets in minutes, sorted (400 naming ``minutes`` otherwise)."""
    try:
        minutes = sorted({float(m) for m in str(text).split(",") if m.strip()})
    except ValueError as e:
        msg = f"minutes must be comma-separated numbers, got {text!r}"
        raise InvalidParameterError("minutes", msg) from e
    if not minutes or not all(math.isfinite(m) and m > 0 for m in minutes):
        raise InvalidParameterError("minutes", f"no valid minutes in {text!r}")
    return minutes


def transit_isochrone_document(
    lon: float,
    lat: float,
    budgets_s: list[float],
    departure_at: datetime | None,
    *,
    window_minutes: int | None = None,
    statistic: str = "median",
    access_mode: str = "walk",
    range_field: str = "minutes",
) -> dict[str, Any]:
    """Transit isochrone bands around a point as a GeoJSON FeatureCollection.

    Shared by ``/transit/isochrones`` and ``/isochrones?mode=transit`` (GET and POST).

    Raises
    ------
    InvalidParameterError
        `departure_at` missing (400 naming ``departure``), bad statistic.
    LimitExceededError
        Too many or too long budgets, window above the limit (422).
    """
    runtime = get_runtime()
    tt = timetable_or_error()
    network = runtime.network
    if network is None:
        raise InvalidParameterError("lon", "transit isochrones need the road network")
    if departure_at is None:
        msg = "mode transit needs a departure (ISO 8601 datetime, e.g. 2025-02-04T08:00)"
        raise InvalidParameterError("departure", msg)
    if statistic not in ("best", "median"):
        msg = f"unknown statistic {statistic!r}"
        raise InvalidParameterError("statistic", msg, allowed=["best", "median"])
    max_minutes = float(runtime.settings.get("isochrones.max_minutes", 120))
    max_bands = int(runtime.settings.get("isochrones.max_bands", 6))
    budgets = sorted(set(budgets_s))
    if not budgets or not all(math.isfinite(b) and b > 0 for b in budgets):
        raise InvalidParameterError(range_field, "time budgets must be > 0")
    minutes = [b / 60 for b in budgets]
    if len(minutes) > max_bands or minutes[-1] > max_minutes:
        msg = f"at most {max_bands} budgets of at most {max_minutes:g} minutes"
        raise LimitExceededError(range_field, msg)
    window = window_minutes
    if window is not None and not 1 <= window <= tt.params.max_window_minutes:
        raise LimitExceededError(
            "window_minutes",
            f"window_minutes {window} must be between 1 and {tt.params.max_window_minutes}",
        )
    departure, day, start_s = local_moment(departure_at, "departure")
    mode = access_mode
    access_net = network.mode(mode, field="access_mode")
    walk_net = network.mode("walk", field="access_mode")
    to_2154 = transformer(SERVICE_CRS, METRIC_CRS)
    x, y = to_2154.transform(lon, lat)
    limit_s = minutes[-1] * 60
    access = road_access_s(tt, access_net, x, y, limit_s=min(limit_s, tt.params.max_access_s))
    travel: np.ndarray
    if window is None:
        search = earliest_arrival(tt, access, start_s, day)
        service = search.service_date
        travel = search.arrival_s - start_s
    else:
        result = earliest_arrival_window(tt, access, start_s, window, day)
        service = result.service_date
        travel = result.best_travel_time_s if statistic == "best" else result.median_travel_time_s
    bands = transit_isochrone_bands(tt, walk_net, access_net, x, y, budgets, travel)
    population = population_index()
    features = []
    for band in bands:
        geom = geometry_to_wgs84(band.geometry)
        geom = shapely.transform(geom, lambda xy: np.round(xy, 6))
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "value": band.value_s,
                    "minutes": band.value_s / 60,
                    "mode": "transit",
                    "access_mode": mode,
                    "area_km2": round(band.area_km2, 3),
                    "population": (
                        round(population.population_within(band.geometry))
                        if population is not None
                        else None
                    ),
                },
                "geometry": json.loads(shapely.to_geojson(geom)),
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "service_date": {
            "requested": service.requested.isoformat(),
            "used": service.used.isoformat(),
            "reason": service.reason,
        },
        "departure": departure.isoformat(),
        "window_minutes": window,
        "statistic": statistic if window is not None else None,
    }
