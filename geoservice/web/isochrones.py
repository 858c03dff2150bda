"""Isochrones: ``/api/v1/isochrones`` (GET and POST) and the openrouteservice URL scheme.

``POST /ors/v2/isochrones/<profile>`` and ``…/<profile>/geojson`` take the openrouteservice
body (``locations``, ``range`` in seconds, ``interval``, ``range_type``, ``attributes``…), so
ORS clients work with their base URL set to ``http://HOST:PORT/ors``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from flask.views import MethodView

from geoservice.core.isochrones import TRANSIT, IsochroneLimits
from geoservice.core.network import MODES
from geoservice.errors import InvalidParameterError, LimitExceededError
from geoservice.web.blueprint import Blueprint
from geoservice.web.context import get_runtime
from geoservice.web.isochrone_collection import isochrone_collection, isochrone_limits
from geoservice.web.isochrone_schemas import (
    MODE_BY_PROFILE,
    ORS_ATTRIBUTES,
    IsochroneBodySchema,
    IsochroneQuerySchema,
)
from geoservice.web.openapi_docs import (
    ISOCHRONE_COLLECTION,
    ISOCHRONE_EXAMPLE,
    json_response_doc,
)

blp = Blueprint(
    "isochrones",
    __name__,
    url_prefix="/isochrones",
    description="Areas reachable within given travel times (drive, bike, walk, transit).",
)
ors_blp = Blueprint(
    "ors",
    __name__,
    url_prefix="/ors/v2",
    description="openrouteservice-compatible isochrones (profiles driving-car, "
    "cycling-regular, foot-walking).",
)


def _mode_from(body: Mapping[str, Any], profile: str | None, limits: IsochroneLimits) -> str:
    if profile is not None:
        if profile not in MODE_BY_PROFILE:
            msg = f"unknown profile {profile!r}"
            raise InvalidParameterError("profile", msg, allowed=MODE_BY_PROFILE)
        return MODE_BY_PROFILE[profile]
    mode = body.get("mode")
    if mode is not None:
        if mode in MODE_BY_PROFILE:
            return MODE_BY_PROFILE[mode]
        if mode not in (*MODES, TRANSIT):
            msg = f"unknown mode {mode!r}"
            raise InvalidParameterError("mode", msg, allowed=[*MODES, TRANSIT, *MODE_BY_PROFILE])
        return str(mode)
    return limits.default_mode


def _budgets_s(
    ranges: Sequence[float], interval: float | None, field: str, max_bands: int
) -> list[float]:
    if len(ranges) == 1 and interval is not None:
        top = ranges[0]
        if top / interval > max_bands:  # refuse before building millions of bands
            msg = (
                f"range {top:g} s every {interval:g} s makes {math.ceil(top / interval)} bands; "
                f"the limit is max_bands = {max_bands}"
            )
            raise LimitExceededError("interval", msg)
        budgets = [float(x) for x in np.arange(interval, top, interval)]
        budgets = [b for b in budgets if b < top - 1e-9] + [top]
    else:
        budgets = list(ranges)
    for b in budgets:
        if b <= 0:
            raise InvalidParameterError(field, f"time budgets must be > 0, got {b:g}")
    return sorted(set(budgets))


def isochrones_from_query(args: Mapping[str, Any]) -> dict[str, Any]:
    """Answer ``?lon=&lat=&minutes=15,30&mode=`` (the GET routes and the isochrone map)."""
    limits = isochrone_limits(get_runtime())
    mode = _mode_from(args, None, limits)
    try:
        minutes = [float(m) for m in str(args["minutes"]).split(",") if m.strip()]
    except ValueError as e:
        msg = f"minutes must be comma-separated numbers, got {args['minutes']!r}"
        raise InvalidParameterError("minutes", msg) from e
    if not minutes or not all(math.isfinite(m) for m in minutes):
        raise InvalidParameterError("minutes", f"no valid minutes in {args['minutes']!r}")
    budgets = _budgets_s([m * 60 for m in minutes], None, "minutes", limits.max_bands)
    query = {"lon": args["lon"], "lat": args["lat"], "mode": mode, "minutes": minutes}
    locations = [(args["lon"], args["lat"])]
    return isochrone_collection(
        args, locations, budgets, mode, budgets_field="minutes", query=query
    )


def isochrones_from_body(body: Mapping[str, Any], profile: str | None = None) -> dict[str, Any]:
    """Answer an openrouteservice-style body (used by the POST routes)."""
    limits = isochrone_limits(get_runtime())
    if body["range_type"] != "time":
        msg = f"range_type {body['range_type']!r} is not supported: only time ranges (seconds)"
        raise InvalidParameterError("range_type", msg, allowed=["time"])
    if body["location_type"] != "start":
        msg = f"location_type {body['location_type']!r} is not supported"
        raise InvalidParameterError("location_type", msg, allowed=["start"])
    if body["intersections"]:
        raise InvalidParameterError("intersections", "intersections are not supported")
    unknown = sorted(set(body["attributes"]) - set(ORS_ATTRIBUTES))
    if unknown:
        msg = f"unsupported attribute(s) {', '.join(unknown)}"
        raise InvalidParameterError("attributes", msg, allowed=ORS_ATTRIBUTES)
    mode = _mode_from(body, profile, limits)
    budgets = _budgets_s(body["range"], body.get("interval"), "range", limits.max_bands)
    locations = list(body["locations"])
    query: dict[str, Any] = {
        "locations": [list(loc) for loc in locations],
        "range": budgets,
        "range_type": "time",
        "profile": profile or mode,
    }
    if "id" in body:
        query["id"] = body["id"]
    return isochrone_collection(
        body,
        locations,
        budgets,
        mode,
        budgets_field="range",
        attributes=body["attributes"],
        area_units=body["area_units"],
        query=query,
    )


@blp.route("")
class Isochrones(MethodView):
    @blp.arguments(IsochroneQuerySchema, location="query")
    @blp.response(200)
    @blp.doc(**json_response_doc(ISOCHRONE_COLLECTION, ISOCHRONE_EXAMPLE))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Isochrone bands around one point: ``?lon=&lat=&minutes=15,30&mode=drive``.

        ``mode=transit`` needs ``departure`` (ISO 8601) and takes ``window_minutes``,
        ``statistic`` and ``access_mode`` as ``/transit/isochrones`` does; its answer says
        which timetable day was used (``service_date``).
        """
        return isochrones_from_query(args)

    @blp.arguments(IsochroneBodySchema, location="json")
    @blp.response(200)
    @blp.doc(**json_response_doc(ISOCHRONE_COLLECTION, ISOCHRONE_EXAMPLE))
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Isochrones for an openrouteservice-style body (``profile`` or ``mode``)."""
        return isochrones_from_body(body, body.get("profile"))


@ors_blp.route("/isochrones/<string:profile>")
class OrsIsochrones(MethodView):
    @ors_blp.arguments(IsochroneBodySchema, location="json")
    @ors_blp.response(200)
    @ors_blp.doc(**json_response_doc(ISOCHRONE_COLLECTION, ISOCHRONE_EXAMPLE))
    def post(self, body: dict[str, Any], profile: str) -> dict[str, Any]:
        """openrouteservice ``POST /v2/isochrones/{profile}``."""
        return isochrones_from_body(body, profile)


@ors_blp.route("/isochrones/<string:profile>/geojson")
class OrsIsochronesGeojson(MethodView):
    @ors_blp.arguments(IsochroneBodySchema, location="json")
    @ors_blp.response(200)
    @ors_blp.doc(**json_response_doc(ISOCHRONE_COLLECTION, ISOCHRONE_EXAMPLE))
    def post(self, body: dict[str, Any], profile: str) -> dict[str, Any]:
        """openrouteservice ``POST /v2/isochrones/{profile}/geojson``."""
        return isochrones_from_body(body, profile)
