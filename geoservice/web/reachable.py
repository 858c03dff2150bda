"""``GET /api/v1/reachable`` and ``GET /api/v1/reachable/nearest``: what can I reach, how fast.

The origin is a point (``lon``, ``lat``) or a commune (``commune``, INSEE code). A commune
stands for its origin (:mod:`geoservice.core.commune_origins`): its town hall, or a point
inside it where the published town-hall point lies outside the commune.

Every answer ranks the request's offer catalogue: the open-data offers and the published
posted offers (:mod:`geoservice.web.offer_catalogue`), by road here and by transit in
:mod:`geoservice.web.reachable_transit`.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask.views import MethodView

from geoservice.core.offers import CATEGORIES
from geoservice.core.reachable import nearest_offer_per_kind, rank_reachable_offers
from geoservice.errors import InvalidParameterError
from geoservice.web.blueprint import Blueprint
from geoservice.web.context import road_network_or_error
from geoservice.web.offer_catalogue import catalogue_and_mask, published_catalogue
from geoservice.web.openapi_examples import EXAMPLES
from geoservice.web.origins import (
    TRANSIT,
    minutes_from_args,
    network_info,
    origin_document,
)
from geoservice.web.problems import request_fields
from geoservice.web.reachable_features import dumped_collection, ranked_features
from geoservice.web.reachable_request import (
    origin_request,
    ranked_collection,
    selection_from_args,
    theme_config,
)
from geoservice.web.reachable_schemas import (
    NearestCollectionSchema,
    NearestQuerySchema,
    ReachableCollectionSchema,
    ReachableQuerySchema,
)
from geoservice.web.reachable_transit import transit_nearest, transit_ranking
from geoservice.web.ride_availability import rides_document, with_rides_available

blp = Blueprint(
    "reachable",
    __name__,
    url_prefix="/reachable",
    description="Offers ranked by door-to-door travel time from a point or a commune.",
)


@blp.route("")
class Reachable(MethodView):
    @blp.arguments(ReachableQuerySchema, location="query")
    @blp.response(200, ReachableCollectionSchema, example=EXAMPLES["reachable"])
    def get(self, args: dict[str, Any]) -> dict[str, Any] | Response:
        """Offers reached within ``max_minutes``, nearest first (door to door)."""
        request = origin_request(args)
        runtime, limits, origin, mode = (
            request.runtime,
            request.limits,
            request.origin,
            request.mode,
        )
        minutes = minutes_from_args(args.get("max_minutes"), limits, "max_minutes")
        limit = limits.default_limit if args.get("limit") is None else int(args["limit"])
        if not 1 <= limit <= limits.max_limit:
            msg = f"limit {limit} must be between 1 and {limits.max_limit}"
            raise InvalidParameterError("limit", msg)
        selection = selection_from_args(runtime, args)
        published, mask = catalogue_and_mask(runtime, selection)
        catalogue = published.catalogue
        if mode == TRANSIT:
            document = transit_ranking(request, catalogue, args, minutes, mask, limit)
            return with_rides_available(document, origin)
        if args.get("return_trip"):
            msg = "return=true needs mode=transit (a way home by public transport)"
            raise InvalidParameterError("return", msg)
        with request_fields(location=origin.field):
            ranked = rank_reachable_offers(
                catalogue,
                mode,
                (origin.x_m, origin.y_m),
                max_minutes=minutes,
                mask=mask,
                limit=limit,
                with_geometry=bool(args["geometry"]),
            )
        features = ranked_features(published, ranked, origin)
        document = ranked_collection(origin, mode, minutes, ranked.total, limit, features)
        if not features:
            document["hint"] = (
                f"no offer matching the filters is reached within {minutes:g} min by {mode}: "
                "raise max_minutes, try another mode or loosen theme / category / dates"
            )
        document["info"] = network_info(road_network_or_error(runtime))
        document["rides"] = rides_document()
        # Built as ReachableCollectionSchema dumps it (tests/web/test_reachable_fast.py), so
        # it is sent as is: dumping 200 features through marshmallow took longer than the
        # ranking itself.
        return jsonify(dumped_collection(document))


@blp.route("/nearest")
class Nearest(MethodView):
    @blp.arguments(NearestQuerySchema, location="query")
    @blp.response(200, NearestCollectionSchema, example=EXAMPLES["nearest"])
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """For every theme and category: the nearest offer and its door-to-door time."""
        request = origin_request(args)
        runtime, origin, mode = request.runtime, request.origin, request.mode
        themes = theme_config(runtime)
        catalogue = published_catalogue(runtime).catalogue
        if mode == TRANSIT:
            return transit_nearest(request, catalogue, args, themes)
        with request_fields(location=origin.field):
            nearest = nearest_offer_per_kind(
                catalogue,
                mode,
                (origin.x_m, origin.y_m),
                themes=themes.vocabulary,
                categories=CATEGORIES,
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
