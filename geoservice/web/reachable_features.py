"""The features of a road ``/reachable`` answer, built as their schema would dump them.

flask-smorest dumps a view's result through its response schema; for 200 ranked offers
that took longer than the ranking itself (``ReachableCollectionSchema``: ≈ 16 ms of a 30 ms
request). Here each offer's part of a feature is dumped once per catalogue (kept with the
:class:`~geoservice.web.offer_catalogue.PublishedCatalogue`) and the route fields are added
with the types and key order the schema gives them; the rest of the document (origin, info,
rides) is still dumped by the schema. ``tests/web/test_reachable_fast.py`` checks that
dumping the answer through ``ReachableCollectionSchema`` changes nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from marshmallow import Schema

from geoservice.core.geojson import geometry_to_geojson
from geoservice.core.reachable import RankedOffers
from geoservice.core.reachable_offers import ReachableOffers
from geoservice.web.offer_catalogue import PublishedCatalogue
from geoservice.web.origins import Origin
from geoservice.web.reachable_schemas import ReachableCollectionSchema, ReachableFeatureSchema
from geoservice.web.ride_availability import rides_available

_BASE_FEATURES = "reachable.dumped_features"


@functools.cache
def _schema(schema: type[Schema]) -> Schema:
    return schema()


def _dump_features(catalogue: ReachableOffers) -> list[dict[str, Any]]:
    """Every offer of `catalogue` as ``ReachableFeatureSchema`` dumps it (no route yet)."""
    dumped: list[dict[str, Any]] = _schema(ReachableFeatureSchema).dump(
        catalogue.features, many=True
    )
    return dumped


def ranked_features(
    published: PublishedCatalogue, ranked: RankedOffers, origin: Origin
) -> list[dict[str, Any]]:
    """The GeoJSON features of `ranked` (offers of ``published.catalogue``), dumped."""
    base: Sequence[dict[str, Any]] = published.derived(_BASE_FEATURES, _dump_features)
    legs = ranked.legs
    rows = ranked.rows.tolist()
    ids = [str(base[row]["id"]) for row in rows]
    rides = rides_available(ids, origin)
    geometry = legs.geometry
    features = []
    for k, (row, travel_s, distance_m, access_s, network_s, egress_s) in enumerate(
        zip(
            rows,
            legs.travel_time_s.tolist(),
            legs.distance_m.tolist(),
            legs.access_s.tolist(),
            legs.network_s.tolist(),
            legs.egress_s.tolist(),
            strict=True,
        )
    ):
        feature = base[row]
        props = dict(feature["properties"])
        props["travel_time_s"] = round(travel_s, 1)
        props["travel_time_min"] = round(travel_s / 60, 1)
        props["distance_m"] = round(distance_m)
        props["route_refs"] = list(legs.route_refs[k])
        props["legs"] = {
            "access_s": round(access_s, 1),
            "network_s": round(network_s, 1),
            "egress_s": round(egress_s, 1),
        }
        props["rides_available"] = rides.get(ids[k], 0)
        if geometry is not None:
            props["path"] = geometry_to_geojson(geometry[k])  # type: ignore[arg-type]
        features.append({**feature, "properties": props})
    return features


def dumped_collection(document: dict[str, Any]) -> dict[str, Any]:
    """`document` as ``ReachableCollectionSchema`` dumps it, its `features` already dumped."""
    features = document["features"]
    dumped: dict[str, Any] = _schema(ReachableCollectionSchema).dump({**document, "features": []})
    dumped["features"] = features
    return dumped
