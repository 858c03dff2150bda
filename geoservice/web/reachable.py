"""``GET /api/v1/reachable`` and ``GET /api/v1/reachable/nearest``: what can I reach, how fast.

The origin is a point (``lon``, ``lat``) or a commune (``commune``, INSEE code). A commune
stands for its *representative point*: a point guaranteed inside its polygon, computed in
Lambert-93 (EPSG:2154) like the fallback location of offers without a published point. The
raw data hold no town-hall (chef-lieu) coordinates, so no better point is available.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np
from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from geoservice.core.geojson import feature_collection_from_frame, geometry_to_geojson
from geoservice.core.offers import (
    CATEGORIES,
    OFFER_COLUMNS,
    SEARCH_CATEGORIES,
    OfferQuery,
    ThemeConfig,
    themes_and_categories_from_args,
)
from geoservice.core.reachable import (
    ReachableOffers,
    category_mask,
    nearest_offer_per_kind,
    offers_open_between,
    rank_reachable_offers,
    theme_mask,
)
from geoservice.core.transit_reachable import rank_transit_offers
from geoservice.core.way_home import ReturnParams, ways_home_after_stay
from geoservice.errors import InvalidParameterError
from geoservice.runtime import Runtime
from geoservice.web.blueprint import Blueprint
from geoservice.web.context import get_runtime, road_network_or_error
from geoservice.web.contributions import posted_offers_frame
from geoservice.web.itineraries import LegSchema
from geoservice.web.offers import OfferPropertiesSchema
from geoservice.web.openapi_examples import EXAMPLES
from geoservice.web.origins import (
    TRANSIT,
    Origin,
    ReachableLimits,
    minutes_from_args,
    mode_from_args,
    network_info,
    origin_document,
    origin_from_args,
)
from geoservice.web.problems import request_fields
from geoservice.web.transit_offers import (
    ACCESS_MODE_FIELD,
    DEPARTURE_FIELD,
    clock,
    itinerary_document,
    transit_document,
    transit_query_from_args,
    transit_times,
)

blp = Blueprint(
    "reachable",
    __name__,
    url_prefix="/reachable",
    description="Offers ranked by door-to-door travel time from a point or a commune.",
)

_OFFER_PROPERTIES_KEY = "geoservice.reachable.offer_properties"


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (text or "").split(",") if v.strip())


def filter_mask(
    reachable: ReachableOffers,
    *,
    theme: str | None,
    category: str | None,
    date_from: date | None,
    date_to: date | None,
    vocabulary: tuple[str, ...],
) -> np.ndarray:
    """Offers kept by the theme / category / dates filters (400 on unknown values)."""
    themes, categories = themes_and_categories_from_args(theme, category, vocabulary)
    offers = reachable.offers
    return (
        theme_mask(offers, themes)
        & category_mask(offers, categories)
        & offers_open_between(offers, date_from, date_to)
    )


def _offer_properties(runtime: Runtime, reachable: ReachableOffers) -> list[dict[str, Any]]:
    cache = current_app.extensions
    if _OFFER_PROPERTIES_KEY not in cache:
        collection = feature_collection_from_frame(
            reachable.offers, columns=OFFER_COLUMNS, id_column="offer_id"
        )
        cache[_OFFER_PROPERTIES_KEY] = collection["features"]
    features: list[dict[str, Any]] = cache[_OFFER_PROPERTIES_KEY]
    return features


def _reachable(runtime: Runtime) -> ReachableOffers:
    if runtime.reachable is None or runtime.network is None:
        raise InvalidParameterError("network", "no road network is loaded")
    return runtime.reachable


def _origin_request(
    args: Mapping[str, Any],
) -> tuple[Runtime, ReachableLimits, ReachableOffers, Origin, str]:
    """What every ``/reachable`` route starts from: data, limits, origin and travel mode."""
    runtime = get_runtime()
    limits = ReachableLimits.from_settings(runtime.settings)
    reachable = _reachable(runtime)
    origin = origin_from_args(
        runtime, lon=args.get("lon"), lat=args.get("lat"), commune=args.get("commune")
    )
    mode = mode_from_args(args.get("mode"), limits.default_mode)
    return runtime, limits, reachable, origin, mode


def _ranked_collection(
    origin: Origin,
    mode: str,
    minutes: float,
    total: int,
    limit: int,
    features: list[dict[str, Any]],
) -> dict[str, Any]:
    """The ``/reachable`` FeatureCollection of ranked offers (road and transit modes)."""
    return {
        "type": "FeatureCollection",
        "origin": origin_document(origin),
        "mode": mode,
        "max_minutes": minutes,
        "total": total,
        "limit": limit,
        "features": features,
    }


class ReachableQuerySchema(Schema):
    lon = fields.Float(validate=validate.Range(-180, 180), metadata={"description": "degrees"})
    lat = fields.Float(validate=validate.Range(-90, 90), metadata={"description": "degrees"})
    commune = fields.String(
        metadata={"description": "INSEE code; the origin is its representative point"}
    )
    mode = fields.String(metadata={"description": "drive, bike, walk or transit (needs departure)"})
    max_minutes = fields.Float(
        metadata={"description": "door-to-door budget, minutes, > 0 and ≤ reachable.max_minutes"}
    )
    theme = fields.String(metadata={"description": "theme id(s), comma-separated (any of them)"})
    category = fields.String(
        metadata={
            "description": f"category(ies), comma-separated: {', '.join(SEARCH_CATEGORIES)} "
            "(the last five are the kinds of posted offers)"
        }
    )
    date_from = fields.Date(
        metadata={
            "description": "YYYY-MM-DD; venues are always kept, festivals when their season "
            "(period) overlaps the dates, posted offers when one of their timings does"
        }
    )
    date_to = fields.Date(metadata={"description": "YYYY-MM-DD, included"})
    limit = fields.Integer(metadata={"description": "offers returned, 1..reachable.max_limit"})
    geometry = fields.Boolean(
        load_default=False, metadata={"description": "add each path as a GeoJSON LineString"}
    )
    departure = DEPARTURE_FIELD
    access_mode = ACCESS_MODE_FIELD
    return_trip = fields.Boolean(
        data_key="return",
        load_default=False,
        metadata={
            "description": "mode transit: keep only offers with a way home the same day after "
            "stay_minutes there (each result then carries its way back)"
        },
    )
    stay_minutes = fields.Integer(
        validate=validate.Range(min=0, max=1440),
        metadata={"description": "with return=true: time at the offer, minutes (default 120)"},
    )


class NearestQuerySchema(Schema):
    lon = fields.Float(validate=validate.Range(-180, 180))
    lat = fields.Float(validate=validate.Range(-90, 90))
    commune = fields.String(metadata={"description": "INSEE code"})
    mode = fields.String(metadata={"description": "drive, bike, walk or transit"})
    departure = DEPARTURE_FIELD
    access_mode = ACCESS_MODE_FIELD


class LegsSchema(Schema):
    access_s = fields.Float(metadata={"description": "origin → network, straight leg, s"})
    network_s = fields.Float(metadata={"description": "on the roads, s"})
    egress_s = fields.Float(metadata={"description": "leaving the roads → offer, straight, s"})


class ReturnSchema(Schema):
    departure = fields.String(metadata={"description": "latest time to leave the offer"})
    arrival = fields.String(metadata={"description": "home by then"})
    itinerary = fields.List(fields.Nested(LegSchema))


class ReachablePropertiesSchema(OfferPropertiesSchema):
    travel_time_s = fields.Float(metadata={"description": "door to door, seconds"})
    travel_time_min = fields.Float(metadata={"description": "door to door, minutes"})
    distance_m = fields.Integer(metadata={"description": "along the path, metres"})
    route_refs = fields.List(fields.String(), metadata={"description": "roads used, in order"})
    legs = fields.Nested(LegsSchema)
    path = fields.Raw(
        metadata={"description": "GeoJSON LineString, EPSG:4326 (with geometry=true)"}
    )
    arrival = fields.String(metadata={"description": "mode transit: arrival at the offer"})
    itinerary = fields.List(
        fields.Nested(LegSchema),
        metadata={"description": "mode transit: access, rides, transfers, walk to the offer"},
    )
    way_back = fields.Nested(
        ReturnSchema,
        data_key="return",
        metadata={"description": "mode transit with return=true: the last way home"},
    )


class ReachableFeatureSchema(Schema):
    type = fields.String()
    id = fields.String()
    properties = fields.Nested(ReachablePropertiesSchema)
    geometry = fields.Raw(metadata={"description": "GeoJSON Point of the offer, EPSG:4326"})


class ServiceDateInfoSchema(Schema):
    requested = fields.String()
    used = fields.String(metadata={"description": "timetable day used"})
    reason = fields.String()


class TransitInfoSchema(Schema):
    service_date = fields.Nested(ServiceDateInfoSchema)
    departure = fields.String()
    access_mode = fields.String()
    access_stops = fields.Integer(metadata={"description": "stops reached by the access leg"})
    stay_minutes = fields.Integer(allow_none=True)
    return_arrive_by = fields.String(allow_none=True)


class OriginSchema(Schema):
    lon = fields.Float()
    lat = fields.Float()
    commune = fields.String(allow_none=True, metadata={"description": "INSEE code, if given"})
    point = fields.String(metadata={"description": "which point of the commune is used"})


class NetworkInfoSchema(Schema):
    network = fields.String()
    network_limits = fields.String()
    main_roads_only = fields.Boolean()
    notice = fields.String()
    attribution = fields.String()


class ReachableCollectionSchema(Schema):
    type = fields.String()
    origin = fields.Nested(OriginSchema)
    mode = fields.String()
    max_minutes = fields.Float()
    total = fields.Integer(metadata={"description": "offers reached (before limit)"})
    limit = fields.Integer()
    features = fields.List(
        fields.Nested(ReachableFeatureSchema), metadata={"description": "nearest first"}
    )
    hint = fields.String(metadata={"description": "only when nothing is reached"})
    info = fields.Nested(NetworkInfoSchema)
    transit = fields.Nested(
        TransitInfoSchema, metadata={"description": "mode transit: service date used and why"}
    )


class NearestItemSchema(Schema):
    kind = fields.String(metadata={"description": "theme or category"})
    value = fields.String()
    label = fields.String(allow_none=True)
    offer_id = fields.String(allow_none=True, metadata={"description": "None: none reached"})
    name = fields.String(allow_none=True)
    commune_code = fields.String(allow_none=True)
    travel_time_s = fields.Float(allow_none=True)
    travel_time_min = fields.Float(allow_none=True)
    itinerary = fields.List(fields.Nested(LegSchema), metadata={"description": "mode transit"})


class NearestCollectionSchema(Schema):
    origin = fields.Nested(OriginSchema)
    mode = fields.String()
    nearest = fields.List(fields.Nested(NearestItemSchema))
    hint = fields.String()
    info = fields.Nested(NetworkInfoSchema)
    transit = fields.Nested(TransitInfoSchema)


@blp.route("")
class Reachable(MethodView):
    @blp.arguments(ReachableQuerySchema, location="query")
    @blp.response(200, ReachableCollectionSchema, example=EXAMPLES["reachable"])
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Offers reached within ``max_minutes``, nearest first (door to door)."""
        runtime, limits, reachable, origin, mode = _origin_request(args)
        minutes = minutes_from_args(args.get("max_minutes"), limits, "max_minutes")
        limit = limits.default_limit if args.get("limit") is None else int(args["limit"])
        if not 1 <= limit <= limits.max_limit:
            msg = f"limit {limit} must be between 1 and {limits.max_limit}"
            raise InvalidParameterError("limit", msg)
        vocabulary = ThemeConfig.from_section(runtime.settings.section("themes")).vocabulary
        mask = filter_mask(
            reachable,
            theme=args.get("theme"),
            category=args.get("category"),
            date_from=args.get("date_from"),
            date_to=args.get("date_to"),
            vocabulary=vocabulary,
        )
        if mode == TRANSIT:
            return _transit_ranking(runtime, reachable, args, origin, minutes, mask, limit)
        if args.get("return_trip"):
            msg = "return=true needs mode=transit (a way home by public transport)"
            raise InvalidParameterError("return", msg)
        ranked = rank_reachable_offers(
            reachable,
            mode,
            (origin.x_m, origin.y_m),
            max_minutes=minutes,
            mask=mask,
            limit=limit,
            with_geometry=bool(args["geometry"]),
            field=origin.field,
        )
        base = _offer_properties(runtime, reachable)
        candidates = [
            (route, base[row])
            for row, route in zip(ranked.rows.tolist(), ranked.routes, strict=True)
        ]
        total = ranked.total
        # Published posted offers: joined to the network per request, ranked the same way.
        posted = posted_offers_frame(
            OfferQuery(themes=_split(args.get("theme")), categories=_split(args.get("category"))),
            date_from=args.get("date_from"),
            date_to=args.get("date_to"),
        )
        if not posted.empty:
            posted_reach = ReachableOffers(road_network_or_error(runtime), posted, eager=False)
            posted_ranked = rank_reachable_offers(
                posted_reach,
                mode,
                (origin.x_m, origin.y_m),
                max_minutes=minutes,
                limit=limit,
                with_geometry=bool(args["geometry"]),
                field=origin.field,
            )
            posted_base = feature_collection_from_frame(
                posted_reach.offers, columns=OFFER_COLUMNS, id_column="offer_id"
            )["features"]
            candidates += [
                (route, posted_base[row])
                for row, route in zip(
                    posted_ranked.rows.tolist(), posted_ranked.routes, strict=True
                )
            ]
            candidates.sort(key=lambda c: (c[0].travel_time_s, c[1]["id"]))
            total += posted_ranked.total
        features = []
        for route, base_feature in candidates[:limit]:
            feature = dict(base_feature)
            props = dict(feature["properties"])
            props.update(
                travel_time_s=round(route.travel_time_s, 1),
                travel_time_min=round(route.travel_time_s / 60, 1),
                distance_m=round(route.distance_m),
                route_refs=list(route.route_refs),
                legs={
                    "access_s": round(route.access_s, 1),
                    "network_s": round(route.network_s, 1),
                    "egress_s": round(route.egress_s, 1),
                },
            )
            if route.geometry is not None:
                props["path"] = geometry_to_geojson(route.geometry)  # type: ignore[arg-type]
            feature["properties"] = props
            features.append(feature)
        document = _ranked_collection(origin, mode, minutes, total, limit, features)
        if not features:
            document["hint"] = (
                f"no offer matching the filters is reached within {minutes:g} min by {mode}: "
                "raise max_minutes, try another mode or loosen theme / category / dates"
            )
        document["info"] = network_info(road_network_or_error(runtime))
        return document


