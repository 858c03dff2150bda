"""Underserved communes: inhabitants farther than a threshold from the nearest offer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geoservice.analytics.targets import Target
from geoservice.errors import DataError


@dataclass(frozen=True)
class UnderservedRanking:
    """Communes beyond the threshold, most inhabitants first.

    Attributes
    ----------
    target, mode, threshold_minutes, age
        What was asked (``age``: ``all`` or an age band).
    communes
        ``code``, ``name``, ``population``, (with an age band: ``population_{age}``),
        ``time_s`` (null when the target has no offer), ``nearest_offer_id``,
        ``nearest_offer_name``; sorted by the inhabitants of the age asked (descending), then
        time (descending), then code.
    population_beyond
        Inhabitants of the age asked in those communes.
    population_total
        Inhabitants of the age asked in all communes.
    """

    target: Target
    mode: str
    threshold_minutes: float
    communes: pd.DataFrame
    population_beyond: int
    population_total: int
    age: str = "all"


def rank_underserved(
    figures: pd.DataFrame,
    offer_names: pd.Series,
    target: Target,
    mode: str,
    threshold_minutes: float,
    age: str = "all",
) -> UnderservedRanking:
    """Rank the communes of `figures` whose ``time_s`` exceeds `threshold_minutes`.

    Parameters
    ----------
    figures
        One row per commune: ``code`` or ``commune_code``, ``name``, ``population``,
        ``time_s``, ``nearest_offer_id`` (see ``AccessibilityModel.commune_figures``), and
        ``population_{age}`` when `age` is an age band.
    offer_names
        Offer name by ``offer_id``.
    age
        ``all`` (rank by ``population``) or an age band of
        :data:`geoservice.core.population.AGE_BANDS` (rank by ``population_{age}``).
    """
    f = figures.rename(columns={"commune_code": "code"})
    weight = "population" if age == "all" else f"population_{age}"
    if weight not in f.columns:
        raise DataError(f"no age split {weight!r} in the commune figures")
    columns = ["code", "name", "population", *([weight] if age != "all" else [])]
    time_s = f["time_s"].to_numpy(dtype=float, na_value=np.nan)
    beyond = np.nan_to_num(time_s, nan=np.inf) > threshold_minutes * 60
    out = f.loc[beyond, [*columns, "time_s", "nearest_offer_id"]].copy()
    out["nearest_offer_name"] = out["nearest_offer_id"].map(offer_names)
    out = out.sort_values(
        [weight, "time_s", "code"], ascending=[False, False, True], ignore_index=True
    )
    return UnderservedRanking(
        target=target,
        mode=mode,
        threshold_minutes=threshold_minutes,
        communes=out,
        population_beyond=int(out[weight].sum()),
        population_total=int(f[weight].sum()),
        age=age,
    )
