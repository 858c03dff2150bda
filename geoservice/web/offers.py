"""``GET /api/v1/offers`` (search) and ``GET /api/v1/offers/<offer_id>``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import request, url_for
from flask.views import MethodView
from marshmallow import Schema, fields

from geoservice.core.geojson import feature_collection_from_frame
from geoservice.core.offers import (
    CATEGORIES,
    LOCATION_QUALITIES,
    OFFER_COLUMNS,
    OfferPage,
    ThemeConfig,
    offer_query_from_args,
    search_offers,
)
from geoservice.errors import NotFoundError
from geoservice.web.blueprint import Blueprint
from geoservice.web.context import get_runtime

blp = Blueprint("offers", __name__, url_prefix="/offers", description="Cultural offers")


class OffersQuerySchema(Schema):
    q = fields.String(
        metadata={"description": "case- and accent-insensitive text in the name or commune"}
    )
    theme = fields.String(
        metadata={"description": "theme id(s), comma-separated (any of them); see config"}
    )
    category = fields.String(
        metadata={"description": f"category(ies), comma-separated: {', '.join(CATEGORIES)}"}
    )
    commune = fields.String(metadata={"description": "INSEE code of the commune"})
    bbox = fields.String(
        metadata={"description": "min_lon,min_lat,max_lon,max_lat (degrees, EPSG:4326)"}
    )
    limit = fields.Integer(metadata={"description": "page size, 1..api.max_limit"})
    offset = fields.Integer(metadata={"description": "index of the first match, ≥ 0"})


class OfferPropertiesSchema(Schema):
    offer_id = fields.String(metadata={"description": "stable id, '{source}:{source_id}'"})
    name = fields.String()
    category = fields.String(metadata={"description": ", ".join(CATEGORIES)})
    themes = fields.List(fields.String())
    commune_code = fields.String(metadata={"description": "INSEE code"})
    address = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    period = fields.String(allow_none=True, metadata={"description": "festival season"})
    source = fields.String()
    source_id = fields.String()
    licence = fields.String()
    attribution = fields.String()
    location_quality = fields.String(metadata={"description": ", ".join(LOCATION_QUALITIES)})


class OfferFeatureSchema(Schema):
    type = fields.String()
    id = fields.String()
    properties = fields.Nested(OfferPropertiesSchema)
    geometry = fields.Raw(metadata={"description": "GeoJSON Point, EPSG:4326"})


class LinkSchema(Schema):
    rel = fields.String()
    href = fields.String()


class OfferCollectionSchema(Schema):
    type = fields.String()
    total = fields.Integer(metadata={"description": "number of matches over all pages"})
    limit = fields.Integer()
    offset = fields.Integer()
    links = fields.List(fields.Nested(LinkSchema), metadata={"description": "self, next, prev"})
    features = fields.List(fields.Nested(OfferFeatureSchema))


def _page_link(offset: int, limit: int) -> str:
    args = {k: v for k, v in request.args.items() if k not in {"offset", "limit"}}
    args.update(limit=str(limit), offset=str(offset))
    return url_for("offers.Offers", _external=False) + "?" + urlencode(args)


def _links(page: OfferPage) -> list[dict[str, str]]:
    links = [{"rel": "self", "href": _page_link(page.offset, page.limit)}]
    if page.offset + page.limit < page.total:
        links.append({"rel": "next", "href": _page_link(page.offset + page.limit, page.limit)})
    if page.offset > 0:
        links.append(
            {"rel": "prev", "href": _page_link(max(page.offset - page.limit, 0), page.limit)}
        )
    return links


@blp.route("")
class Offers(MethodView):
    @blp.arguments(OffersQuerySchema, location="query")
    @blp.response(200, OfferCollectionSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Search the offers: text, theme, category, commune, bounding box; paged."""
        runtime = get_runtime()
        settings = runtime.settings
        query = offer_query_from_args(
            **args,
            vocabulary=ThemeConfig.from_section(settings.section("themes")).vocabulary,
            commune_codes=runtime.communes["code"],
            default_limit=int(settings.get("api.default_limit", 50)),
            max_limit=int(settings.get("api.max_limit", 500)),
        )
        names = dict(zip(runtime.communes["code"], runtime.communes["name"], strict=True))
        page = search_offers(runtime.offers, query, commune_names=names)
        collection = feature_collection_from_frame(
            page.offers, columns=OFFER_COLUMNS, id_column="offer_id"
        )
        collection.update(
            total=page.total, limit=page.limit, offset=page.offset, links=_links(page)
        )
        return collection


@blp.route("/<string:offer_id>")
class Offer(MethodView):
    @blp.response(200, OfferFeatureSchema)
    def get(self, offer_id: str) -> dict[str, Any]:
        """One offer as a GeoJSON Feature."""
        offers = get_runtime().offers
        match = offers[offers["offer_id"] == offer_id]
        if match.empty:
            raise NotFoundError(f"no offer with id {offer_id!r}")
        feature: dict[str, Any] = feature_collection_from_frame(
            match, columns=OFFER_COLUMNS, id_column="offer_id"
        )["features"][0]
        return feature