@blp.route("/nearest")
class Nearest(MethodView):
    @blp.arguments(NearestQuerySchema, location="query")
    @blp.response(200, NearestCollectionSchema, example=EXAMPLES["nearest"])
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """For every theme and category: the nearest offer and its door-to-door time."""
        runtime, limits, reachable, origin, mode = _origin_request(args)
        themes = ThemeConfig.from_section(runtime.settings.section("themes"))
        if mode == TRANSIT:
            return _transit_nearest(runtime, reachable, args, origin, themes, limits)
        nearest = nearest_offer_per_kind(
            reachable,
            mode,
            (origin.x_m, origin.y_m),
            themes=themes.vocabulary,
            categories=CATEGORIES,
            field=origin.field,
        )
        items = [
            {
                "kind": n.kind,
                "value": n.value,
                "label": themes.labels.get(n.value) if n.kind == "theme" else n.value,
                "offer_id": n.offer_id,
                "name": n.name,
                "commune_code": n.commune_code,
                "travel_time_s": None if n.travel_time_s is None else round(n.travel_time_s, 1),
                "travel_time_min": None
                if n.travel_time_s is None
                else round(n.travel_time_s / 60, 1),
            }
            for n in nearest
        ]
        document: dict[str, Any] = {
            "origin": origin_document(origin),
            "mode": mode,
            "nearest": items,
        }
        if all(i["offer_id"] is None for i in items):
            document["hint"] = f"no offer can be reached by {mode} from this origin"
        document["info"] = network_info(road_network_or_error(runtime))
        return document


