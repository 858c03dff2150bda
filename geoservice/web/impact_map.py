"""``GET /api/v1/maps/impact.png``: an impact indicator's time series and the map of its
latest value per zone (French labels)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, current_app
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from geoservice.analytics.impact_catalogue import IMPACT_LEVELS, family_of, label_fr
from geoservice.errors import InvalidParameterError
from geoservice.maps.config import MapConfig
from geoservice.maps.impact import impact_to_png
from geoservice.maps.render import MEDIA_TYPES
from geoservice.store.impact import read_series
from geoservice.web.blueprint import Blueprint
from geoservice.web.context import get_runtime
from geoservice.web.contributions import get_state

blp = Blueprint(
    "impact_map",
    __name__,
    url_prefix="/maps",
    description="The impact indicators as a picture: time series and latest value per zone.",
)

_CACHE_KEY = "geoservice.impact_map.png"
_CACHE_SIZE = 32

UNITS_FR = {
    "offers": "offres",
    "events": "événements",
    "projects": "projets",
    "people": "personnes",
    "rides": "trajets",
    "seats": "places",
    "minutes": "minutes (estimation)",
    "km": "km (estimation)",
    "inhabitants": "habitants",
}


class ImpactMapQuerySchema(Schema):
    indicator = fields.String(
        load_default="offers.posted",
        validate=validate.Length(min=1, max=120),
        metadata={"description": "an indicator id of GET /api/v1/impact"},
    )
    level = fields.String(
        load_default="commune",
        validate=validate.OneOf(IMPACT_LEVELS),
        metadata={"description": "zones of the map: " + ", ".join(IMPACT_LEVELS)},
    )


@blp.route("/impact.png")
class ImpactMap(MethodView):
    @blp.arguments(ImpactMapQuerySchema, location="query")
    @blp.response(200, content_type="image/png", description="PNG: series and map.")
    @blp.doc(
        responses={
            "200": {"content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}}
        }
    )
    def get(self, args: dict[str, Any]) -> Response:
        """An impact indicator: its département series over the snapshots and the map of its
        latest value per commune (or zone of `level`)."""
        runtime = get_runtime()
        indicator, level = args["indicator"], args["level"]
        try:
            family = family_of(indicator)
        except KeyError as e:
            raise InvalidParameterError("indicator", f"unknown indicator {indicator!r}") from e
        if level == "commune" and family.family == "reach":
            msg = "reach.* is given for zones only (a commune is all in or all out): use level"
            raise InvalidParameterError("indicator", msg, allowed=list(IMPACT_LEVELS[1:]))
        with get_state().store.read() as session:
            total = read_series(session, "departement", indicators=[indicator])
            local = read_series(session, level, indicators=[indicator])
        # Same snapshots, same picture: rendered once per app (at most _CACHE_SIZE kept).
        key = (indicator, level, tuple(s["taken_at"] for s in total.snapshots))
        cache: dict[Any, bytes] = current_app.extensions.setdefault(_CACHE_KEY, {})
        if key in cache:
            return Response(cache[key], mimetype="image/png", content_type=MEDIA_TYPES["png"])
        points = [(d, v) for d, _, _, v in total.values]
        latest: date | None = max((d for d, _, _, _ in local.values), default=None)
        if latest is None and total.values:
            latest = total.values[-1][0]
        values = {z: v for d, z, _, v in local.values if d == latest}
        if level == "commune":
            zones = runtime.communes[["code", "name", "geometry"]]
        else:
            zones = runtime.zones[level][["code", "name", "geometry"]]
        frame = zones.assign(value=zones["code"].astype(str).map(values).fillna(0.0))
        # Short theme names in the title ("Livre", not "Livre, lecture, littérature").
        labels = {
            str(k): str(v).split(" (")[0].split(",")[0]
            for k, v in dict(runtime.settings.get("themes.labels", {})).items()
        }
        config = MapConfig.from_settings(runtime.settings)
        unit = UNITS_FR.get(family.unit, family.unit)
        when = latest.strftime("%d/%m/%Y") if latest else "aucun instantané"
        texts = config.texts(
            label_fr(indicator, labels),
            subtitle=f"Dernière valeur par {_LEVELS_FR[level]} au {when} ; série : Nièvre",
            note=(
                "Indicateur d'impact SEROI+ (définition, formule et limites : docs/impact.md). "
                f"Source : {family.source}."
                + (
                    " Estimation sur les places réservées, pas des trajets mesurés."
                    if family.unit in {"minutes", "km"}
                    else ""
                )
            ),
            legend_title=unit.capitalize(),
        )
        png = impact_to_png(
            points,
            frame,
            "value",
            texts,
            series_title=f"Évolution dans la Nièvre ({unit})",
            size=config.image_size(),
        )
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        cache[key] = png
        return Response(png, mimetype="image/png", content_type=MEDIA_TYPES["png"])


_LEVELS_FR = {
    "commune": "commune",
    "canton": "canton",
    "epci": "intercommunalité (EPCI)",
    "departement": "département",
}
