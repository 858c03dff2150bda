"""``GET /api/v1/offers`` (search) and ``GET /api/v1/offers/<offer_id>``.

The search covers the open-data offers (``Runtime.offers``) and the published offers people
posted (``geoservice.store``, ids ``user:<n>``), paged together by ``offer_id`` (or by
travel time with ``within_minutes``). Posted offers are served one by one by
``GET /offers/user:<n>`` (``web/contributions.py``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import geopandas as gpd
import numpy as np
from flask import request, url_for
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from geoservice.core.geojson import feature_collection_from_frame
from geoservice.core.network import MODES
from geoservice.core.offer_selection import OfferSelection, select_offers
from geoservice.core.offers import (
    LOCATION_QUALITIES,
    OFFER_COLUMNS,
    SEARCH_CATEGORIES,
    OfferIndex,
    OfferPage,
    OfferQuery,
    ThemeConfig,
    offer_query_from_args,
)
from geoservice.core.reachable import offer_travel_times, travel_times_by_offer
from geoservice.core.reachable_offers import ReachableOffers
from geoservice.errors import InvalidParameterError, NotFoundError
from geoservice.runtime import Runtime
from geoservice.store.search import WHEN_VALUES
from geoservice.web.blueprint import Blueprint
from geoservice.web.context import get_runtime
from geoservice.web.contribution_schemas import LOCAL_TIMEZONE
from geoservice.web.contributions import posted_offers_frame
from geoservice.web.offer_catalogue import open_data_catalogue
from geoservice.web.openapi_examples import EXAMPLES
from geoservice.web.origins import (
    TRANSIT,
    Origin,
    ReachableLimits,
    minutes_from_args,
    mode_from_args,
    network_info,
    origin_from_args,
)
from geoservice.web.problems import request_fields
from geoservice.web.transit_offers import transit_document, transit_query_from_args, transit_times

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
    limit = fields.Integer(metadata={"description": "page size, 1..api.max_limit"})
    offset = fields.Integer(metadata={"description": "index of the first match, ≥ 0"})
    date_from = fields.Date(
        metadata={
            "description": "YYYY-MM-DD: venues are always kept, festivals when their season "
            "(period) overlaps the dates, posted offers when one of their timings does "
            "(Europe/Paris days), offers without known dates are dropped"
        }
    )
    date_to = fields.Date(metadata={"description": "YYYY-MM-DD, included"})
    date = fields.Date(
        metadata={
            "description": "YYYY-MM-DD: keep what is a thing to do that day: festivals in "
            "season, posted offers with a timing that day or later (never a past event), "
            "permanent venues (their opening hours are not in the data)"
        }
    )
    near = fields.String(
        metadata={"description": "lon,lat (degrees) of the origin of the within_minutes filter"}
    )
    within_minutes = fields.Float(
        metadata={
            "description": "keep offers reached door to door within this many minutes from "
            "`near` or from `commune` (then the origin commune, not the offers' commune); "
            "results carry travel_time_s and are sorted by it"
        }
    )
    mode = fields.String(
        metadata={"description": "drive, bike, walk or transit (with within_minutes)"}
    )
    departure = fields.DateTime(
        metadata={
            "description": "mode transit (required): ISO 8601 departure, local time without "
            "offset; the answer's travel.service_date says which timetable day was used"
        }
    )
    access_mode = fields.String(
        metadata={"description": "mode transit: to the stops by walk (default), bike or drive"}
    )
    when = fields.String(
        validate=validate.OneOf(WHEN_VALUES),
        metadata={
            "description": "posted offers by their timings: upcoming (a timing starts later), "
            "current (under way, or no timings: permanent), past (every timing over). "
            "Open data: current keeps the offers open today (as date_from = date_to = "
            "today); upcoming and past keep none (they have seasons, not dated timings)"
        },
    )


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
    travel_time_s = fields.Float(
        metadata={"description": "door-to-door seconds from the origin (within_minutes only)"}
    )


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
    travel = fields.Dict(
        metadata={"description": "origin, mode, within_minutes and network limits (with near)"}
    )
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
    @blp.response(200, OfferCollectionSchema, example=EXAMPLES["offers"])
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Search the offers, open data and posted ones: text, theme, category, commune,
        bounding box, dates, travel time; paged."""
        runtime = get_runtime()
        settings = runtime.settings
        date_from, date_to = args.pop("date_from", None), args.pop("date_to", None)
        on_date = args.pop("date", None)
        when = args.pop("when", None)
        near, mode = args.pop("near", None), args.pop("mode", None)
        within_minutes = args.pop("within_minutes", None)
        transit_args = {k: args.pop(k, None) for k in ("departure", "access_mode")}
        origin = None
        if within_minutes is not None:
            lon, lat = lonlat_from_text(near) if near is not None else (None, None)
            origin = origin_from_args(
                runtime, lon=lon, lat=lat, commune=args.pop("commune", None), point_field="near"
            )
        else:
            given = [k for k, v in [("near", near), ("mode", mode), *transit_args.items()] if v]
            if given:
                msg = f"{given[0]} goes with within_minutes (minutes)"
                raise InvalidParameterError(given[0], msg)
        query = offer_query_from_args(
            **args,
            vocabulary=ThemeConfig.from_section(settings.section("themes")).vocabulary,
            commune_codes=runtime.communes["code"],
            default_limit=int(settings.get("api.default_limit", 50)),
            max_limit=int(settings.get("api.max_limit", 500)),
        )
        index = offer_index(runtime)
        rows = np.flatnonzero(index.matches(query))  # in offer_id order
        if date_from is not None or date_to is not None or on_date is not None:
            dates = OfferSelection(date_from=date_from, date_to=date_to, on_date=on_date)
            rows = rows[select_offers(index.frame.iloc[rows], dates)]
        if when == "current":
            today = datetime.now(LOCAL_TIMEZONE).date()
            rows = rows[
                select_offers(
                    index.frame.iloc[rows], OfferSelection(date_from=today, date_to=today)
                )
            ]
        elif when is not None:
            rows = rows[0:0]  # open-data offers have seasons, not dated timings
        posted_from = max((d for d in (date_from, on_date) if d is not None), default=None)
        posted = posted_offers_frame(query, when=when, date_from=posted_from, date_to=date_to)
        if origin is None:
            return _search_collection(index, rows.tolist(), posted, query)
        # One catalogue: the open-data tables of start-up and the posted offers' built now.
        catalogue = open_data_catalogue(runtime, "within_minutes").with_offers(posted)
        by_id, travel = _travel_times(
            runtime, catalogue, origin, mode, within_minutes, transit_args
        )
        return _ranked_collection(index, rows.tolist(), posted, by_id, travel, query)


