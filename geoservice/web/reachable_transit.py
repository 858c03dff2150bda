"""The ``mode=transit`` answers of ``/reachable`` and ``/reachable/nearest``.

Both read the request's offer catalogue (open data and published posted offers, see
:mod:`geoservice.web.offer_catalogue`), as the road answers do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from geoservice.core.offer_selection import BoolArray
from geoservice.core.offers import CATEGORIES, ThemeConfig
from geoservice.core.reachable_offers import ReachableOffers
from geoservice.core.transit_reachable import rank_transit_offers
from geoservice.core.way_home import ReturnParams, ways_home_after_stay
from geoservice.errors import InvalidParameterError
from geoservice.web.context import road_network_or_error
from geoservice.web.origins import TRANSIT, network_info, origin_document
from geoservice.web.problems import request_fields
from geoservice.web.reachable_request import OriginRequest, ranked_collection
from geoservice.web.transit_offers import (
    clock,
    itinerary_document,
    no_way_back_document,
    transit_document,
    transit_query_from_args,
    transit_times,
    way_back_document,
)


def transit_ranking(
    request: OriginRequest,
    catalogue: ReachableOffers,
    args: Mapping[str, Any],
    minutes: float,
    mask: BoolArray,
    limit: int,
) -> dict[str, Any]:
    """``/reachable?mode=transit``: offers by transit door-to-door time, with itineraries.

    `catalogue` is the request's (open data and published posted offers); `mask` selects
    its rows.
    """
    runtime, origin = request.runtime, request.origin
    query = transit_query_from_args(args.get("departure"), args.get("access_mode"))
    rows = np.flatnonzero(mask)
    with request_fields(location=origin.field):
        times = transit_times(catalogue, origin, query, limit_s=minutes * 60.0, rows=rows)
    tt = times.search.timetable
    keep = None
    home_ok = None
    returns = None
    stay_min: int | None = None
    trips = ReturnParams.from_section(runtime.settings.section("trips"))
    if args.get("return_trip"):
        with request_fields(location=origin.field):
            home = ways_home_after_stay(
                tt,
                catalogue,
                times,
                origin.x_m,
                origin.y_m,
                query.day,
                trips,
                stay_minutes=args.get("stay_minutes"),
            )
        returns, stay_min, home_ok = home.returns, home.stay_minutes, home.keep
        keep = home_ok if args.get("return_only", True) else None
    elif args.get("stay_minutes") is not None:
        raise InvalidParameterError("stay_minutes", "stay_minutes goes with return=true")
    ranked = rank_transit_offers(times, times.direct.egress.offer_ids, keep=keep, limit=limit)
    base = catalogue.features
    names = catalogue.offers["name"].to_numpy()
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
        if returns is not None and stay_min is not None and home_ok is not None:
            ready_s = query.start_s + travel_s + stay_min * 60
            props["way_back"] = (  # served as "return"
                way_back_document(tt, returns.legs(i, ready_s), query.day)
                if home_ok[i]
                else no_way_back_document(returns.departure_s[i], query.day)
            )
        feature["properties"] = props
        features.append(feature)
    transit = transit_document(times, query, origin)
    transit["stay_minutes"] = stay_min
    transit["return_arrive_by"] = (
        clock(query.day, trips.return_arrive_by_s) if returns is not None else None
    )
    document = ranked_collection(origin, TRANSIT, minutes, ranked.total, limit, features)
    document["transit"] = transit
    if "hint" in transit:
        document["hint"] = transit["hint"]
    elif not features:
        document["hint"] = (
            f"no offer matching the filters is reached within {minutes:g} min by "
            f"{query.access_mode} + train / coach"
            + (" with a way home the same day" if returns is not None else "")
            + ": raise max_minutes, change the departure, try access_mode=bike or drive"
        )
    document["info"] = network_info(road_network_or_error(runtime))
    return document


def transit_nearest(
    request: OriginRequest,
    catalogue: ReachableOffers,
    args: Mapping[str, Any],
    themes: ThemeConfig,
) -> dict[str, Any]:
    """``/reachable/nearest?mode=transit``: the first offer of each kind by transit."""
    runtime, origin, limits = request.runtime, request.origin, request.limits
    query = transit_query_from_args(args.get("departure"), args.get("access_mode"))
    with request_fields(location=origin.field):
        times = transit_times(catalogue, origin, query, limit_s=limits.max_minutes * 60.0)
    offers = catalogue.offers
    names = offers["name"].to_numpy()
    communes = offers["commune_code"].to_numpy()
    ids = times.direct.egress.offer_ids
    members = catalogue.members(themes.vocabulary, CATEGORIES)
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
        "transit": transit_document(times, query, origin),
    }
    if "hint" in document["transit"]:
        document["hint"] = document["transit"]["hint"]
    elif all(i["offer_id"] is None for i in items):
        document["hint"] = (
            f"no offer can be reached within {limits.max_minutes:g} min by "
            f"{query.access_mode} + train / coach from this origin at this time"
        )
    document["info"] = network_info(road_network_or_error(runtime))
    return document
