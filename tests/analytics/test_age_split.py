"""Age split of the accessibility tables (census grid shares of each commune)."""

from __future__ import annotations

import numpy as np
import pytest

from geoservice.analytics.age_split import (
    beyond_column,
    commune_age_populations,
    split_population,
)
from geoservice.errors import DataError
from geoservice.runtime import Runtime

BANDS = ["population_under_15", "population_15_64", "population_65_plus"]


def test_split_population_keeps_the_total_and_the_shares() -> None:
    split = split_population([100, 7], [[10.0, 60.0, 30.0], [1.0, 1.0, 1.0]])
    assert split.sum(axis=1).tolist() == [100, 7]
    assert split.iloc[0].tolist() == [10, 60, 30]
    assert split.iloc[1].tolist() in ([3, 2, 2], [2, 3, 2], [2, 2, 3])
    with pytest.raises(DataError):
        split_population([5], [[0.0, 0.0, 0.0]])


def test_commune_age_bands_sum_to_the_population(runtime: Runtime) -> None:
    assert runtime.population_grid is not None
    ages = commune_age_populations(runtime.population_grid, runtime.communes)
    merged = ages.merge(runtime.communes[["code", "population"]], on="code")
    assert len(merged) == len(runtime.communes) == 309
    assert (merged[BANDS].sum(axis=1) == merged["population"]).all()
    assert (merged[BANDS] >= 0).all().all()
    # Nièvre is old: in the grid about a third of the inhabitants are 65 or over
    share_65 = merged["population_65_plus"].sum() / merged["population"].sum()
    assert 0.25 < share_65 < 0.40


def test_departement_over_65_beyond_30_min_of_a_library_is_the_sum_over_communes(
    runtime: Runtime,
) -> None:
    assert runtime.accessibility is not None
    tables = runtime.accessibility.tables
    column = beyond_column("65_plus", 30)
    c = tables.communes
    rows = c[(c["mode"] == "bike") & (c["target_type"] == "category") & (c["target"] == "library")]
    z = tables.zones
    dep = z[
        (z["level"] == "departement")
        & (z["mode"] == "bike")
        & (z["target_type"] == "category")
        & (z["target"] == "library")
    ]
    assert len(rows) == 309
    assert len(dep) == 1
    far = np.nan_to_num(rows["time_s"].to_numpy(dtype=float, na_value=np.nan), nan=np.inf) > 1800
    expected = int(rows.loc[far, "population_65_plus"].sum())
    assert expected > 1000
    assert int(dep[column].iloc[0]) == int(rows[column].sum()) == expected
    assert int(dep["population_65_plus"].iloc[0]) == int(rows["population_65_plus"].sum())
    # every zone's bands add up to its population, for every level
    assert (z[BANDS].sum(axis=1) == z["population"]).all()
    beyond_all = z["population"] - z["population_within_30min"]
    assert (
        z[[beyond_column(b, 30) for b in ("under_15", "15_64", "65_plus")]].sum(axis=1)
        == beyond_all
    ).all()