def offer_index(runtime: Runtime) -> OfferIndex:
    """The search index of the open-data offers (built at start-up; built now for a
    Runtime made without one)."""
    if runtime.offer_index is not None:
        return runtime.offer_index
    names = dict(zip(runtime.communes["code"], runtime.communes["name"], strict=True))
    return OfferIndex(runtime.offers, names)


def _search_collection(
    index: OfferIndex, rows: list[int], posted: gpd.GeoDataFrame, query: OfferQuery
) -> dict[str, Any]:
    """The page of a search without travel time: the matching open-data offers (`rows` of
    `index`, in ``offer_id`` order) and the matching posted offers, paged together by
    ``offer_id`` (open data first among equal ids)."""
    if posted.empty:
        features = [index.features[i] for i in rows[query.offset : query.offset + query.limit]]
        total = len(rows)
    else:
        posted_features = feature_collection_from_frame(
            posted, columns=OFFER_COLUMNS, id_column="offer_id"
        )["features"]
        both = [index.features[i] for i in rows] + posted_features
        both.sort(key=lambda f: f["properties"]["offer_id"])  # stable
        features = both[query.offset : query.offset + query.limit]
        total = len(both)
    page = OfferPage(
        offers=index.frame.iloc[0:0], total=total, limit=query.limit, offset=query.offset
    )
    return {
        "type": "FeatureCollection",
        "features": features,
        "total": total,
        "limit": query.limit,
        "offset": query.offset,
        "links": _links(page),
    }


