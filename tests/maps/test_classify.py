"""classify_values: mapclassify's classes, NaN kept apart, edge cases."""

from __future__ import annotations

import warnings

import geopandas as gpd
import mapclassify
import numpy as np
import pandas as pd
import pytest

from geoservice.errors import InvalidParameterError
from geoservice.maps.classification import UNREACHABLE_CLASS, classify_values, palette_colors


def _mapclassify(scheme: str, y: np.ndarray, **kw: object) -> mapclassify.classifiers.MapClassifier:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Numba not installed", category=UserWarning)
        return getattr(mapclassify, scheme)(y, **kw)


@pytest.mark.parametrize(
    ("scheme", "kw"),
    [
        ("FisherJenks", {"k": 5}),
        ("Quantiles", {"k": 4}),
        ("EqualInterval", {"k": 6}),
        ("UserDefined", {"bins": [15.0, 30.0, 45.0, 60.0]}),
    ],
)
def test_classes_are_mapclassify_yb_on_the_finite_values(
    test_times: gpd.GeoDataFrame, test_col: str, scheme: str, kw: dict[str, object]
) -> None:
    minutes = test_times[test_col].to_numpy() / 60
    finite = np.isfinite(minutes)
    ours = classify_values(
        minutes,
        scheme=scheme,
        k=int(kw.get("k", 5)),
        bins=kw.get("bins"),  # type: ignore[arg-type]
    )
    theirs = _mapclassify(scheme, minutes[finite], **kw)
    np.testing.assert_array_equal(ours.yb[finite], theirs.yb)
    np.testing.assert_allclose(ours.bins, theirs.bins)
    assert (ours.yb[~finite] == UNREACHABLE_CLASS).all()
    assert ours.n_unreachable == int((~finite).sum()) == 3
    assert sum(ours.counts) == int(finite.sum())


def test_nan_and_inf_get_the_unreachable_class_and_do_not_shift_the_others() -> None:
    values = np.array([5.0, np.nan, 12.0, np.inf, 40.0, 41.0, 7.0, -np.inf])
    result = classify_values(values, scheme="UserDefined", bins=[10, 30])
    assert result.yb.tolist() == [0, -1, 1, -1, 2, 2, 0, -1]
    assert result.bins == (10.0, 30.0, 41.0)  # mapclassify adds the maximum
    assert result.bounds() == [(5.0, 10.0), (10.0, 30.0), (30.0, 41.0)]


def test_k_is_lowered_to_the_number_of_distinct_values() -> None:
    result = classify_values([1.0, 1.0, 2.0, 2.0, 3.0], scheme="FisherJenks", k=5)
    assert result.k == 3
    assert result.yb.tolist() == [0, 0, 1, 1, 2]


def test_constant_values_make_one_class_and_all_nan_makes_none() -> None:
    one = classify_values([4.0, 4.0, np.nan], scheme="EqualInterval", k=5)
    assert one.yb.tolist() == [0, 0, -1]
    assert one.bins == (4.0,)
    none = classify_values([np.nan, np.nan], scheme="Quantiles")
    assert none.k == 0
    assert none.yb.tolist() == [-1, -1]
    assert none.bounds() == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"scheme": "NaturalBreaks"}, "scheme"),
        ({"k": 0}, "k"),
        ({"k": 13}, "k"),
        ({"scheme": "UserDefined"}, "bins"),
        ({"scheme": "UserDefined", "bins": [30, 15]}, "bins"),
        ({"scheme": "UserDefined", "bins": [15, float("nan")]}, "bins"),
    ],
)
def test_bad_arguments_name_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidParameterError) as info:
        classify_values([1.0, 2.0, 3.0], **kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


def test_palette_runs_light_to_dark_and_rejects_unknown_names() -> None:
    colors = palette_colors(5)
    assert len(set(colors)) == 5
    assert colors[0] == "#fde725"  # viridis' yellow end: the shortest times
    assert colors[-1] == "#440154"  # viridis' purple end: the longest times
    assert palette_colors(0) == []
    with pytest.raises(InvalidParameterError):
        palette_colors(3, "no-such-map")


def test_nullable_series_missing_values_are_unreachable() -> None:
    values = pd.Series([600, None, 1200, 2400], dtype="Int64")
    result = classify_values(values, scheme="EqualInterval", k=2)
    assert result.yb.tolist() == [0, -1, 0, 1]


def test_user_bounds_below_every_value_leave_empty_first_classes() -> None:
    result = classify_values([100.0, 200.0], scheme="UserDefined", bins=[15, 30])
    assert result.counts == (0, 0, 2)
    assert result.bounds() == [(15.0, 15.0), (15.0, 30.0), (30.0, 200.0)]
