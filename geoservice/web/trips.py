"""``GET /api/v1/trips/return``: the last way home from an offer by public transport.

From the offer, walk to a stop, trains / coaches, then the access mode (walk by default, bike
or drive) home — or the access mode straight home. The answer is the *latest* departure from
the offer, at or after ``after``, that still arrives home by ``trips.return_arrive_by_s``
(24:00: the same day), found with one latest-departure (reverse RAPTOR) search to home.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from geoservice.core.network import MODES
from geoservice.core.snapping import lambert93_from_wgs84
from geoservice.core.way_home import ReturnParams, can_get_home, latest_returns
from geoservice.errors import InvalidParameterError, NotFoundError
from geoservice.web.blueprint import Blueprint
from geoservice.web.context import get_runtime
from geoservice.web.itineraries import LegSchema
from geoservice.web.openapi_examples import EXAMPLES
from geoservice.web.problems import request_fields
from geoservice.web.transit_coverage import access_document
from geoservice.web.transit_offers import clock, way_back_document
from geoservice.web.transit_requests import local_moment, timetable_or_error

blp = Blueprint(
    "trips",
    __name__,
    url_prefix="/trips",
    description="Getting home: the last way back from an offer by train / coach.",
)


class ReturnQuerySchema(Schema):
    offer = fields.String(required=True, metadata={"description": "offer_id"})
    to_lon = fields.Float(
        required=True, validate=validate.Range(-180, 180), metadata={"description": "home"}
    )
    to_lat = fields.Float(
        required=True, validate=validate.Range(-90, 90), metadata={"description": "home"}
    )
    after = fields.DateTime(
        required=True,
        metadata={
            "description": "ISO 8601: leave the offer at or after this time (local time "
            "without offset); its date is the day of the trip"
        },
    )
    access_mode = fields.String(
        load_default="walk",
        validate=validate.OneOf(MODES),
        metadata={"description": "from the last stop home: walk, bike or drive"},
    )


class TripServiceDateSchema(Schema):
    requested = fields.String()
    used = fields.String()
    reason = fields.String()
    holiday = fields.String(allow_none=True)


class ReturnResponseSchema(Schema):
    offer = fields.Dict(metadata={"description": "offer_id, name, commune_code, lon, lat"})
    home = fields.Dict(metadata={"description": "lon, lat"})
    after = fields.String()
    arrive_by = fields.String(metadata={"description": "home by then (24:00: the same day)"})
    access_mode = fields.String()
    service_date = fields.Nested(TripServiceDateSchema)
    found = fields.Boolean(metadata={"description": "a way back leaves at or after `after`"})
    departure = fields.String(
        allow_none=True,
        metadata={"description": "leave the offer then (first leg; never before `after`)"},
    )
    arrival = fields.String(
        allow_none=True, metadata={"description": "arrival home: the last leg's arrival"}
    )
    walk_only = fields.Boolean(
        allow_none=True, metadata={"description": "true: no train or coach on the way home"}
    )
    note = fields.String(metadata={"description": "with walk_only: says so"})
    itinerary = fields.List(fields.Nested(LegSchema))
    last_departure = fields.String(
        allow_none=True,
        metadata={"description": "when not found: the last way back that day, before `after`"},
    )
    transit = fields.Dict(
        metadata={
            "description": "stops in reach of home (access_stops), the nearest stop, and a hint "
            "when none is"
        }
    )
    hint = fields.String()


@blp.route("/return")
class Return(MethodView):
    @blp.arguments(ReturnQuerySchema, location="query")
    @blp.response(200, ReturnResponseSchema, example=EXAMPLES["trips_return"])
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The last way home from an offer leaving at or after `after`, home the same day.

        No way back is not an error: ``found`` is false, with a hint (and the last way back
        that day if it leaves before `after`). Dates outside the timetable validity use the
        same weekday of a reference week (``service_date`` says which, and why).
        """
        runtime = get_runtime()
        tt = timetable_or_error()
        reachable = runtime.reachable
        if reachable is None:
            raise InvalidParameterError("offer", "no road network is loaded")
        offers = reachable.offers
        match = np.flatnonzero(offers["offer_id"].astype(str).to_numpy() == args["offer"])
        if len(match) == 0:
            raise NotFoundError(f"no offer with id {args['offer']!r}")
        row = int(match[0])
        after, day, after_s = local_moment(args["after"], "after")
        x, y = lambert93_from_wgs84(args["to_lon"], args["to_lat"])
        trips = ReturnParams.from_section(runtime.settings.section("trips"))
        deadline_s = trips.return_arrive_by_s
        with request_fields(location="to_lon", mode="access_mode"):
            returns = latest_returns(
                tt, reachable, args["access_mode"], float(x), float(y), deadline_s, day, rows=[row]
            )
        point = offers.geometry.iloc[row]
        name = str(offers["name"].iloc[row])
        leave = float(returns.departure_s[0])
        found = bool(can_get_home(returns, after_s)[0])
        legs = returns.legs(0, after_s) if found else []
        way_back = way_back_document(tt, legs, day)
        document: dict[str, Any] = {
            "offer": {
                "offer_id": args["offer"],
                "name": name,
                "commune_code": str(offers["commune_code"].iloc[row]),
                "lon": round(float(point.x), 6),
                "lat": round(float(point.y), 6),
            },
            "home": {"lon": args["to_lon"], "lat": args["to_lat"]},
            "after": after.isoformat(),
            "arrive_by": clock(day, deadline_s),
            "access_mode": args["access_mode"],
            "service_date": {
                "requested": returns.service_date.requested.isoformat(),
                "used": returns.service_date.used.isoformat(),
                "reason": returns.service_date.reason,
                "holiday": returns.service_date.holiday,
            },
            "found": found,
            "departure": way_back["departure"],
            "arrival": way_back["arrival"],
            "walk_only": way_back["walk_only"],
            "itinerary": way_back["itinerary"],
            "last_departure": None,
        }
        if "note" in way_back:
            document["note"] = way_back["note"]
        home_access = access_document(
            tt, float(x), float(y), len(returns.search.search.access_s), args["access_mode"]
        )
        document["transit"] = home_access
        if legs and legs[0].from_stop is None and legs[0].to_stop is not None:
            document["itinerary"][0]["from_name"] = name
        if "hint" in home_access:
            document["hint"] = home_access["hint"].replace("this origin", "home")
        elif not found:
            if np.isfinite(leave):
                document["last_departure"] = clock(day, leave)
                document["hint"] = (
                    f"the last way home that day leaves {name} at {clock(day, leave)[11:16]}, "
                    "before `after`"
                )
            else:
                document["hint"] = (
                    f"no way home from {name} by train / coach and {args['access_mode']} "
                    f"arriving by {clock(day, deadline_s)[11:16]} that day"
                )
        return document