def _transit_ranking(
    runtime: Runtime,
    reachable: ReachableOffers,
    args: dict[str, Any],
    origin: Origin,
    minutes: float,
    mask: np.ndarray,
    limit: int,
) -> dict[str, Any]:
    """``/reachable?mode=transit``: offers by transit door-to-door time, with itineraries."""
    query = transit_query_from_args(args.get("departure"), args.get("access_mode"))
    rows = np.flatnonzero(mask)
    times = transit_times(reachable, origin, query, limit_s=minutes * 60.0, rows=rows)
    tt = times.search.timetable
    keep = None
    returns = None
    stay_min: int | None = None
    trips = ReturnParams.from_section(runtime.settings.section("trips"))
    if args.get("return_trip"):
        with request_fields(location=origin.field):
            home = ways_home_after_stay(
                tt,
                reachable,
                times,
                origin.x_m,
                origin.y_m,
                query.day,
                trips,
                stay_minutes=args.get("stay_minutes"),
            )
        returns, stay_min, keep = home.returns, home.stay_minutes, home.keep
    elif args.get("stay_minutes") is not None:
        raise InvalidParameterError("stay_minutes", "stay_minutes goes with return=true")
    ranked = rank_transit_offers(times, times.direct.egress.offer_ids, keep=keep, limit=limit)
    base = _offer_properties(runtime, reachable)
    names = reachable.offers["name"].to_numpy()
    features = []
    for i in ranked.order.tolist():
        row = int(times.rows[i])
        travel_s = float(times.travel_time_s[i])
        feature = dict(base[row])
        props = dict(feature["properties"])
        props.update(
            travel_time_s=round(travel_s, 1),
            travel_time_min=round(travel_s / 60, 1),
            arrival=clock(query.day, query.start_s + travel_s),
            itinerary=itinerary_document(tt, times.legs(i), query.day, str(names[row])),
        )
        if returns is not None:
            props["way_back"] = {  # served as "return"
                "departure": clock(query.day, float(returns.departure_s[i])),
                "arrival": clock(query.day, returns.arrive_by_s),
                "itinerary": itinerary_document(tt, returns.legs(i), query.day),
            }
        feature["properties"] = props
        features.append(feature)
    transit = transit_document(times.service_date, query, times.access_stops)
    transit["stay_minutes"] = stay_min
    transit["return_arrive_by"] = (
        clock(query.day, trips.return_arrive_by_s) if returns is not None else None
    )
    document = _ranked_collection(origin, TRANSIT, minutes, ranked.total, limit, features)
    document["transit"] = transit
    if not features:
        document["hint"] = (
            f"no offer matching the filters is reached within {minutes:g} min by "
            f"{query.access_mode} + train / coach"
            + (" with a way home the same day" if returns is not None else "")
            + ": raise max_minutes, change the departure, try access_mode=bike or drive"
        )
    document["info"] = network_info(road_network_or_error(runtime))
    return document


