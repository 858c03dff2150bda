"""Planning endpoints: accessibility tables, underserved communes, scenarios, site suggestions.

``GET /api/v1/accessibility``, ``GET /api/v1/underserved``, ``POST /api/v1/scenarios`` and
``GET /api/v1/suggestions``. The tables are those of ``Runtime.accessibility`` (loaded once);
scenarios and suggestions use its in-memory travel-time sources. Every response carries a
``metadata`` member stating the model's limits (main roads only, commune origin points).
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any

import numpy as np
import pandas as pd
from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from geoservice.analytics.accessibility import AccessibilityModel
from geoservice.analytics.age_split import AGE_CHOICES
from geoservice.analytics.scenarios import NewVenue, run_scenario
from geoservice.analytics.suggestions import suggest_sites
from geoservice.analytics.targets import Target
from geoservice.analytics.underserved import rank_underserved
from geoservice.core.geojson import feature_collection_from_frame
from geoservice.core.network import MODES
from geoservice.core.offers import CATEGORIES
from geoservice.errors import (
    DataError,
    InvalidParameterError,
    LimitExceededError,
    ServiceUnavailableError,
)
from geoservice.web.blueprint import Blueprint
from geoservice.web.context import get_runtime
from geoservice.web.openapi_docs import (
    ACCESSIBILITY,
    ACCESSIBILITY_CSV_EXAMPLE,
    ACCESSIBILITY_EXAMPLE,
    SCENARIO,
    SCENARIO_EXAMPLE,
    SUGGESTIONS,
    SUGGESTIONS_EXAMPLE,
    UNDERSERVED,
    UNDERSERVED_EXAMPLE,
    json_response_doc,
)
from geoservice.web.scenario_rides import shared_rides_block

blp = Blueprint(
    "accessibility",
    __name__,
    url_prefix="",
    description="Accessibility of the communes, underserved zones, what-if scenarios and "
    "site suggestions (planners).",
)

LEVELS = ("commune", "canton", "epci", "arrondissement", "departement")
FORMATS = ("json", "geojson", "csv")


def _model() -> AccessibilityModel:
    model = get_runtime().accessibility
    if model is None:
        raise DataError("the accessibility tables are not loaded")
    return model


def planning_metadata(model: AccessibilityModel) -> dict[str, Any]:
    """The ``metadata`` block of the planning answers and of the map GeoJSON: the network and
    its limits, the origin points, the modes, the transit data's limits, the tables."""
    return {
        "network": {
            "name": model.network.name,
            "limits": model.network_limits,
            "main_roads_only": model.network.main_roads_only,
        },
        "origins": "each commune's town hall (a point inside the commune where its published "
        "town-hall point lies outside it; see GET /api/v1/communes, origin)",
        "modes": list(model.modes),
        "transit": _transit_note(model),
        "tables": {
            "fingerprint": model.tables.fingerprint,
            "source": model.tables_origin,
        },
    }


def _transit_note(model: AccessibilityModel) -> str:
    if "transit" not in model.modes:
        return "no transit timetable loaded: mode 'transit' is not in the tables"
    w = model.params.transit_window
    if w is None:
        return "no transit departure window configured: mode 'transit' is not in the tables"
    return (
        f"transit: walk + TER trains and coaches + walk; {w.statistic} door-to-door time over "
        f"departures every minute from {w.start_s // 3600:02d}:{w.start_s % 3600 // 60:02d} "
        f"for {w.window_minutes} min on {w.day.isoformat()} (a date outside the feed's "
        "validity maps to the same weekday inside it); the walk-only trip is always allowed"
    )


def _target_and_mode(model: AccessibilityModel, args: dict[str, Any]) -> tuple[Target, str]:
    target = model.target(args.get("theme"), args.get("category"))
    mode = model.check_mode(str(args.get("mode", "drive")))
    return target, mode


