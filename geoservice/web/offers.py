"""``GET /api/v1/offers`` (search) and ``GET /api/v1/offers/<offer_id>``.

The search covers the open-data offers (``Runtime.offers``) and the published offers people
posted (``geoservice.store``, ids ``user:<n>``), paged together by ``offer_id``. Posted
offers are served one by one by ``GET /offers/user:<n>`` (``web/contributions.py``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from flask import request, url_for
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from geoservice.core.geojson import feature_collection_from_frame
from geoservice.core.offers import (
    LOCATION_QUALITIES,
    OFFER_COLUMNS,
    SEARCH_CATEGORIES,
    OfferPage,
    ThemeConfig,
    offer_query_from_args,
    page_of_offers,
    search_offers,
)
from geoservice.errors import InvalidParameterError, NotFoundError
from geoservice.store.offers import WHEN_VALUES
from geoservice.web.blueprint import Blueprint
from geoservice.web.context import get_runtime
from geoservice.web.contributions import posted_offers_frame

blp = Blueprint("offers", __name__, url_prefix="/offers", description="Cultural offers")


class OffersQuerySchema(Schema):
    q = fields.String(
        metadata={"description": "case- and accent-insensitive text in the name or commune"}
    )
    theme = fields.String(
        metadata={"description": "theme id(s), comma-separated (any of them); see config"}
    )
    category = fields.String(
        metadata={
            "description": f"category(ies), comma-separated: {', '.join(SEARCH_CATEGORIES)} "
            "(the last five are the kinds of posted offers)"
        }
    )
    commune = fields.String(metadata={"description": "INSEE code of the commune"})
    bbox = fields.String(
        metadata={"description": "min_lon,min_lat,max_lon,max_lat (degrees, EPSG:4326)"}
    )
    when = fields.String(
        validate=validate.OneOf(WHEN_VALUES),
        metadata={
            "description": "upcoming: a timing starts later; current: under way, or permanent "
            "(offers without dates, e.g. every open-data venue); past: every timing is over"
        },
    )
    date_from = fields.Date(
        metadata={"description": "a timing ends on or after this day (Europe/Paris)"}
    )
    date_to = fields.Date(
        metadata={"description": "a timing begins on or before this day (Europe/Paris)"}
    )
    limit = fields.Integer(metadata={"description": "page size, 1..api.max_limit"})
    offset = fields.Integer(metadata={"description": "index of the first match, ≥ 0"})


class OfferPropertiesSchema(Schema):
    offer_id = fields.String(metadata={"description": "stable id, '{source}:{source_id}'"})
    name = fields.String()
    category = fields.String(metadata={"description": ", ".join(SEARCH_CATEGORIES)})
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
        """Search the offers, open data and posted ones: text, theme, category, commune,
        bounding box, dates; paged."""
        runtime = get_runtime()
        settings = runtime.settings
        when = args.pop("when", None)
        date_from, date_to = args.pop("date_from", None), args.pop("date_to", None)
        if date_from is not None and date_to is not None and date_to < date_from:
            raise InvalidParameterError("date_to", f"date_to {date_to} is before {date_from}")
        query = offer_query_from_args(
            **args,
            vocabulary=ThemeConfig.from_section(settings.section("themes")).vocabulary,
            commune_codes=runtime.communes["code"],
            default_limit=int(settings.get("api.default_limit", 50)),
            max_limit=int(settings.get("api.max_limit", 500)),
        )
        names = dict(zip(runtime.communes["code"], runtime.communes["name"], strict=True))
        open_data = runtime.offers
        if when in {"upcoming", "past"} or date_from is not None or date_to is not None:
            open_data = open_data.iloc[0:0]  # open-data offers have no dated timings
        every = replace(query, limit=max(len(open_data), 1), offset=0)
        open_matches = search_offers(open_data, every, commune_names=names).offers
        posted = posted_offers_frame(query, when=when, date_from=date_from, date_to=date_to)
        page = page_of_offers([open_matches, posted], limit=query.limit, offset=query.offset)
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
