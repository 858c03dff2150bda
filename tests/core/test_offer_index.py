"""The prepared offer index gives what the frame search gives."""

from __future__ import annotations

import itertools

import pytest

from geoservice.core.offers import OfferIndex, OfferQuery, search_offers
from geoservice.errors import DataError
from geoservice.runtime import Runtime

TEXTS = (None, "cinema", "NEVERS", "musée du costume", "château-chinon", "zzz-none", "-")
THEMES = ((), ("music",), ("music", "cinema"))
CATEGORIES = ((), ("library",), ("museum", "festival"), ("event",))


@pytest.mark.parametrize("q", TEXTS)
def test_index_matches_the_frame_search(runtime: Runtime, q: str | None) -> None:
    names = dict(zip(runtime.communes["code"], runtime.communes["name"], strict=True))
    index = OfferIndex(runtime.offers, names)
    assert list(index.frame["offer_id"]) == sorted(runtime.offers["offer_id"])
    matched = 0
    for themes, categories, commune, bbox in itertools.product(
        THEMES, CATEGORIES, (None, "58194"), (None, (3.0, 46.8, 3.4, 47.1))
    ):
        query = OfferQuery(
            q=q, themes=themes, categories=categories, commune=commune, bbox=bbox, limit=10**6
        )
        expected = search_offers(runtime.offers, query, commune_names=names).offers
        got = index.frame[index.matches(query)]
        assert list(got["offer_id"]) == list(expected["offer_id"])
        matched += len(got)
    assert (matched == 0) == (q == "zzz-none")


def test_index_features_are_the_offers(runtime: Runtime) -> None:
    index = runtime.offer_index
    assert index is not None
    assert len(index) == len(runtime.offers)
    ids = [f["id"] for f in index.features]
    assert ids == list(index.frame["offer_id"])
    assert all(f["geometry"]["type"] == "Point" for f in index.features)


def test_index_needs_wgs84(runtime: Runtime) -> None:
    with pytest.raises(DataError):
        OfferIndex(runtime.offers.to_crs(2154), {})
