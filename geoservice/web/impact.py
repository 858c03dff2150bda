"""``GET /api/v1/impact``: the SEROI+ impact indicators over time (stored snapshots).

The snapshots are taken by ``geoservice impact snapshot`` (one per day); this view only reads
them. Each indicator comes with its definition, unit and source; value proxies
(``config/impact.toml``) are shown beside the measured quantity, labelled as proxies, only
when enabled and filled from a cited source.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from geoservice.analytics.impact_catalogue import IMPACT_LEVELS, describe_indicator
from geoservice.analytics.impact_values import ValueProxies
from geoservice.errors import InvalidParameterError
from geoservice.store.impact import StoredSeries, read_series
from geoservice.web.blueprint import Blueprint
from geoservice.web.context import get_runtime
from geoservice.web.contributions import get_state
from geoservice.web.impact_docs import IMPACT_CSV_EXAMPLE, IMPACT_EXAMPLE, IMPACT_SCHEMA

blp = Blueprint(
    "impact",
    __name__,
    description="SEROI+ impact monitor: what the platform changes, measured over time",
)

FORMATS = ("json", "csv")
CSV_COLUMNS = (
    "date",
    "level",
    "zone_code",
    "zone_name",
    "indicator",
    "unit",
    "value",
    "proxy_value_eur",
)
#: Longest ``indicator`` list a request may give.
MAX_INDICATORS = 100


class ImpactQuerySchema(Schema):
    level = fields.String(
        load_default="departement",
        validate=validate.OneOf(IMPACT_LEVELS),
        metadata={"description": ", ".join(IMPACT_LEVELS)},
    )
    date_from = fields.Date(
        data_key="from", metadata={"description": "first day, YYYY-MM-DD (inclusive)"}
    )
    date_to = fields.Date(data_key="to", metadata={"description": "last day, YYYY-MM-DD"})
    indicator = fields.String(
        metadata={
            "description": "comma-separated indicator ids, or prefixes ending in '.' "
            "(e.g. 'offers.posted,reach_new.drive.'); default: all"
        }
    )
    zone = fields.String(metadata={"description": "one zone code of the level"})
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))


def _indicators(text: str | None) -> list[str]:
    if not text:
        return []
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if len(ids) > MAX_INDICATORS:
        raise InvalidParameterError("indicator", f"at most {MAX_INDICATORS} indicators")
    return ids


def _theme_labels() -> dict[str, str]:
    return {
        str(k): str(v) for k, v in dict(get_runtime().settings.get("themes.labels", {})).items()
    }


def _zone_names(level: str) -> dict[str, str]:
    runtime = get_runtime()
    if level == "commune":
        frame = runtime.communes
    elif level == "departement":
        frame = runtime.zones.get("departement")
    else:
        frame = runtime.zones.get(level)
    if frame is None or "code" not in frame.columns or "name" not in frame.columns:
        return {}
    return dict(zip(frame["code"].astype(str), frame["name"].astype(str), strict=True))


def impact_document(
    stored: StoredSeries, level: str, proxies: ValueProxies, args: dict[str, Any]
) -> dict[str, Any]:
    """The JSON answer: snapshots, indicator definitions, one series per (indicator, zone)."""
    labels = _theme_labels()
    names = _zone_names(level)
    series: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for day, zone, indicator, value in stored.values:
        series.setdefault((indicator, zone), []).append(
            {
                "date": day.isoformat(),
                "value": value,
                "proxy_value_eur": proxies.value_of(indicator, value),
            }
        )
    seen = sorted({indicator for indicator, _ in series})
    definitions = []
    for indicator in seen:
        try:
            definitions.append(describe_indicator(indicator, labels))
        except KeyError:  # an indicator of an older version: served without a definition
            definitions.append({"id": indicator, "label": indicator})
    date_from: date | None = args.get("date_from")
    date_to: date | None = args.get("date_to")
    return {
        "level": level,
        "from": date_from.isoformat() if date_from else None,
        "to": date_to.isoformat() if date_to else None,
        "absent_is_zero": level == "commune",
        "snapshots": stored.snapshots,
        "indicators": definitions,
        "value_proxies": proxies.describe(),
        "series": [
            {
                "indicator": indicator,
                "zone_code": zone,
                "zone_name": names.get(zone),
                "points": points,
            }
            for (indicator, zone), points in series.items()
        ],
    }


def impact_csv(document: dict[str, Any]) -> str:
    """One CSV row per point of `document`'s series (the same values as the JSON)."""
    units = {d["id"]: d.get("unit", "") for d in document["indicators"]}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for s in document["series"]:
        for p in s["points"]:
            writer.writerow(
                [
                    p["date"],
                    document["level"],
                    s["zone_code"],
                    s["zone_name"] or "",
                    s["indicator"],
                    units.get(s["indicator"], ""),
                    repr(p["value"]),
                    "" if p["proxy_value_eur"] is None else repr(p["proxy_value_eur"]),
                ]
            )
    return buffer.getvalue()


def load_impact(args: dict[str, Any]) -> dict[str, Any]:
    """Read the stored series a request asks for, as the JSON document."""
    date_from, date_to = args.get("date_from"), args.get("date_to")
    if date_from is not None and date_to is not None and date_from > date_to:
        raise InvalidParameterError("from", "'from' must not be after 'to'")
    level = args["level"]
    with get_state().store.read() as session:
        stored = read_series(
            session,
            level,
            date_from=date_from,
            date_to=date_to,
            indicators=_indicators(args.get("indicator")),
            zone=args.get("zone"),
        )
    proxies = ValueProxies.from_section(
        dict(get_runtime().settings.section("impact").get("values", {}))
    )
    return impact_document(stored, level, proxies, args)


@blp.route("/impact")
class Impact(MethodView):
    @blp.arguments(ImpactQuerySchema, location="query")
    @blp.response(200, description="the time series as JSON, or CSV (one row per point)")
    @blp.doc(
        responses={
            "200": {
                "content": {
                    "application/json": {"schema": IMPACT_SCHEMA, "example": IMPACT_EXAMPLE},
                    "text/csv": {"schema": {"type": "string"}, "example": IMPACT_CSV_EXAMPLE},
                }
            }
        }
    )
    def get(self, args: dict[str, Any]) -> Any:
        """The impact indicators over time for every zone of a level (snapshots taken by
        ``geoservice impact snapshot``), each with its definition, unit and source; value
        proxies beside the quantities when configured."""
        document = load_impact(args)
        if args["format"] == "csv":
            return Response(impact_csv(document), mimetype="text/csv")
        return document