def _threshold(model: AccessibilityModel, args: dict[str, Any]) -> float:
    minutes = float(args.get("threshold_minutes", model.params.default_threshold_minutes))
    if minutes > model.params.max_threshold_minutes:
        msg = f"threshold_minutes {minutes:g} is above {model.params.max_threshold_minutes}"
        raise LimitExceededError("threshold_minutes", msg)
    return minutes


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (NaN/NA → null, numpy scalars → Python)."""
    out = []
    for row in frame.to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for key, value in row.items():
            if value is None or value is pd.NA:
                clean[str(key)] = None
            elif isinstance(value, float | np.floating):
                clean[str(key)] = None if math.isnan(value) else float(value)
            elif isinstance(value, np.integer):
                clean[str(key)] = int(value)
            else:
                clean[str(key)] = value
        out.append(clean)
    return out


#: Documented closed lists (OpenAPI ``enum``); the values are still checked by the model,
#: whose errors name the field and the allowed values.
CATEGORY_DOC = {"description": "museum, cinema, library or festival", "enum": list(CATEGORIES)}
MODE_DOC = {"description": "drive, bike, walk or transit", "enum": [*MODES, "transit"]}


class TargetQuerySchema(Schema):
    theme = fields.String(metadata={"description": "theme id (see config/themes.toml)"})
    category = fields.String(metadata=CATEGORY_DOC)
    mode = fields.String(load_default="drive", metadata=MODE_DOC)


class AccessibilityQuerySchema(TargetQuerySchema):
    level = fields.String(load_default="commune", validate=validate.OneOf(LEVELS))
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))


class UnderservedQuerySchema(TargetQuerySchema):
    threshold_minutes = fields.Float(
        validate=validate.Range(min=0, min_inclusive=False),
        metadata={"description": "minutes; default accessibility.default_threshold_minutes"},
    )


class UnderservedAgeQuerySchema(UnderservedQuerySchema):
    age = fields.String(
        load_default="all",
        validate=validate.OneOf(AGE_CHOICES),
        metadata={
            "description": "rank by inhabitants of this age band (census grid shares): "
            + ", ".join(AGE_CHOICES)
        },
    )


class SuggestionsQuerySchema(UnderservedQuerySchema):
    k = fields.Integer(
        load_default=3,
        validate=validate.Range(min=1),
        metadata={"description": "number of communes to propose (≤ max_suggestions)"},
    )


class VenueSchema(Schema):
    category = fields.String(required=True, metadata=CATEGORY_DOC)
    themes = fields.List(fields.String(), load_default=list)
    lon = fields.Float(validate=validate.Range(min=-180, max=180))
    lat = fields.Float(validate=validate.Range(min=-90, max=90))
    commune = fields.String(metadata={"description": "INSEE code (instead of lon/lat)"})
    name = fields.String()


class ScenarioBodySchema(Schema):
    theme = fields.String()
    category = fields.String(metadata=CATEGORY_DOC)
    mode = fields.String(load_default="drive", metadata=MODE_DOC)
    add = fields.List(fields.Nested(VenueSchema), load_default=list)
    remove = fields.List(fields.String(), load_default=list)
    thresholds_minutes = fields.List(
        fields.Float(validate=validate.Range(min=0, min_inclusive=False))
    )
    shared_rides = fields.Boolean(
        load_default=False,
        metadata={
            "description": "also count, per threshold, the inhabitants beyond it with an open "
            "ride with a free seat to an offer of the target leaving nearby (offered seats, "
            "not a transport service; see docs/projects-and-rides.md)"
        },
    )


def _zone_frame(model: AccessibilityModel, level: str) -> pd.DataFrame:
    zones = get_runtime().zones
    if level not in zones:
        raise DataError(f"zones of level {level!r} are not loaded")
    return zones[level]


def _table(model: AccessibilityModel, target: Target, mode: str, level: str) -> pd.DataFrame:
    if level == "commune":
        rows = model.commune_figures(target, mode)
        rows = rows.rename(columns={"commune_code": "code"})
        rows.insert(0, "code", rows.pop("code"))
        names = model.offers.set_index("offer_id")["name"]
        at = list(rows.columns).index("nearest_offer_id") + 1
        rows.insert(at, "nearest_offer_name", rows["nearest_offer_id"].map(names))
        return rows.drop(columns=["mode", "target_type", "target"])
    z = model.tables.zones
    rows = z[
        (z["level"] == level)
        & (z["mode"] == mode)
        & (z["target_type"] == target.type)
        & (z["target"] == target.value)
    ]
    names = _zone_frame(model, level).set_index("code")["name"]
    out = rows.drop(columns=["level", "mode", "target_type", "target"]).rename(
        columns={"zone_code": "code"}
    )
    out.insert(1, "name", out["code"].map(names))
    return out.reset_index(drop=True)


@blp.route("/accessibility")
class Accessibility(MethodView):
    @blp.arguments(AccessibilityQuerySchema, location="query")
    @blp.response(200, description="JSON table, GeoJSON FeatureCollection or CSV")
    @blp.doc(
        responses={
            "200": {
                "content": {
                    "application/json": {
                        "schema": ACCESSIBILITY,
                        "example": ACCESSIBILITY_EXAMPLE,
                    },
                    "text/csv": {
                        "schema": {"type": "string"},
                        "example": ACCESSIBILITY_CSV_EXAMPLE,
                    },
                }
            }
        }
    )
    def get(self, args: dict[str, Any]) -> Any:
        """Time to the nearest offer and offers within reach, per commune or zone."""
        model = _model()
        target, mode = _target_and_mode(model, args)
        level = args["level"]
        table = _table(model, target, mode, level)
        fmt = args["format"]
        if fmt == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(table.columns)
            for record in _records(table):
                writer.writerow(["" if v is None else v for v in record.values()])
            return Response(buffer.getvalue(), mimetype="text/csv")
        head = {
            "target": {"type": target.type, "value": target.value},
            "mode": mode,
            "level": level,
        }
        if fmt == "geojson":
            shapes = get_runtime().communes if level == "commune" else _zone_frame(model, level)
            frame = shapes[["code", "geometry"]].merge(
                table.astype(object).where(table.notna(), None), on="code"
            )
            collection = feature_collection_from_frame(frame, id_column="code")
            for feature, record in zip(collection["features"], _records(table), strict=True):
                feature["properties"] = record
            collection.update(head, metadata=planning_metadata(model))
            return collection
        return {**head, "metadata": planning_metadata(model), "items": _records(table)}


@blp.route("/underserved")
class Underserved(MethodView):
    @blp.arguments(UnderservedAgeQuerySchema, location="query")
    @blp.response(200, description="communes beyond the threshold, most inhabitants first")
    @blp.doc(**json_response_doc(UNDERSERVED, UNDERSERVED_EXAMPLE))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Communes whose nearest offer is farther than the threshold, ranked by inhabitants."""
        model = _model()
        target, mode = _target_and_mode(model, args)
        minutes = _threshold(model, args)
        age = args["age"]
        if age != "all" and not model.has_ages:
            raise ServiceUnavailableError(
                "the age split is not available: the census grid is not loaded"
            )
        ranking = rank_underserved(
            model.commune_figures(target, mode),
            model.offers.set_index("offer_id")["name"],
            target,
            mode,
            minutes,
            age=age,
        )
        return {
            "target": {"type": target.type, "value": target.value},
            "mode": mode,
            "threshold_minutes": minutes,
            "age": age,
            "population_beyond": ranking.population_beyond,
            "population_total": ranking.population_total,
            "share_beyond": round(ranking.population_beyond / ranking.population_total, 6),
            "metadata": planning_metadata(model),
            "items": _records(ranking.communes),
        }


