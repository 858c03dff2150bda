"""Request helpers of ``mode=transit`` on the offer endpoints (reachable, offers, trips).

Not a blueprint: parsing of the departure and access mode, the search itself, and the JSON
of itineraries, shared by :mod:`geoservice.web.reachable`, :mod:`geoservice.web.offers` and
:mod:`geoservice.web.trips`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

import numpy.typing as npt
from marshmallow import fields, validate

from geoservice.core.network import MODES
from geoservice.core.raptor_result import Leg
from geoservice.core.reachable_offers import ReachableOffers
from geoservice.core.timetable import Timetable
from geoservice.core.transit_reachable import TransitOfferTimes, transit_offer_times
from geoservice.errors import InvalidParameterError
from geoservice.web.itineraries import clock_iso, leg_document
from geoservice.web.origins import Origin
from geoservice.web.problems import request_fields
from geoservice.web.transit_coverage import access_document
from geoservice.web.transit_requests import local_moment, timetable_or_error

#: Schema fields the transit mode adds to a query schema.
DEPARTURE_FIELD = fields.DateTime(
    metadata={
        "description": "mode transit (required): ISO 8601 departure; without offset it is "
        "local time (Europe/Paris). Dates outside the timetable validity use the same "
        "weekday of a reference week (see service_date in the answer)"
    }
)
ACCESS_MODE_FIELD = fields.String(
    validate=validate.OneOf(MODES),
    metadata={"description": "mode transit: to the stops by walk (default), bike or drive"},
)


@dataclass(frozen=True)
class TransitQuery:
    """When and how a transit request leaves."""

    departure: datetime
    day: date
    start_s: int
    access_mode: str


def transit_query_from_args(
    departure: datetime | None, access_mode: str | None, *, field: str = "departure"
) -> TransitQuery:
    """The departure (local time) and access mode of a transit request.

    Raises
    ------
    InvalidParameterError
        No departure (400 naming `field`), or a year out of range.
    """
    if departure is None:
        msg = f"mode transit needs {field} (ISO 8601 datetime, e.g. 2025-02-04T08:00)"
        raise InvalidParameterError(field, msg)
    moment, day, start_s = local_moment(departure, field)
    return TransitQuery(moment, day, start_s, access_mode or "walk")


def transit_times(
    reachable: ReachableOffers,
    origin: Origin,
    query: TransitQuery,
    *,
    limit_s: float,
    rows: npt.ArrayLike | None = None,
) -> TransitOfferTimes:
    """Transit door-to-door times from `origin` to the offers (or `rows`)."""
    with request_fields(location=origin.field, mode="access_mode", limit_s="max_minutes"):
        return transit_offer_times(
            timetable_or_error(),
            reachable,
            query.access_mode,
            origin.x_m,
            origin.y_m,
            query.start_s,
            query.day,
            limit_s=limit_s,
            rows=rows,
        )


def itinerary_document(
    tt: Timetable, legs: Sequence[Leg], day: date, offer_name: str | None = None
) -> list[dict[str, Any]]:
    """Legs as JSON; the open end of the first / last leg is named after the offer if given."""
    out = [leg_document(tt, leg, day) for leg in legs]
    return out if offer_name is None else _name_offer_end(out, offer_name)


def _name_offer_end(legs: list[dict[str, Any]], offer_name: str) -> list[dict[str, Any]]:
    if legs and legs[-1]["to_stop"] is None and legs[-1]["mode"] == "walk":
        legs[-1]["to_name"] = offer_name
    return legs


class MetricPoint(Protocol):
    """A place with EPSG:2154 coordinates (an :class:`Origin`, a matrix or route place)."""

    @property
    def x_m(self) -> float: ...

    @property
    def y_m(self) -> float: ...


def transit_document(
    times: TransitOfferTimes, query: TransitQuery, origin: MetricPoint
) -> dict[str, Any]:
    """What every transit answer says: the service date used and why, departure, access
    (stops reached, the nearest stop, and a hint when none is reached:
    :func:`geoservice.web.transit_coverage.access_document`)."""
    service = times.service_date
    access = access_document(
        times.search.timetable, origin.x_m, origin.y_m, times.access_stops, query.access_mode
    )
    return {
        "service_date": {
            "requested": service.requested.isoformat(),
            "used": service.used.isoformat(),
            "reason": service.reason,
            "holiday": service.holiday,
        },
        "departure": query.departure.isoformat(),
        "access_mode": query.access_mode,
        **access,
    }


def clock(day: date, seconds: float) -> str:
    """ISO datetime of `seconds` after midnight of `day` (local time), rounded to the second."""
    return clock_iso(day, round(seconds))


def way_back_document(tt: Timetable, legs: Sequence[Leg], day: date) -> dict[str, Any]:
    """The way home served: its first leg's departure, its last leg's arrival, its legs, and
    whether it takes any vehicle (``walk_only``: straight home by the access mode, or on foot
    between stops, with a note saying so)."""
    if not legs:
        return {"departure": None, "arrival": None, "walk_only": None, "itinerary": []}
    walk_only = not any(leg.mode == "ride" for leg in legs)
    document: dict[str, Any] = {
        "possible": True,
        "departure": clock(day, legs[0].departure_s),
        "arrival": clock(day, legs[-1].arrival_s),
        "walk_only": walk_only,
        "itinerary": itinerary_document(tt, legs, day),
    }
    if walk_only:
        document["note"] = f"no train or coach: home by {legs[0].mode} only"
    return document


def no_way_back_document(last_departure_s: float, day: date) -> dict[str, Any]:
    """No way home after the stay: ``possible`` false, and when the last way home of the day
    leaves the offer (``None`` if none at all)."""
    last = clock(day, last_departure_s) if math.isfinite(last_departure_s) else None
    return {
        "possible": False,
        "departure": None,
        "arrival": None,
        "walk_only": None,
        "itinerary": [],
        "last_departure": last,
    }
