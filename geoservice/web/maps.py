"""Thematic maps: ``GET /api/v1/maps/accessibility.{geojson,png,html}`` and
``GET /api/v1/maps/isochrones.png``.

Thin views over :mod:`geoservice.maps.render` (the same calls as ``geoservice map ...``).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from geoservice.errors import DataError
from geoservice.maps.config import MapConfig
from geoservice.maps.isochrones import isochrones_to_png
from geoservice.maps.map_language import LANGUAGES, category_name, mode_phrase, words
from geoservice.maps.render import MEDIA_TYPES, render_accessibility_map
from geoservice.web.accessibility import CATEGORY_DOC, MODE_DOC, planning_metadata
from geoservice.web.blueprint import Blueprint
from geoservice.web.context import get_runtime
from geoservice.web.isochrone_schemas import IsochroneQuerySchema
from geoservice.web.isochrones import isochrones_from_query
from geoservice.web.openapi_docs import ACCESSIBILITY_MAP_CONTENT

blp = Blueprint(
    "maps",
    __name__,
    url_prefix="/maps",
    description="Thematic maps: time to the nearest offer per commune, isochrones.",
)

SCHEMES = ("FisherJenks", "Quantiles", "EqualInterval", "UserDefined")

LANG_FIELD = fields.String(
    load_default="fr",
    validate=validate.OneOf(LANGUAGES),
    metadata={
        "description": "language of the title, subtitle, note, legend title and mode and "
        "category names: fr (default) or en; theme names are those of config/themes.toml"
    },
)


class IsochroneMapQuerySchema(IsochroneQuerySchema):
    lang = LANG_FIELD


class AccessibilityMapQuerySchema(Schema):
    theme = fields.String(metadata={"description": "theme id (see config/themes.toml)"})
    category = fields.String(metadata=CATEGORY_DOC)
    mode = fields.String(load_default="drive", metadata=MODE_DOC)
    scheme = fields.String(validate=validate.OneOf(SCHEMES))
    k = fields.Integer(validate=validate.Range(min=2, max=9))
    threshold_minutes = fields.Float(
        validate=validate.Range(min=0, max=240, min_inclusive=False),
        metadata={"description": "communes beyond it are outlined as underserved"},
    )
    lang = LANG_FIELD


def _binary(content: bytes, media_type: str) -> Response:
    return Response(content, mimetype=media_type.split(";")[0], content_type=media_type)


@blp.route("/accessibility.<any(geojson, png, html):fmt>")
class AccessibilityMap(MethodView):
    @blp.arguments(AccessibilityMapQuerySchema, location="query")
    @blp.response(
        200,
        content_type="image/png",
        description="PNG, HTML page or GeoJSON (each feature with class, class_label, color; "
        "the collection with title, subtitle, note, legend, attribution and metadata: the "
        "network's and the transit data's limits, as in GET /api/v1/accessibility).",
    )
    @blp.doc(responses={"200": {"content": ACCESSIBILITY_MAP_CONTENT}})
    def get(self, args: dict[str, Any], fmt: str) -> Response:
        """Choropleth of the time to the nearest offer of a theme or category, by a mode."""
        runtime = get_runtime()
        model = runtime.accessibility
        if model is None:
            raise DataError("the accessibility tables are not loaded")
        target = model.target(args.get("theme"), args.get("category"))
        mode = model.check_mode(str(args["mode"]))
        rendered = render_accessibility_map(
            runtime.communes,
            model.commune_figures(target, mode),
            fmt,
            target_label=(
                category_name(target.value, args["lang"])
                if target.type == "category"
                else target.label(runtime.settings)
            ),
            lang=args["lang"],
            mode=mode,
            network_limits=model.network_limits,
            config=MapConfig.from_settings(runtime.settings),
            scheme=args.get("scheme"),
            k=args.get("k"),
            threshold_minutes=args.get("threshold_minutes"),
            metadata=planning_metadata(model) if fmt == "geojson" else None,
        )
        return _binary(rendered.content, rendered.media_type)


@blp.route("/isochrones.png")
class IsochroneMap(MethodView):
    @blp.arguments(IsochroneMapQuerySchema, location="query")
    @blp.response(200, content_type="image/png", description="PNG map of the bands.")
    @blp.doc(
        responses={
            "200": {"content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}}
        }
    )
    def get(self, args: dict[str, Any]) -> Response:
        """Isochrone bands around one point drawn over the communes (same query as
        ``GET /api/v1/isochrones``)."""
        runtime = get_runtime()
        lang = args.pop("lang", "fr")
        collection = isochrones_from_query(args)
        bands = gpd.GeoDataFrame.from_features(collection["features"], crs="EPSG:4326")
        mode = collection["features"][0]["properties"]["mode"] if len(bands) else args["mode"]
        config = MapConfig.from_settings(runtime.settings)
        png = isochrones_to_png(
            bands,
            runtime.communes,
            texts=config.texts(
                words("isochrone_title", lang),
                subtitle=words("isochrone_subtitle", lang, mode=mode_phrase(mode, lang)),
                legend_title=words("isochrone_legend", lang),
            ),
            size=config.image_size(),
            origins_lonlat=[(float(args["lon"]), float(args["lat"]))],
            palette=config.palette,
        )
        return _binary(png, MEDIA_TYPES["png"])
