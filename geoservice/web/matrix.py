"""``POST /api/v1/matrix``: door-to-door travel times between many origins and destinations.

Origins and destinations are points (``[lon, lat]`` or ``{"lon": .., "lat": ..}``), communes
(``{"commune": "58194"}``: their town hall, else a point inside, as ``/reachable``'s
origins) or offers (``{"offer": id}``). Times equal ``/reachable``'s for the same origin and
offer (same access legs, same egress model); road modes also give distances. Unreached pairs
are ``null``. ``mode=transit`` takes a departure window and a statistic over its minutes, as
r5py's ``TravelTimeMatrix``. ``Accept: text/csv`` (or ``?format=csv``) streams one row per pair,
up to a larger limit.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from flask import Response, request, stream_with_context
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from geoservice.analytics.od_matrix import (
    MatrixOptions,
    MatrixResult,
    Place,
    PlaceResolver,
    compute_matrix,
)
from geoservice.core.matrix import DIRECTIONS
from geoservice.core.network import MODES
from geoservice.errors import InvalidParameterError, LimitExceededError
from geoservice.web.blueprint import Blueprint
from geoservice.web.context import get_runtime
from geoservice.web.matrix_request import MatrixLimits, nullable, place_resolver
from geoservice.web.origins import TRANSIT, network_info
from geoservice.web.routing_examples import ROUTING_EXAMPLES as EXAMPLES
from geoservice.web.transit import timetable_or_error
from geoservice.web.transit_offers import transit_query_from_args

blp = Blueprint(
    "matrix",
    __name__,
    url_prefix="/matrix",
    description="Door-to-door travel times between many origins and destinations.",
)

_PLACE_DOC = (
    'a list of places: [lon, lat], {"lon": .., "lat": ..}, {"commune": INSEE code} '
    '(its town hall when inside the commune, else a point of it) or {"offer": offer id}'
)


class MatrixBodySchema(Schema):
    origins = fields.List(fields.Raw(), required=True, metadata={"description": _PLACE_DOC})
    destinations = fields.List(fields.Raw(), required=True, metadata={"description": _PLACE_DOC})
    mode = fields.String(
        load_default="drive",
        validate=validate.OneOf([*MODES, TRANSIT]),
        metadata={"description": "drive, bike, walk or transit (needs departure)"},
    )
    max_minutes = fields.Float(
        validate=validate.Range(min=0, min_inclusive=False, max=1440),
        metadata={"description": "pairs longer than this are null (default: no limit)"},
    )
    departure = fields.DateTime(
        metadata={"description": "mode transit: first departure, ISO 8601, local time"}
    )
    window_minutes = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1),
        metadata={"description": "mode transit: departures every minute for this many minutes"},
    )
    statistic = fields.String(
        load_default="median",
        validate=validate.Regexp(r"^(best|median|p([1-9][0-9]?|100))$"),
        metadata={
            "description": "mode transit: over the window's minutes, best, median or a "
            "percentile p1 … p100 (as r5py)"
        },
    )
    access_mode = fields.String(
        load_default="walk",
        validate=validate.OneOf(MODES),
        metadata={"description": "mode transit: to the stops by walk, bike or drive"},
    )
    direction = fields.String(
        load_default="auto",
        validate=validate.OneOf(DIRECTIONS),
        metadata={
            "description": "road modes: one search per origin (forward), per destination "
            "(reverse, on the reversed graph) or the fewer (auto); same answers"
        },
    )


class MatrixQuerySchema(Schema):
    format = fields.String(
        validate=validate.OneOf(["json", "csv"]),
        metadata={"description": "csv: one row per pair, streamed (as Accept: text/csv)"},
    )


_NUMBER_ROWS = {
    "type": "array",
    "items": {"type": "array", "items": {"type": ["number", "null"]}},
}
MATRIX_DOCUMENT: dict[str, Any] = {
    "type": "object",
    "required": ["mode", "origins", "destinations", "travel_time_s"],
    "properties": {
        "mode": {"type": "string"},
        "origins": {"type": "array", "items": {"type": "object"}},
        "destinations": {"type": "array", "items": {"type": "object"}},
        "travel_time_s": {
            **_NUMBER_ROWS,
            "description": "seconds, door to door; null: not reached",
        },
        "distance_m": {**_NUMBER_ROWS, "description": "road modes: metres along the path"},
        "max_minutes": {"type": ["number", "null"]},
        "info": {"type": "object"},
        "transit": {"type": "object"},
    },
}
CSV_HEADER = (
    "origin_index",
    "destination_index",
    "origin",
    "destination",
    "travel_time_s",
    "distance_m",
)


def _wants_csv(args: Mapping[str, Any]) -> bool:
    if args.get("format") is not None:
        return bool(args["format"] == "csv")
    accept = request.accept_mimetypes
    return accept.best_match(["application/json", "text/csv"]) == "text/csv" and bool(
        accept["text/csv"] > accept["application/json"]
    )


def places(resolver: PlaceResolver, items: Sequence[Any], field: str) -> list[Place]:
    """Request items → places (errors name ``field[i]``)."""
    return [resolver.place(item, f"{field}[{i}]") for i, item in enumerate(items)]


def options_from_body(body: Mapping[str, Any], limits: MatrixLimits) -> MatrixOptions:
    """Mode, limit and transit options of a matrix body (400 naming the field)."""
    mode = str(body.get("mode", "drive"))
    limit_s = float(body["max_minutes"]) * 60 if body.get("max_minutes") is not None else np.inf
    if mode != TRANSIT:
        return MatrixOptions(mode=mode, limit_s=limit_s, direction=str(body.get("direction")))
    query = transit_query_from_args(body.get("departure"), body.get("access_mode"))
    window = int(body.get("window_minutes", 1))
    if window > limits.max_window_minutes:
        msg = f"window_minutes {window} exceeds [matrix] max_window_minutes = "
        raise LimitExceededError("window_minutes", msg + str(limits.max_window_minutes))
    return MatrixOptions(
        mode=mode,
        limit_s=limit_s,
        access_mode=query.access_mode,
        day=query.day,
        start_s=query.start_s,
        window_minutes=window,
        statistic=str(body.get("statistic", "median")),
    )


def _document(
    body: Mapping[str, Any],
    origins: Sequence[Place],
    destinations: Sequence[Place],
    result: MatrixResult,
) -> dict[str, Any]:
    runtime = get_runtime()
    out: dict[str, Any] = {
        "mode": body["mode"],
        "origins": [p.document() for p in origins],
        "destinations": [p.document() for p in destinations],
        "travel_time_s": nullable(result.travel_time_s, 1),
    }
    if result.distance_m is not None:
        out["distance_m"] = nullable(result.distance_m, 0)
    out["max_minutes"] = body.get("max_minutes")
    if runtime.network is not None:
        out["info"] = network_info(runtime.network)
    if result.service_date is not None:
        query = transit_query_from_args(body.get("departure"), body.get("access_mode"))
        out["transit"] = {
            "service_date": {
                "requested": result.service_date.requested.isoformat(),
                "used": result.service_date.used.isoformat(),
                "reason": result.service_date.reason,
                "holiday": result.service_date.holiday,
            },
            "departure": query.departure.isoformat(),
            "access_mode": query.access_mode,
            "window_minutes": body.get("window_minutes", 1),
            "statistic": body.get("statistic", "median"),
        }
    return out


def _csv_rows(
    origins: Sequence[Place], destinations: Sequence[Place], result: MatrixResult
) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    labels_o = [p.ref or f"{p.lon:.6f},{p.lat:.6f}" for p in origins]
    labels_d = [p.ref or f"{p.lon:.6f},{p.lat:.6f}" for p in destinations]
    for i, label in enumerate(labels_o):
        times = result.travel_time_s[i]
        dist = result.distance_m[i] if result.distance_m is not None else None
        for j, dest in enumerate(labels_d):
            t = times[j]
            d = dist[j] if dist is not None else np.inf
            writer.writerow(
                (
                    i,
                    j,
                    label,
                    dest,
                    f"{t:.1f}" if np.isfinite(t) else "",
                    f"{d:.0f}" if np.isfinite(d) else "",
                )
            )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _doc() -> dict[str, Any]:
    return {
        "responses": {
            "200": {
                "content": {
                    "application/json": {"schema": MATRIX_DOCUMENT, "example": EXAMPLES["matrix"]},
                    "text/csv": {"schema": {"type": "string"}, "example": EXAMPLES["matrix_csv"]},
                }
            }
        }
    }


@blp.route("")
class Matrix(MethodView):
    @blp.arguments(MatrixQuerySchema, location="query")
    @blp.arguments(MatrixBodySchema, location="json", example=EXAMPLES["matrix_request"])
    @blp.response(200)
    @blp.doc(**_doc())
    def post(self, args: dict[str, Any], body: dict[str, Any]) -> Any:
        """Travel times (s) and road distances (m) from every origin to every destination."""
        runtime = get_runtime()
        limits = MatrixLimits.from_settings(runtime.settings)
        as_csv = _wants_csv(args)
        limits.check_pairs(
            len(body["origins"]), len(body["destinations"]), csv=as_csv, field="origins"
        )
        resolver = place_resolver(runtime)
        origins = places(resolver, body["origins"], "origins")
        destinations = places(resolver, body["destinations"], "destinations")
        options = options_from_body(body, limits)
        timetable = timetable_or_error() if options.mode == TRANSIT else None
        if options.mode == TRANSIT and body.get("direction") not in (None, "auto"):
            raise InvalidParameterError("direction", "direction applies to road modes only")
        result = compute_matrix(resolver, origins, destinations, options, timetable=timetable)
        if as_csv:
            return Response(
                stream_with_context(_csv_rows(origins, destinations, result)),
                mimetype="text/csv",
                headers={"Content-Disposition": 'attachment; filename="matrix.csv"'},
            )
        return _document(body, origins, destinations, result)
