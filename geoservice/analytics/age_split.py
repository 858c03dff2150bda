"""Age split of the accessibility tables: inhabitants by age band beyond each threshold.

Method (``docs/indicators.md``, "Age split of the accessibility tables"): a commune's
inhabitants by age band are its official ``population`` split by the age shares of the
Census 2021 1 km grid inside the commune polygon (each cell's bands × the share of the cell's
area inside the commune), rounded to whole inhabitants by largest remainders so the bands add
up exactly to ``population``. Then, per row of the commune table (commune, mode, target) and
population threshold ``m``, ``population_{band}_beyond_{m}min`` is the band's inhabitants when
the nearest offer is farther than ``m`` minutes (or unreachable), else 0; zone rows sum them
over their communes, like ``population_within_{m}min``.

The columns are derived when the tables are loaded, from the stored tables and the census
grid; they are not stored in ``data/accessibility/``.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from geoservice.analytics.accessibility_tables import AccessibilityTables, zone_codes_of
from geoservice.core.census_population import CensusGridPopulation
from geoservice.core.population import AGE_BANDS, rounded_by_age
from geoservice.core.snapping import METRIC_CRS
from geoservice.errors import DataError

#: Values of the ``age`` parameter of ``/underserved``: ``all`` or an age band.
AGE_CHOICES = ("all", *AGE_BANDS)

#: Keys of a zone row.
_ZONE_KEYS = ["level", "zone_code", "mode", "target_type", "target"]


def age_column(band: str) -> str:
    """Column of a commune's or zone's inhabitants of `band`."""
    return f"population_{band}"


def beyond_column(band: str, minutes: int) -> str:
    """Column of the inhabitants of `band` farther than `minutes` from the nearest offer."""
    return f"population_{band}_beyond_{minutes}min"


def split_population(population: npt.ArrayLike, grid_ages: npt.ArrayLike) -> pd.DataFrame:
    """Whole inhabitants per age band adding up to `population`, in the shares of `grid_ages`.

    Parameters
    ----------
    population
        Official inhabitants of each commune.
    grid_ages
        Shape ``(n, 3)``: the grid's inhabitants per band inside each commune.

    Returns
    -------
    pandas.DataFrame
        ``population_under_15``, ``population_15_64``, ``population_65_plus`` (int64).
    """
    pop = np.asarray(population, dtype=np.int64)
    ages = np.asarray(grid_ages, dtype=np.float64)
    if ages.shape != (len(pop), len(AGE_BANDS)):
        raise DataError(f"age split: grid ages must have shape ({len(pop)}, 3)")
    sums = ages.sum(axis=1)
    if (sums <= 0).any():
        raise DataError("age split: a commune has no census grid inhabitants")
    rows = [
        rounded_by_age(dict(zip(AGE_BANDS, a * (p / s), strict=True)), int(p))
        for p, a, s in zip(pop, ages, sums, strict=True)
    ]
    return pd.DataFrame(
        {age_column(b): np.array([r[b] for r in rows], dtype=np.int64) for b in AGE_BANDS}
    )


def commune_age_populations(grid: CensusGridPopulation, communes: gpd.GeoDataFrame) -> pd.DataFrame:
    """``code`` and the inhabitants per age band of each commune (see module docstring)."""
    shapes = communes.to_crs(METRIC_CRS).geometry
    split = split_population(communes["population"], grid.ages_in(list(shapes)))
    split.insert(0, "code", communes["code"].astype(str).to_numpy())
    return split


def with_beyond_columns(
    rows: pd.DataFrame, ages: pd.DataFrame, thresholds_minutes: Sequence[int]
) -> pd.DataFrame:
    """Commune rows (``commune_code``, ``time_s``) with the age bands and the
    ``population_{band}_beyond_{m}min`` columns."""
    by_code = ages.set_index("code")
    out = rows.copy()
    time_s = np.nan_to_num(out["time_s"].to_numpy(dtype=float, na_value=np.nan), nan=np.inf)
    codes = out["commune_code"].astype(str)
    if not codes.isin(by_code.index).all():
        raise DataError("age split: a commune of the tables has no age split")
    for band in AGE_BANDS:
        pop = codes.map(by_code[age_column(band)]).to_numpy(dtype=np.int64)
        out[age_column(band)] = pop
        for minutes in thresholds_minutes:
            out[beyond_column(band, minutes)] = np.where(time_s > minutes * 60, pop, 0)
    return out


def with_age_split(
    tables: AccessibilityTables,
    ages: pd.DataFrame,
    communes: pd.DataFrame,
    thresholds_minutes: Sequence[int],
) -> AccessibilityTables:
    """`tables` whose commune and zone rows carry the age bands and the inhabitants of each
    band beyond each threshold (zones: sums over their communes)."""
    rows = with_beyond_columns(tables.communes, ages, thresholds_minutes)
    added = [c for c in rows.columns if c not in tables.communes.columns]
    frames = []
    for level in tables.zones["level"].unique():
        zone_of = dict(zip(communes["code"], zone_codes_of(communes, str(level)), strict=True))
        keyed = rows.assign(level=str(level), zone_code=rows["commune_code"].map(zone_of))
        frames.append(keyed.groupby(_ZONE_KEYS, observed=True)[added].sum().reset_index())
    sums = pd.concat(frames, ignore_index=True)
    for col in _ZONE_KEYS:
        sums[col] = sums[col].astype("string")
    zones = tables.zones.merge(sums, on=_ZONE_KEYS, how="left", validate="one_to_one")
    return AccessibilityTables(
        communes=rows,
        zones=zones,
        fingerprint=tables.fingerprint,
        indicators=tables.indicators,
    )