def _transit_nearest(
    runtime: Runtime,
    reachable: ReachableOffers,
    args: dict[str, Any],
    origin: Origin,
    themes: ThemeConfig,
    limits: ReachableLimits,
) -> dict[str, Any]:
    """``/reachable/nearest?mode=transit``: the first offer of each kind by transit."""
    query = transit_query_from_args(args.get("departure"), args.get("access_mode"))
    times = transit_times(reachable, origin, query, limit_s=limits.max_minutes * 60.0)
    offers = reachable.offers
    names = offers["name"].to_numpy()
    communes = offers["commune_code"].to_numpy()
    ids = times.direct.egress.offer_ids
    members = reachable.members(themes.vocabulary, CATEGORIES)
    kinds = [("theme", t) for t in themes.vocabulary] + [("category", c) for c in CATEGORIES]
    tt = times.search.timetable
    items = []
    for (kind, value), member in zip(kinds, members, strict=True):
        ranked = rank_transit_offers(times, ids, keep=member[times.rows], limit=1)
        item: dict[str, Any] = {
            "kind": kind,
            "value": value,
            "label": themes.labels.get(value) if kind == "theme" else value,
            "offer_id": None,
            "name": None,
            "commune_code": None,
            "travel_time_s": None,
            "travel_time_min": None,
            "itinerary": [],
        }
        if len(ranked.order):
            i = int(ranked.order[0])
            row = int(times.rows[i])
            t = float(times.travel_time_s[i])
            item.update(
                offer_id=str(ids[row]),
                name=str(names[row]),
                commune_code=str(communes[row]),
                travel_time_s=round(t, 1),
                travel_time_min=round(t / 60, 1),
                itinerary=itinerary_document(tt, times.legs(i), query.day, str(names[row])),
            )
        items.append(item)
    document: dict[str, Any] = {
        "origin": origin_document(origin),
        "mode": TRANSIT,
        "nearest": items,
        "transit": transit_document(times.service_date, query, times.access_stops),
    }
    if all(i["offer_id"] is None for i in items):
        document["hint"] = (
            f"no offer can be reached within {limits.max_minutes:g} min by "
            f"{query.access_mode} + train / coach from this origin at this time"
        )
    document["info"] = network_info(road_network_or_error(runtime))
    return document
