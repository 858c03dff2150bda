"""The offer catalogue: a union with posted offers reads like a catalogue built whole."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geoservice.core.offers import CATEGORIES
from geoservice.core.reachable import offer_travel_times, rank_reachable_offers
from geoservice.core.reachable_offers import ReachableOffers
from geoservice.core.snapping import lambert93_from_wgs84
from geoservice.errors import OutsideCoverageError
from geoservice.runtime import Runtime


@pytest.fixture(scope="module")
def posted(runtime: Runtime) -> gpd.GeoDataFrame:
    """Five offers at real open-data points, with ids of posted offers."""
    rows = runtime.offers.iloc[[3, 40, 80, 120, 160]].copy()
    rows["offer_id"] = [f"user:{i}" for i in range(len(rows))]
    rows["category"] = "event"
    return rows


@pytest.fixture(scope="module")
def union(reachable: ReachableOffers, posted: gpd.GeoDataFrame) -> ReachableOffers:
    return reachable.with_offers(posted)


@pytest.fixture(scope="module")
def whole(
    runtime: Runtime, reachable: ReachableOffers, posted: gpd.GeoDataFrame
) -> ReachableOffers:
    frame = gpd.GeoDataFrame(pd.concat([runtime.offers, posted], ignore_index=True), crs=4326)
    return ReachableOffers(reachable.network, frame, eager=False)


def test_no_posted_offer_is_the_catalogue_itself(
    reachable: ReachableOffers, posted: gpd.GeoDataFrame
) -> None:
    assert reachable.with_offers(posted.iloc[0:0]) is reachable


def test_the_union_has_the_tables_of_the_whole(
    union: ReachableOffers, whole: ReachableOffers
) -> None:
    assert union.offers["offer_id"].tolist() == whole.offers["offer_id"].tolist()
    assert [f["id"] for f in union.features] == whole.offers["offer_id"].tolist()
    a, _ = union.tables("walk")
    b, _ = whole.tables("walk")
    assert a.offer_ids.tolist() == b.offer_ids.tolist()
    for name in ("x_m", "y_m", "pair_offer", "pair_node", "pair_edge", "pair_cost_s"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), err_msg=name)


@pytest.mark.parametrize("mode", ["drive", "walk"])
def test_the_union_ranks_like_the_whole(
    runtime: Runtime, union: ReachableOffers, whole: ReachableOffers, mode: str
) -> None:
    x, y = (float(v) for v in lambert93_from_wgs84(3.159, 46.99))  # Nevers station
    a = rank_reachable_offers(union, mode, (x, y), max_minutes=60)
    b = rank_reachable_offers(whole, mode, (x, y), max_minutes=60)
    assert a.rows.tolist() == b.rows.tolist()
    assert a.total == b.total > 0
    themes = tuple(runtime.settings.get("themes.vocabulary"))
    na = union.nearest_table(mode, themes, CATEGORIES)
    nb = whole.nearest_table(mode, themes, CATEGORIES)
    np.testing.assert_allclose(na.time_s, nb.time_s, atol=1e-6)
    assert (na.members == nb.members).all()


def test_times_from_points_equal_one_search_per_point(
    runtime: Runtime, union: ReachableOffers
) -> None:
    assert runtime.transit is not None
    tt = runtime.transit
    x, y = tt.stop_x[:40], tt.stop_y[:40]
    table = union.times_from_points("walk", x, y, limit_s=1800.0)
    assert table.shape == (40, len(union.offers))
    reached = outside = 0
    for i in range(40):
        try:
            times = offer_travel_times(union, "walk", float(x[i]), float(y[i]), limit_s=1800.0)
        except OutsideCoverageError:
            assert np.isinf(table[i]).all()  # a stop off the network walks nowhere
            outside += 1
            continue
        np.testing.assert_allclose(table[i], times.travel_time_s, rtol=0, atol=1e-6)
        reached += int(np.isfinite(times.travel_time_s).sum())
    assert reached > 20
    assert outside < 40


def test_a_union_composes_per_offer_tables_from_its_parts(
    reachable: ReachableOffers, union: ReachableOffers
) -> None:
    calls: list[int] = []

    def build(part: ReachableOffers) -> np.ndarray:
        calls.append(len(part.offers))
        return np.tile(np.arange(len(part.offers), dtype=float), (2, 1))

    table = union.per_offer_table("test-table", build)
    assert sorted(calls) == [5, len(reachable.offers)]
    assert table.shape == (2, len(union.offers))
    assert not table.flags.writeable
    assert union.per_offer_table("test-table", build) is table  # kept
    assert len(calls) == 2
    assert reachable.per_offer_table("test-table", build) is not None
    assert len(calls) == 2  # the open-data part's table was kept by its catalogue
