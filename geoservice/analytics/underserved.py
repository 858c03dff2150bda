"""Underserved communes: inhabitants farther than a threshold from the nearest offer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geoservice.analytics.targets import Target


@dataclass(frozen=True)
class UnderservedRanking:
    """Communes beyond the threshold, most inhabitants first.

    Attributes
    ----------
    target, mode, threshold_minutes
        What was asked.
    communes
        ``code``, ``name``, ``population``, ``time_s`` (null when the target has no offer),
        ``nearest_offer_id``, ``nearest_offer_name``; sorted by population (descending), then
        time (descending), then code.
    population_beyond
        Inhabitants of those communes.
    population_total
        Inhabitants of all communes.
    """

    target: Target
    mode: str
    threshold_minutes: float
    communes: pd.DataFrame
    population_beyond: int
    population_total: int


def rank_underserved(
    figures: pd.DataFrame,
    offer_names: pd.Series,
    target: Target,
    mode: str,
    threshold_minutes: float,
) -> UnderservedRanking:
    """Rank the communes of `figures` whose ``time_s`` exceeds `threshold_minutes`.

    Parameters
    ----------
    figures
        One row per commune: ``code`` or ``commune_code``, ``name``, ``population``,
        ``time_s``, ``nearest_offer_id`` (see ``AccessibilityModel.commune_figures``).
    offer_names
        Offer name by ``offer_id``.
    """
    f = figures.rename(columns={"commune_code": "code"})
    time_s = f["time_s"].to_numpy(dtype=float, na_value=np.nan)
    beyond = np.nan_to_num(time_s, nan=np.inf) > threshold_minutes * 60
    out = f.loc[beyond, ["code", "name", "population", "time_s", "nearest_offer_id"]].copy()
    out["nearest_offer_name"] = out["nearest_offer_id"].map(offer_names)
    out = out.sort_values(
        ["population", "time_s", "code"], ascending=[False, False, True], ignore_index=True
    )
    return UnderservedRanking(
        target=target,
        mode=mode,
        threshold_minutes=threshold_minutes,
        communes=out,
        population_beyond=int(out["population"].sum()),
        population_total=int(f["population"].sum()),
    )