@blp.route("/scenarios")
class Scenarios(MethodView):
    @blp.arguments(ScenarioBodySchema, location="json")
    @blp.response(200, description="per-commune before/after and population newly within")
    @blp.doc(**json_response_doc(SCENARIO, SCENARIO_EXAMPLE))
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """What if venues were added (points or communes) and/or existing offers removed.

        With ``shared_rides``, the answer's ``shared_rides`` member also counts the
        inhabitants beyond each threshold with an offered seat to the target leaving nearby
        (``basis``: offered seats, not a transport service).
        """
        model = _model()
        target, mode = _target_and_mode(model, body)
        venues = []
        for i, v in enumerate(body["add"]):
            if v.get("commune") is None and (v.get("lon") is None or v.get("lat") is None):
                raise InvalidParameterError(f"add.{i}", "a venue needs a commune or lon and lat")
            venues.append(
                NewVenue(
                    category=v["category"],
                    themes=tuple(v["themes"]),
                    lon=v.get("lon"),
                    lat=v.get("lat"),
                    commune=v.get("commune"),
                    name=v.get("name"),
                )
            )
        thresholds = body.get("thresholds_minutes")
        if thresholds:
            for i, m in enumerate(thresholds):
                if m > model.params.max_threshold_minutes:
                    msg = f"{m:g} is above {model.params.max_threshold_minutes} minutes"
                    raise LimitExceededError(f"thresholds_minutes.{i}", msg)
        result = run_scenario(
            model, target, mode, add=venues, remove=body["remove"], thresholds_minutes=thresholds
        )
        added = [
            {"id": vid, "name": v.name, "category": v.category, "themes": list(v.themes),
             "commune": v.commune, "lon": v.lon, "lat": v.lat,
             "counts_for_target": v.serves(target)}
            for vid, v in zip(result.added_ids, venues, strict=True)
        ]  # fmt: skip
        changed = result.communes["delta_s"].fillna(0) != 0
        answer: dict[str, Any] = {
            "target": {"type": target.type, "value": target.value},
            "mode": mode,
            "added": added,
            "removed": list(body["remove"]),
            "thresholds": _records(result.thresholds),
            "communes_changed": int(changed.sum()),
            "metadata": planning_metadata(model),
            "communes": _records(result.communes),
        }
        if body["shared_rides"]:
            answer["shared_rides"] = shared_rides_block(model, target, result, body["remove"])
        return answer


