"""When offers take place (festival seasons, posted offers' dates) and the one selection."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geoservice.core.offer_dates import dates_from_period, offers_open_between, season_from_period
from geoservice.core.offer_selection import OfferSelection, kind_members, select_offers
from geoservice.errors import InvalidParameterError
from geoservice.runtime import Runtime


def test_season_from_the_festival_period_texts() -> None:
    assert season_from_period("Saison (21 juin - 5 septembre)") == ((6, 21), (9, 5))
    assert season_from_period("Avant-saison (1er janvier - 20 juin)") == ((1, 1), (6, 20))
    assert season_from_period("Après-saison (6 septembre - 31 décembre)") == ((9, 6), (12, 31))
    assert season_from_period(None) is None
    assert season_from_period("toute l'année") is None


def test_date_filter_keeps_venues_and_overlapping_seasons(runtime: Runtime) -> None:
    offers = runtime.offers
    july = offers_open_between(offers, date(2026, 7, 1), date(2026, 7, 14))
    kept = offers[july]
    assert set(offers[offers["category"] != "festival"]["offer_id"]) <= set(kept["offer_id"])
    festivals = kept[kept["category"] == "festival"]
    assert len(festivals) > 0
    assert festivals["period"].str.startswith("Saison").all()
    december = offers[offers_open_between(offers, date(2026, 12, 20), date(2026, 12, 31))]
    assert (
        december[december["category"] == "festival"]["period"].str.startswith("Après-saison").all()
    )
    # A festival whose season is unknown is not claimed to be on.
    unknown = offers[(offers["category"] == "festival") & offers["period"].isna()]
    assert not offers_open_between(unknown, date(2026, 1, 1), date(2026, 12, 31)).any()
    assert offers_open_between(offers, None, None).all()
    # An open end meets every yearly season: only festivals without one are dropped.
    from_now = offers_open_between(offers, date(2026, 12, 20), None)
    assert set(offers[~from_now]["offer_id"]) == set(unknown["offer_id"])
    with pytest.raises(InvalidParameterError):
        offers_open_between(offers, date(2026, 2, 1), date(2026, 1, 1))


def test_dated_periods_of_posted_offers() -> None:
    assert dates_from_period("2026-07-01 → 2026-07-14") == (date(2026, 7, 1), date(2026, 7, 14))
    assert dates_from_period("2026-07-01") == (date(2026, 7, 1), date(2026, 7, 1))
    assert dates_from_period("Saison (21 juin - 5 septembre)") is None
    assert dates_from_period("2026-02-30") is None
    offers = gpd.GeoDataFrame(
        {
            "category": ["event", "event", "venue"],
            "period": ["2026-07-01 → 2026-07-14", "2026-08-01", None],
        },
        geometry=[shapely.Point(3.5, 47.0)] * 3,
        crs=4326,
    )
    # A posted venue without timings is permanent, like the open-data venues.
    keep = offers_open_between(offers, date(2026, 7, 10), date(2026, 7, 31))
    assert keep.tolist() == [True, False, True]
    assert offers_open_between(offers, date(2026, 8, 1), None).tolist() == [False, True, True]


def test_one_selection_by_theme_category_and_dates(runtime: Runtime) -> None:
    offers = runtime.offers
    assert select_offers(offers, OfferSelection()).all()
    cinemas = select_offers(offers, OfferSelection(categories=("cinema",)))
    assert set(offers[cinemas]["category"]) == {"cinema"}
    assert cinemas.sum() == (offers["category"] == "cinema").sum()
    theme = str(runtime.settings.get("themes.vocabulary")[0])
    with_theme = select_offers(offers, OfferSelection(themes=(theme,)))
    assert with_theme.tolist() == [theme in ts for ts in offers["themes"]]
    both = select_offers(offers, OfferSelection(themes=(theme,), categories=("cinema",)))
    assert (both == (with_theme & cinemas)).all()
    july = OfferSelection(date_from=date(2026, 7, 1), date_to=date(2026, 7, 14))
    expected = offers_open_between(offers, date(2026, 7, 1), date(2026, 7, 14))
    assert (select_offers(offers, july) == expected).all()
    members = kind_members(offers, [theme], ["cinema"])
    assert members.shape == (2, len(offers))
    assert (members[0] == with_theme).all()
    assert (members[1] == cinemas).all()
    assert kind_members(offers, [], []).shape == (0, len(offers))
    with pytest.raises(InvalidParameterError) as info:
        OfferSelection(date_from=date(2026, 2, 1), date_to=date(2026, 1, 1))
    assert info.value.field == "date_to"
    assert np.asarray(select_offers(offers.iloc[0:0], july)).shape == (0,)
