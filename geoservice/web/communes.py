"""``GET /api/v1/communes``: the current communes of the Nièvre as GeoJSON."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields

from geoservice.core.commune_origins import ORIGIN_SOURCES, commune_origins
from geoservice.core.geojson import feature_collection_from_frame
from geoservice.web.blueprint import Blueprint
from geoservice.web.context import get_runtime
from geoservice.web.openapi_examples import EXAMPLES

blp = Blueprint(
    "communes", __name__, url_prefix="/communes", description="Communes and their population"
)

COMMUNE_PROPERTIES = ("code", "name", "population", "canton", "epci", "arrondissement")


class CommunesQuerySchema(Schema):
    geometry = fields.Boolean(
        load_default=True,
        metadata={"description": "false: properties only, `geometry` is null (smaller)"},
    )


class CommuneOriginSchema(Schema):
    lon = fields.Float(metadata={"description": "longitude, EPSG:4326"})
    lat = fields.Float(metadata={"description": "latitude, EPSG:4326"})
    source = fields.String(
        metadata={
            "description": "`town_hall`: the commune's town hall (inside its outline, 100 m "
            "tolerance); `representative_point`: a point inside the outline, used where the "
            "published town-hall point lies outside the commune",
            "enum": list(ORIGIN_SOURCES),
        }
    )


class CommunePropertiesSchema(Schema):
    code = fields.String(metadata={"description": "INSEE commune code"})
    name = fields.String()
    population = fields.Integer(metadata={"description": "legal population (INSEE)"})
    canton = fields.String(metadata={"description": "canton code"})
    epci = fields.String(metadata={"description": "EPCI SIREN"})
    arrondissement = fields.String(metadata={"description": "arrondissement code"})
    origin = fields.Nested(
        CommuneOriginSchema,
        metadata={
            "description": "where journeys from this commune start, in every answer that "
            "takes a commune as origin (reachable, transit, accessibility tables, maps...)"
        },
    )


class CommuneFeatureSchema(Schema):
    type = fields.String()
    id = fields.String()
    properties = fields.Nested(CommunePropertiesSchema)
    geometry = fields.Raw(allow_none=True, metadata={"description": "GeoJSON, EPSG:4326"})


class CommuneCollectionSchema(Schema):
    type = fields.String()
    total = fields.Integer()
    features = fields.List(fields.Nested(CommuneFeatureSchema))


@blp.route("")
class Communes(MethodView):
    @blp.arguments(CommunesQuerySchema, location="query")
    @blp.response(200, CommuneCollectionSchema, example=EXAMPLES["communes"])
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The 309 current communes: INSEE code, name, population, canton, EPCI, arrondissement,
        and the origin point journeys from the commune start from (its town hall, or a point
        inside it where the town-hall point lies outside)."""
        communes = get_runtime().communes
        collection = feature_collection_from_frame(
            communes,
            columns=COMMUNE_PROPERTIES,
            id_column="code",
            with_geometry=args["geometry"],
        )
        origins = commune_origins(communes)
        for feature, point, source in zip(
            collection["features"], origins.geometry, origins["source"], strict=True
        ):
            feature["properties"]["origin"] = {
                "lon": round(float(point.x), 6),
                "lat": round(float(point.y), 6),
                "source": str(source),
            }
        collection["total"] = len(communes)
        return collection
