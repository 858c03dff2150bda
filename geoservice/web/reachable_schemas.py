"""Request and response schemas of ``GET /api/v1/reachable`` and ``/reachable/nearest``."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from geoservice.core.offers import SEARCH_CATEGORIES
from geoservice.web.offers import OfferPropertiesSchema
from geoservice.web.transit import LegSchema
from geoservice.web.transit_offers import ACCESS_MODE_FIELD, DEPARTURE_FIELD


class ReachableQuerySchema(Schema):
    lon = fields.Float(validate=validate.Range(-180, 180), metadata={"description": "degrees"})
    lat = fields.Float(validate=validate.Range(-90, 90), metadata={"description": "degrees"})
    commune = fields.String(
        metadata={"description": "INSEE code; the origin is its town hall (GET /communes, origin)"}
    )
    mode = fields.String(metadata={"description": "drive, bike, walk or transit (needs departure)"})
    max_minutes = fields.Float(
        metadata={"description": "door-to-door budget, minutes, > 0 and ≤ reachable.max_minutes"}
    )
    theme = fields.String(metadata={"description": "theme id(s), comma-separated (any of them)"})
    category = fields.String(
        metadata={
            "description": f"category(ies), comma-separated: {', '.join(SEARCH_CATEGORIES)} "
            "(the last five are the kinds of posted offers)"
        }
    )
    date_from = fields.Date(
        metadata={
            "description": "YYYY-MM-DD; venues are always kept, festivals when their season "
            "(period) overlaps the dates, posted offers when one of their timings does"
        }
    )
    date_to = fields.Date(metadata={"description": "YYYY-MM-DD, included"})
    date = fields.Date(
        metadata={
            "description": "YYYY-MM-DD: keep what is a thing to do that day: festivals in "
            "season, posted offers with a timing that day or later (never a past event), "
            "permanent venues (their opening hours are not in the data)"
        }
    )
    limit = fields.Integer(metadata={"description": "offers returned, 1..reachable.max_limit"})
    geometry = fields.Boolean(
        load_default=False, metadata={"description": "add each path as a GeoJSON LineString"}
    )
    departure = DEPARTURE_FIELD
    access_mode = ACCESS_MODE_FIELD
    return_trip = fields.Boolean(
        data_key="return",
        load_default=False,
        metadata={
            "description": "mode transit: keep only offers with a way home the same day after "
            "stay_minutes there (each result then carries its way back)"
        },
    )
    stay_minutes = fields.Integer(
        validate=validate.Range(min=0, max=1440),
        metadata={"description": "with return=true: time at the offer, minutes (default 120)"},
    )
    return_only = fields.Boolean(
        load_default=True,
        metadata={
            "description": "with return=true: false keeps the offers with no way home after "
            "the stay too; their return then says possible=false and the last departure"
        },
    )


class NearestQuerySchema(Schema):
    lon = fields.Float(validate=validate.Range(-180, 180))
    lat = fields.Float(validate=validate.Range(-90, 90))
    commune = fields.String(metadata={"description": "INSEE code"})
    mode = fields.String(metadata={"description": "drive, bike, walk or transit"})
    departure = DEPARTURE_FIELD
    access_mode = ACCESS_MODE_FIELD


class LegsSchema(Schema):
    access_s = fields.Float(metadata={"description": "origin → network, straight leg, s"})
    network_s = fields.Float(metadata={"description": "on the roads, s"})
    egress_s = fields.Float(metadata={"description": "leaving the roads → offer, straight, s"})


class ReturnSchema(Schema):
    departure = fields.String(
        allow_none=True,
        metadata={
            "description": "leave the offer then: the first leg's departure (the last train or "
            "coach home; straight home: when the stay ends), never before the stay ends"
        },
    )
    arrival = fields.String(
        allow_none=True, metadata={"description": "home then: the last leg's arrival"}
    )
    walk_only = fields.Boolean(
        allow_none=True, metadata={"description": "true: no train or coach on the way home"}
    )
    note = fields.String(metadata={"description": "with walk_only: says so"})
    itinerary = fields.List(fields.Nested(LegSchema))
    possible = fields.Boolean(
        metadata={"description": "false: no way home the same day after the stay"}
    )
    last_departure = fields.String(
        allow_none=True,
        metadata={
            "description": "possible=false: the last way home leaves the offer then, before "
            "the stay ends (null: none that day at all)"
        },
    )


class ReachablePropertiesSchema(OfferPropertiesSchema):
    travel_time_s = fields.Float(metadata={"description": "door to door, seconds"})
    travel_time_min = fields.Float(metadata={"description": "door to door, minutes"})
    distance_m = fields.Integer(metadata={"description": "along the path, metres"})
    route_refs = fields.List(fields.String(), metadata={"description": "roads used, in order"})
    legs = fields.Nested(LegsSchema)
    rides_available = fields.Integer(
        metadata={"description": "open rides with a free seat to it from near the origin"}
    )
    path = fields.Raw(
        metadata={"description": "GeoJSON LineString, EPSG:4326 (with geometry=true)"}
    )
    arrival = fields.String(metadata={"description": "mode transit: arrival at the offer"})
    itinerary = fields.List(
        fields.Nested(LegSchema),
        metadata={"description": "mode transit: access, rides, transfers, walk to the offer"},
    )
    way_back = fields.Nested(
        ReturnSchema,
        data_key="return",
        metadata={"description": "mode transit with return=true: the last way home"},
    )


class ReachableFeatureSchema(Schema):
    type = fields.String()
    id = fields.String()
    properties = fields.Nested(ReachablePropertiesSchema)
    geometry = fields.Raw(metadata={"description": "GeoJSON Point of the offer, EPSG:4326"})


class ServiceDateInfoSchema(Schema):
    requested = fields.String()
    used = fields.String(metadata={"description": "timetable day used"})
    reason = fields.String()
    holiday = fields.String(allow_none=True)


class TransitInfoSchema(Schema):
    service_date = fields.Nested(ServiceDateInfoSchema)
    departure = fields.String()
    access_mode = fields.String()
    access_stops = fields.Integer(
        metadata={"description": "stops reached by the access leg (0: no train or coach)"}
    )
    access_limit = fields.String(metadata={"description": "the access limit, in words"})
    nearest_stop = fields.Dict(
        allow_none=True,
        metadata={"description": "stop_id, name, lon, lat, distance_m (straight line)"},
    )
    hint = fields.String(metadata={"description": "when access_stops is 0: says so"})
    stay_minutes = fields.Integer(allow_none=True)
    return_arrive_by = fields.String(allow_none=True)


class OriginSchema(Schema):
    lon = fields.Float()
    lat = fields.Float()
    commune = fields.String(allow_none=True, metadata={"description": "INSEE code, if given"})
    source = fields.String(metadata={"description": "town_hall, representative_point, given_point"})
    point = fields.String(metadata={"description": "which point of the commune is used"})


class NetworkInfoSchema(Schema):
    network = fields.String()
    network_limits = fields.String()
    main_roads_only = fields.Boolean()
    notice = fields.String()
    attribution = fields.String()


class ReachableCollectionSchema(Schema):
    type = fields.String()
    origin = fields.Nested(OriginSchema)
    mode = fields.String()
    max_minutes = fields.Float()
    total = fields.Integer(metadata={"description": "offers reached (before limit)"})
    limit = fields.Integer()
    features = fields.List(
        fields.Nested(ReachableFeatureSchema), metadata={"description": "nearest first"}
    )
    hint = fields.String(metadata={"description": "only when nothing is reached"})
    info = fields.Nested(NetworkInfoSchema)
    transit = fields.Nested(
        TransitInfoSchema, metadata={"description": "mode transit: service date used and why"}
    )
    rides = fields.Dict(metadata={"description": "how rides_available is counted"})


class NearestItemSchema(Schema):
    kind = fields.String(metadata={"description": "theme or category"})
    value = fields.String()
    label = fields.String(allow_none=True)
    offer_id = fields.String(allow_none=True, metadata={"description": "None: none reached"})
    name = fields.String(allow_none=True)
    commune_code = fields.String(allow_none=True)
    travel_time_s = fields.Float(allow_none=True)
    travel_time_min = fields.Float(allow_none=True)
    itinerary = fields.List(fields.Nested(LegSchema), metadata={"description": "mode transit"})


class NearestCollectionSchema(Schema):
    origin = fields.Nested(OriginSchema)
    mode = fields.String()
    nearest = fields.List(fields.Nested(NearestItemSchema))
    hint = fields.String()
    info = fields.Nested(NetworkInfoSchema)
    transit = fields.Nested(TransitInfoSchema)
