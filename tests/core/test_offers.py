"""Offer search and argument validation (pure functions)."""

from __future__ import annotations

import geopandas as gpd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geoservice.core.offers import (
    SEARCH_CATEGORIES,
    OfferQuery,
    ThemeConfig,
    bbox_from_text,
    fold_text,
    offer_query_from_args,
    page_of_offers,
    search_offers,
    themes_from_values,
)
from geoservice.errors import DataError, InvalidParameterError
from geoservice.runtime import Runtime

VOCAB = ("music", "books", "cinema")
CODES = ("58194", "58086")


def _query(**kwargs: object) -> OfferQuery:
    return offer_query_from_args(
        **kwargs,  # type: ignore[arg-type]
        vocabulary=VOCAB,
        commune_codes=CODES,
        default_limit=50,
        max_limit=500,
    )


def test_fold_text_drops_case_accents_and_punctuation() -> None:
    assert fold_text("Château-Chinon (Ville)") == "chateau chinon ville"
    assert fold_text("  CINÉMA  ") == "cinema"


@pytest.mark.parametrize(
    "text",
    ["1,2,3", "a,b,c,d", "3,47,2,48", "3,48,4,47", "200,46,201,47", "3,-91,4,47", "nan,1,2,3"],
)
def test_bad_bbox_names_bbox(text: str) -> None:
    with pytest.raises(InvalidParameterError) as info:
        bbox_from_text(text)
    assert info.value.field == "bbox"


def test_bbox_parses() -> None:
    assert bbox_from_text(" 2.8, 46.6 ,4.3,47.6") == (2.8, 46.6, 4.3, 47.6)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"theme": "music,dance"}, "theme"),
        ({"category": "zoo"}, "category"),
        ({"commune": "75056"}, "commune"),
        ({"limit": 0}, "limit"),
        ({"limit": -5}, "limit"),
        ({"limit": 501}, "limit"),
        ({"offset": -1}, "offset"),
    ],
)
def test_bad_arguments_name_the_parameter(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidParameterError) as info:
        _query(**kwargs)
    assert info.value.field == field


def test_unknown_category_lists_allowed_values() -> None:
    with pytest.raises(InvalidParameterError) as info:
        _query(category="zoo")
    assert info.value.allowed == sorted(SEARCH_CATEGORIES)


def test_theme_mapping_rejects_unmapped_values() -> None:
    mapping = {"musique": ("music",)}
    assert themes_from_values(["Musique"], mapping, table="t", folded=True) == {"music"}
    with pytest.raises(DataError, match=r"\[themes.t\]"):
        themes_from_values(["Danse"], mapping, table="t", folded=True)


def test_theme_config_refuses_unknown_themes() -> None:
    with pytest.raises(InvalidParameterError, match="unknown theme"):
        ThemeConfig.from_section({"vocabulary": ["music"], "by_category": {"cinema": ["film"]}})


def test_search_filters_and_pages(runtime: Runtime) -> None:
    offers = runtime.offers
    names = dict(zip(runtime.communes["code"], runtime.communes["name"], strict=True))
    everything = search_offers(offers, OfferQuery(limit=500), commune_names=names)
    assert everything.total == len(offers)
    cinemas = search_offers(offers, OfferQuery(categories=("cinema",)))
    assert cinemas.total == 10
    page = search_offers(offers, OfferQuery(categories=("library",), limit=40, offset=80))
    assert (page.total, len(page.offers)) == (105, 25)
    # q matches the commune name too, without accents or case.
    in_nevers = search_offers(offers, OfferQuery(q="NEVERS", limit=500), commune_names=names)
    by_code = search_offers(offers, OfferQuery(commune="58194", limit=500))
    assert set(by_code.offers["offer_id"]) <= set(in_nevers.offers["offer_id"])
    assert by_code.total >= 4
    costume = search_offers(offers, OfferQuery(q="musee du costume"))
    assert costume.offers["source_id"].tolist() == ["M0148"]
    box = search_offers(offers, OfferQuery(bbox=(3.10, 46.95, 3.20, 47.02), limit=500))
    xs, ys = box.offers.geometry.x, box.offers.geometry.y
    assert box.total > 0
    assert ((xs >= 3.10) & (xs <= 3.20) & (ys >= 46.95) & (ys <= 47.02)).all()
    none = search_offers(offers, OfferQuery(q="zzz-no-such-offer"))
    assert (none.total, len(none.offers)) == (0, 0)


def test_search_refuses_a_frame_without_crs(runtime: Runtime) -> None:
    frame = gpd.GeoDataFrame(
        runtime.offers.drop(columns="geometry"), geometry=[None] * len(runtime.offers)
    )
    with pytest.raises(DataError):
        search_offers(frame, OfferQuery())


@given(st.text(max_size=40))
def test_bbox_text_is_parsed_or_refused_by_name(text: str) -> None:
    field = None
    try:
        min_lon, min_lat, max_lon, max_lat = bbox_from_text(text)
    except InvalidParameterError as e:
        field = e.field
    if field is not None:
        assert field == "bbox"
    else:
        assert -180 <= min_lon <= max_lon <= 180
        assert -90 <= min_lat <= max_lat <= 90


def test_page_of_offers_pages_several_sources_by_offer_id(runtime: Runtime) -> None:
    museums = runtime.offers[runtime.offers["category"] == "museum"]
    cinemas = runtime.offers[runtime.offers["category"] == "cinema"]
    ids = sorted([*museums["offer_id"], *cinemas["offer_id"]])
    pages = [page_of_offers([cinemas, museums], limit=4, offset=o) for o in range(0, len(ids), 4)]
    assert all(p.total == len(ids) for p in pages)
    assert [i for p in pages for i in p.offers["offer_id"]] == ids
    empty = page_of_offers([museums.iloc[0:0], cinemas.iloc[0:0]], limit=4, offset=0)
    assert (empty.total, len(empty.offers)) == (0, 0)
