"""Itineraries and service dates as JSON (legs, ISO local times) for the transit answers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from marshmallow import Schema, fields

from geoservice.core.raptor_result import Leg
from geoservice.core.service_date import ServiceDate
from geoservice.core.timetable import Timetable
from geoservice.web.transit_requests import TIMEZONE


class ServiceDateSchema(Schema):
    requested = fields.Date()
    used = fields.Date()
    reason = fields.String()
    holiday = fields.String(
        allow_none=True,
        metadata={"description": "the French public holiday the requested day is, if any"},
    )


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
    vehicle = fields.String(
        allow_none=True,
        metadata={
            "description": "rides: train, coach (car in French), tram, metro, ferry or other, "
            "from the line's GTFS route_type; null for walks"
        },
    )
    coordinates = fields.List(
        fields.List(fields.Float()),
        metadata={
            "description": "[lon, lat] of the leg's stops in order (a ride: every stop from "
            "boarding to alighting; a walk: its stop ends; the origin or offer end of an "
            "access or egress walk is not repeated here)"
        },
    )


def vehicle_of(route_type: int | None) -> str | None:
    """``train``, ``coach``, ``tram``, ``metro``, ``ferry`` or ``other`` for a GTFS
    ``route_type`` (basic or extended), ``None`` for no ride."""
    if route_type is None:
        return None
    basic = {0: "tram", 1: "metro", 2: "train", 3: "coach", 4: "ferry", 11: "coach"}
    if route_type in basic:
        return basic[route_type]
    extended = {1: "train", 2: "coach", 7: "coach", 9: "tram", 4: "metro", 10: "ferry"}
    return extended.get(route_type // 100, "other")


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
    ends = leg.stop_ids or tuple(s for s in (leg.from_stop, leg.to_stop) if s is not None)
    coordinates = [
        [round(float(tt.stop_lon[i]), 6), round(float(tt.stop_lat[i]), 6)]
        for i in (tt.stop_index[s] for s in ends)
    ]
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
        "vehicle": vehicle_of(leg.route_type) if leg.mode == "ride" else None,
        "coordinates": coordinates,
    }


def service_date_document(sd: ServiceDate) -> dict[str, Any]:
    return {"requested": sd.requested, "used": sd.used, "reason": sd.reason, "holiday": sd.holiday}
