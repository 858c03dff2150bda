"""Request helpers of the public transport views: local times, the timetable, stop or point.

Not a blueprint: shared by :mod:`geoservice.web.transit`, :mod:`geoservice.web.isochrones`,
:mod:`geoservice.web.transit_offers` and :mod:`geoservice.web.trips`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from marshmallow import ValidationError, fields

from geoservice.core.timetable import Timetable
from geoservice.errors import InvalidParameterError, ServiceUnavailableError
from geoservice.web.context import get_runtime

#: Local time of the timetables (every agency of the TER feed uses it).
TIMEZONE = ZoneInfo("Europe/Paris")

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
        # The service runs without it (503, not a 500): public transport is unavailable.
        raise ServiceUnavailableError("no timetable loaded: run `geoservice data build`")
    return tt
