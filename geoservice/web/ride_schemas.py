"""Request and response schemas of the shared rides API."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from geoservice.store.ride_models import MAX_SEATS
from geoservice.web.contribution_schemas import LOCAL_TIMEZONE

_COMMUNE_CODE = r"^(\d{5}|2[AB]\d{3})$"


def _aware(**kwargs: Any) -> fields.AwareDateTime:
    return fields.AwareDateTime(default_timezone=LOCAL_TIMEZONE, **kwargs)


class PointNameSchema(Schema):
    """A destination that is not an offer: a point (EPSG:4326) and a name."""

    lon = fields.Float(required=True, allow_nan=False, validate=validate.Range(-180, 180))
    lat = fields.Float(required=True, allow_nan=False, validate=validate.Range(-90, 90))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))


class RideCreateSchema(Schema):
    """``POST /rides``: to an `event` (offer id) or a `destination` point with `arrive_at`;
    from `lon`/`lat` or `commune_code`. Times without offset are Europe/Paris."""

    event = fields.String(validate=validate.Length(min=1, max=80))
    destination = fields.Nested(PointNameSchema)
    arrive_at = _aware()
    lon = fields.Float(allow_nan=False, validate=validate.Range(-180, 180))
    lat = fields.Float(allow_nan=False, validate=validate.Range(-90, 90))
    commune_code = fields.String(validate=validate.Regexp(_COMMUNE_CODE))
    seats = fields.Integer(required=True, validate=validate.Range(1, MAX_SEATS))
    departure = _aware(required=True)
    return_departure = _aware(allow_none=True)
    max_detour_minutes = fields.Float(
        required=True, allow_nan=False, validate=validate.Range(0, 120)
    )
    contact = fields.String(
        required=True,
        validate=validate.Length(min=3, max=200),
        metadata={"description": "phone or e-mail; shown to accepted riders only"},
    )
    note = fields.String(load_default="", validate=validate.Length(max=1_000))

    @validates_schema
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        if ("event" in data) == ("destination" in data):
            raise ValidationError("give event (an offer id) or destination", field_name="event")
        if "destination" in data and "arrive_at" not in data:
            raise ValidationError("a destination point needs arrive_at", field_name="arrive_at")
        if ("lon" in data) != ("lat" in data):
            raise ValidationError("lon and lat go together", field_name="lon")
        if "lon" not in data and "commune_code" not in data:
            raise ValidationError("give lon and lat, or commune_code", field_name="location")


class RideMatchesQuerySchema(Schema):
    event = fields.String(
        validate=validate.Length(min=1, max=80), metadata={"description": "offer id"}
    )
    lon = fields.Float(allow_nan=False, validate=validate.Range(-180, 180))
    lat = fields.Float(allow_nan=False, validate=validate.Range(-90, 90))
    commune = fields.String(validate=validate.Regexp(_COMMUNE_CODE))


class RidesQuerySchema(Schema):
    event = fields.String(validate=validate.Length(min=1, max=80))


class BookingCreateSchema(Schema):
    """``POST /rides/{id}/bookings``: pick-up point (optional), contact, message."""

    lon = fields.Float(allow_nan=False, validate=validate.Range(-180, 180))
    lat = fields.Float(allow_nan=False, validate=validate.Range(-90, 90))
    commune_code = fields.String(validate=validate.Regexp(_COMMUNE_CODE))
    contact = fields.String(required=True, validate=validate.Length(min=3, max=200))
    message = fields.String(load_default="", validate=validate.Length(max=1_000))

    @validates_schema
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        if ("lon" in data) != ("lat" in data):
            raise ValidationError("lon and lat go together", field_name="lon")


class DestinationSchema(Schema):
    name = fields.String()
    lon = fields.Float()
    lat = fields.Float()


class RideSchema(Schema):
    """A ride as everybody sees it: a departure commune, never a point nor a contact."""

    ride_id = fields.Integer()
    event = fields.String(allow_none=True)
    destination = fields.Nested(DestinationSchema)
    arrive_at = fields.String(allow_none=True)
    departure_commune_code = fields.String(allow_none=True)
    departure = fields.String()
    return_departure = fields.String(allow_none=True)
    seats = fields.Integer()
    seats_free = fields.Integer()
    max_detour_minutes = fields.Float()
    driver = fields.String()
    note = fields.String()
    status = fields.String()


class RideListSchema(Schema):
    total = fields.Integer()
    rides = fields.List(fields.Nested(RideSchema))


class RideMatchSchema(RideSchema):
    detour_s = fields.Float(metadata={"description": "D→R→E minus D→E by road, s"})
    detour_min = fields.Float()
    direct_s = fields.Float(metadata={"description": "driver → destination, s"})
    to_rider_s = fields.Float(metadata={"description": "driver → rider, s"})
    rider_to_destination_s = fields.Float(metadata={"description": "rider → destination, s"})


class RideMatchesSchema(Schema):
    origin = fields.Dict()
    total = fields.Integer()
    matches = fields.List(fields.Nested(RideMatchSchema))


class PickupSchema(Schema):
    lon = fields.Float()
    lat = fields.Float()


class BookingSchema(Schema):
    booking_id = fields.Integer()
    ride_id = fields.Integer()
    rider = fields.String()
    pickup_commune_code = fields.String(allow_none=True)
    message = fields.String()
    status = fields.String(metadata={"description": "pending, accepted, declined, cancelled"})
    created_at = fields.String()
    decided_at = fields.String(allow_none=True)
    contact = fields.String(
        allow_none=True, metadata={"description": "the other party's, once accepted"}
    )
    pickup = fields.Nested(
        PickupSchema, allow_none=True, metadata={"description": "for the driver, once accepted"}
    )


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    text = fields.String()
    ride_id = fields.Integer(allow_none=True)
    booking_id = fields.Integer(allow_none=True)
    created_at = fields.String()