@blp.route("/suggestions")
class Suggestions(MethodView):
    @blp.arguments(SuggestionsQuerySchema, location="query")
    @blp.response(200, description="greedy picks with the population each one brings in")
    @blp.doc(**json_response_doc(SUGGESTIONS, SUGGESTIONS_EXAMPLE))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Communes where a new venue or mobile stop would bring most people within reach."""
        model = _model()
        target, mode = _target_and_mode(model, args)
        minutes = _threshold(model, args)
        k = int(args["k"])
        if k > model.params.max_suggestions:
            raise LimitExceededError("k", f"k {k} is above {model.params.max_suggestions}")
        figures = model.commune_figures(target, mode)
        steps = suggest_sites(
            model.commune_times(mode),
            figures["time_s"].to_numpy(dtype=float, na_value=np.nan),
            model.communes["population"].to_numpy(dtype=np.int64),
            model.communes["code"].tolist(),
            model.communes["name"].tolist(),
            threshold_minutes=minutes,
            k=k,
        )
        uncovered = np.nan_to_num(
            figures["time_s"].to_numpy(dtype=float, na_value=np.nan), nan=np.inf
        ) > (minutes * 60)
        return {
            "target": {"type": target.type, "value": target.value},
            "mode": mode,
            "threshold_minutes": minutes,
            "k": k,
            "population_uncovered_before": int(figures["population"][uncovered].sum()),
            "method": "greedy maximal coverage over the communes' origins (town halls)",
            "metadata": planning_metadata(model),
            "steps": [
                {
                    "rank": s.rank,
                    "code": s.code,
                    "name": s.name,
                    "gain_population": s.gain_population,
                    "covered_communes": s.covered_communes,
                    "cumulative_population": s.cumulative_population,
                    "remaining_population": s.remaining_population,
                }
                for s in steps
            ],
        }