def lonlat_from_text(text: str) -> tuple[float, float]:
    """``"lon,lat"`` in degrees (400 naming ``near`` otherwise)."""
    parts = [p.strip() for p in text.split(",")]
    try:
        lon, lat = (float(p) for p in parts)
    except ValueError as e:
        msg = f"near {text!r} must be lon,lat in degrees (EPSG:4326)"
        raise InvalidParameterError("near", msg) from e
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidParameterError("near", f"near {text!r} is not a WGS 84 lon,lat")
    return lon, lat


def _travel_times(
    runtime: Runtime,
    reachable: ReachableOffers,
    origin: Origin,
    mode: str | None,
    minutes: float,
    transit_args: Mapping[str, Any],
) -> tuple[Mapping[str, float], dict[str, Any]]:
    """Offer id → door-to-door seconds within `minutes` (offers of the catalogue
    `reachable`), and the ``travel`` document."""
    limits = ReachableLimits.from_settings(runtime.settings)
    chosen_mode = mode_from_args(mode, limits.default_mode)
    budget = minutes_from_args(minutes, limits, "within_minutes")
    transit: dict[str, Any] = {}
    by_id: Mapping[str, float]
    if chosen_mode == TRANSIT:
        access_mode = transit_args.get("access_mode")
        if access_mode is not None and access_mode not in MODES:
            msg = f"unknown access_mode {access_mode!r}"
            raise InvalidParameterError("access_mode", msg, allowed=MODES)
        query = transit_query_from_args(transit_args.get("departure"), access_mode)
        with request_fields(location=origin.field):
            t_times = transit_times(reachable, origin, query, limit_s=budget * 60.0)
        ids = t_times.direct.egress.offer_ids[t_times.rows]
        ok = np.isfinite(t_times.travel_time_s)
        by_id = dict(zip(ids[ok].tolist(), t_times.travel_time_s[ok].tolist(), strict=True))
        transit = transit_document(t_times, query, origin)
    else:
        if any(v is not None for v in transit_args.values()):
            field = next(k for k, v in transit_args.items() if v is not None)
            raise InvalidParameterError(field, f"{field} goes with mode=transit")
        with request_fields(location=origin.field):
            times = offer_travel_times(
                reachable, chosen_mode, origin.x_m, origin.y_m, limit_s=budget * 60.0
            )
        by_id = travel_times_by_offer(times)
    travel = {
        "origin": {
            "lon": round(origin.lon, 6),
            "lat": round(origin.lat, 6),
            "commune": origin.commune,
        },
        "mode": chosen_mode,
        "within_minutes": budget,
        **network_info(reachable.network),
        **transit,
    }
    return by_id, travel


def _ranked_collection(
    index: OfferIndex,
    rows: list[int],
    posted: gpd.GeoDataFrame,
    by_id: Mapping[str, float],
    travel: dict[str, Any],
    query: OfferQuery,
) -> dict[str, Any]:
    """The page of the offers reached (in `by_id`) among the open-data offers `rows` of
    `index` and the posted offers `posted`, nearest first (then by ``offer_id``), each with
    ``travel_time_s`` (s, one decimal)."""
    candidates = [index.features[i] for i in rows]
    if not posted.empty:
        candidates += feature_collection_from_frame(
            posted, columns=OFFER_COLUMNS, id_column="offer_id"
        )["features"]
    ids = [f["properties"]["offer_id"] for f in candidates]
    ranked = sorted(
        (round(by_id[offer_id], 1), offer_id, i)
        for i, offer_id in enumerate(ids)
        if offer_id in by_id
    )
    features = []
    for time_s, _, i in ranked[query.offset : query.offset + query.limit]:
        base = candidates[i]
        feature = dict(base)
        feature["properties"] = {**base["properties"], "travel_time_s": time_s}
        features.append(feature)
    page = OfferPage(
        offers=index.frame.iloc[0:0], total=len(ranked), limit=query.limit, offset=query.offset
    )
    return {
        "type": "FeatureCollection",
        "features": features,
        "total": len(ranked),
        "limit": query.limit,
        "offset": query.offset,
        "links": _links(page),
        "travel": travel,
    }


@blp.route("/<string:offer_id>")
class Offer(MethodView):
    @blp.response(200, OfferFeatureSchema, example=EXAMPLES["offer"])
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
