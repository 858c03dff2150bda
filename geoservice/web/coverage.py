"""``GET /api/v1/coverage/transit``: who lives near a train or coach stop served that day.

The planners' transit coverage indicator (:mod:`geoservice.core.transit_coverage`), per
commune or zone: inhabitants (Census 2021 1 km grid) with no served stop within 1 km and
2 km, and the communes with no transit service on the day asked. The networks behind it are
those of ``GET /health`` (``transit_networks``): the ones known to be missing are not counted.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from geoservice.core.commune_origins import commune_origins_m
from geoservice.core.population import PopulationPieces
from geoservice.core.service_date import service_date_for
from geoservice.core.snapping import METRIC_CRS
from geoservice.core.transit_coverage import (
    RADII_M,
    commune_coverage,
    stops_served_on,
    zone_coverage,
)
from geoservice.errors import InvalidParameterError
from geoservice.runtime import Runtime
from geoservice.web.blueprint import Blueprint
from geoservice.web.context import get_runtime
from geoservice.web.openapi_examples import EXAMPLES
from geoservice.web.transit_coverage import transit_networks
from geoservice.web.transit_requests import TIMEZONE, timetable_or_error

blp = Blueprint(
    "coverage",
    __name__,
    url_prefix="/coverage",
    description="Transit coverage of the territory (planners)",
)

LEVELS = ("commune", "canton", "epci", "arrondissement", "departement")
_PIECES_KEY = "geoservice.coverage.pieces"


class CoverageQuerySchema(Schema):
    date = fields.Date(
        metadata={
            "description": "YYYY-MM-DD, default today (Europe/Paris); outside the timetable "
            "validity the service date rule applies (service_date says which day is used)"
        }
    )
    level = fields.String(
        load_default="commune",
        validate=validate.OneOf(LEVELS),
        metadata={"description": ", ".join(LEVELS)},
    )


class CoverageResponseSchema(Schema):
    date = fields.String()
    service_date = fields.Dict(metadata={"description": "requested, used, reason, holiday"})
    level = fields.String()
    radii_m = fields.List(fields.Integer())
    served_stops = fields.Integer(metadata={"description": "stops with a trip that day"})
    totals = fields.Dict(metadata={"description": "sums over the communes"})
    networks = fields.Dict(metadata={"description": "loaded and known missing networks"})
    method = fields.String()
    items = fields.List(
        fields.Dict(),
        metadata={
            "description": "per commune (code, name) or zone (zone_code): population, "
            "population_no_stop_within_{1000,2000}m and their share_, served_stops, "
            "transit_service, nearest_served_stop_m (communes); communes, "
            "communes_without_service, population_in_communes_without_service (zones)"
        },
    )


def _pieces(runtime: Runtime) -> PopulationPieces:
    """The census grid cut by the communes (built once per app)."""
    cache = current_app.extensions
    if _PIECES_KEY not in cache:
        grid = runtime.population_grid
        if grid is None:
            msg = "the census population grid is not built (run `geoservice data build`)"
            raise InvalidParameterError("level", msg)
        outlines = runtime.communes.to_crs(METRIC_CRS).geometry.to_numpy()
        cache[_PIECES_KEY] = grid.pieces_in(list(outlines))
    pieces: PopulationPieces = cache[_PIECES_KEY]
    return pieces


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {str(k): (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
        for row in frame.to_dict(orient="records")
    ]


@blp.route("/transit")
class TransitCoverage(MethodView):
    @blp.arguments(CoverageQuerySchema, location="query")
    @blp.response(200, CoverageResponseSchema, example=EXAMPLES["coverage_transit"])
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Per commune (or zone): inhabitants with no train or coach stop served that day
        within 1 km and 2 km (straight line from where they live, Census 2021 1 km grid), and
        the communes with no stop served that day inside them."""
        runtime = get_runtime()
        tt = timetable_or_error()
        day: date = args.get("date") or datetime.now(TIMEZONE).date()
        service = service_date_for(day, tt.validity)
        served = stops_served_on(tt, service.used)
        communes = runtime.communes
        table = commune_coverage(
            _pieces(runtime),
            communes["code"].astype(str).tolist(),
            list(communes.to_crs(METRIC_CRS).geometry.to_numpy()),
            commune_origins_m(communes),
            tt,
            served,
        )
        level = args["level"]
        if level == "commune":
            rows = table.assign(name=communes["name"].to_numpy())
        else:
            zones = (
                communes["code"].astype(str).str[:2]
                if level == "departement"
                else communes[level].astype(str)
            )
            rows = zone_coverage(table, dict(zip(table["code"], zones, strict=True)))
        return {
            "date": day.isoformat(),
            "service_date": {
                "requested": service.requested.isoformat(),
                "used": service.used.isoformat(),
                "reason": service.reason,
                "holiday": service.holiday,
            },
            "level": level,
            "radii_m": list(RADII_M),
            "served_stops": int(served.sum()),
            "totals": {
                "population": round(float(table["population"].sum())),
                **{
                    f"population_no_stop_within_{r}m": round(
                        float(table[f"population_no_stop_within_{r}m"].sum())
                    )
                    for r in RADII_M
                },
                "communes": len(table),
                "communes_without_service": int((~table["transit_service"]).sum()),
            },
            "networks": transit_networks(runtime.settings, loaded=True),
            "method": (
                "Eurostat Census 2021 1 km grid cells cut by the commune outlines, each piece "
                "at a point inside it; straight-line distance to the nearest stop served that "
                "day (a trip of the timetable calls at it on the service date used); a commune "
                "has transit service when such a stop lies inside it. Networks known to be "
                "missing (see networks.missing) are not counted."
            ),
            "items": _records(rows),
        }
