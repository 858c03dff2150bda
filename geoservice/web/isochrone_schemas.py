"""Request schemas of the isochrones: query string, openrouteservice-style body, transit alias."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from geoservice.web.transit_requests import LOCAL_DATETIME_FIELD

#: openrouteservice profile → our mode.
MODE_BY_PROFILE: Mapping[str, str] = {
    "driving-car": "drive",
    "cycling-regular": "bike",
    "foot-walking": "walk",
}
ORS_ATTRIBUTES = ("area", "total_pop")
AREA_FACTOR_FROM_M2: Mapping[str, float] = {"m": 1.0, "km": 1e-6, "mi": 1 / 2_589_988.110336}


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


class TransitIsochroneQuerySchema(IsochroneQuerySchema):
    """``GET /api/v1/transit/isochrones``: the query of ``/isochrones?mode=transit``."""

    minutes = fields.String(
        load_default="30,60", metadata={"description": "comma-separated budgets in minutes"}
    )
    departure = LOCAL_DATETIME_FIELD

    class Meta:
        exclude = ("mode",)
