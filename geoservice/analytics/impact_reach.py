"""Inhabitants within reach of an offer of each theme, with and without the posted offers.

For each mode of the accessibility tables and each theme, the scenario engine
(:func:`geoservice.analytics.scenarios.run_scenario`) compares the open-data offers
("before", the served accessibility table) with the open-data offers plus the published
posted events and venues of the theme ("after"). A commune counts within m minutes when its
origin's time to the nearest offer is ≤ m (the rule of the accessibility tables); its
inhabitants are its INSEE population, its age bands those of the census grid cells inside its
outline (:func:`commune_age_bands`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geoservice.analytics.accessibility import AccessibilityModel
from geoservice.analytics.impact import ImpactParams
from geoservice.analytics.scenarios import NewVenue, run_scenario
from geoservice.analytics.targets import Target
from geoservice.core.census_population import CensusGridPopulation
from geoservice.core.snapping import METRIC_CRS


def commune_age_bands(grid: CensusGridPopulation, communes: gpd.GeoDataFrame) -> pd.DataFrame:
    """Per commune (``code``): census-grid inhabitants ``under_15`` and ``65_plus`` inside its
    outline (areal weighting of the 1 km cells, see
    :class:`~geoservice.core.census_population.CensusGridPopulation`)."""
    outlines = communes.to_crs(METRIC_CRS).geometry.to_numpy()
    counts = grid.counts_within(outlines)
    return pd.DataFrame(
        {
            "code": communes["code"].astype(str).to_numpy(),
            "under_15": [c.under_15 for c in counts],
            "65_plus": [c.age_65_plus for c in counts],
        }
    )


def posted_venues(posted: Sequence[Mapping[str, Any]], kinds: Sequence[str]) -> list[NewVenue]:
    """The posted offers people travel to (`kinds`), as scenario venues at their points."""
    return [
        NewVenue(
            category=str(o["kind"]),
            themes=tuple(o.get("themes") or ()),
            lon=float(o["lon"]),
            lat=float(o["lat"]),
            name=str(o["offer_id"]),
        )
        for o in posted
        if o["kind"] in kinds and o.get("lon") is not None and o.get("lat") is not None
    ]


def reach_indicators(
    model: AccessibilityModel,
    venues: Sequence[NewVenue],
    params: ImpactParams,
    ages: pd.DataFrame | None,
) -> pd.DataFrame:
    """Per commune (``commune_code``, ``indicator``, ``value``): ``reach.*`` (within reach of
    an open-data or posted offer) and ``reach_new.*`` (within reach only thanks to the posted
    ones), for every mode of `model` and theme of its vocabulary."""
    codes = model.communes["code"].astype(str).to_numpy()
    groups: dict[str, np.ndarray] = {
        "population": model.communes["population"].to_numpy(dtype=np.float64)
    }
    if ages is not None:
        by_code = ages.set_index("code").reindex(codes)
        groups["under_15"] = by_code["under_15"].fillna(0.0).to_numpy(dtype=np.float64)
        groups["65_plus"] = by_code["65_plus"].fillna(0.0).to_numpy(dtype=np.float64)
    # The scenario engine caps the venues of a request; here every posted offer counts.
    limit = max(model.params.max_scenario_venues, len(venues))
    engine = dataclasses.replace(
        model, params=dataclasses.replace(model.params, max_scenario_venues=limit)
    )
    frames = []
    for mode in model.modes:
        for theme in model.vocabulary:
            target = Target("theme", theme)
            serving = [v for v in venues if v.serves(target)]
            result = run_scenario(
                engine, target, mode, add=serving, thresholds_minutes=params.thresholds_minutes
            )
            before = result.communes["time_s_before"].to_numpy(dtype=np.float64)
            after = result.communes["time_s_after"].to_numpy(dtype=np.float64)
            for minutes in params.thresholds_minutes:
                now = after <= minutes * 60
                new = now & ~(before <= minutes * 60)
                for group, values in groups.items():
                    stem = f"{mode}.{theme}.{minutes}min.{group}"
                    frames.append(
                        pd.DataFrame(
                            {
                                "commune_code": codes,
                                "indicator": f"reach.{stem}",
                                "value": np.where(now, values, 0.0),
                            }
                        )
                    )
                    frames.append(
                        pd.DataFrame(
                            {
                                "commune_code": codes,
                                "indicator": f"reach_new.{stem}",
                                "value": np.where(new, values, 0.0),
                            }
                        )
                    )
    if not frames:
        return pd.DataFrame(columns=["commune_code", "indicator", "value"])
    return pd.concat(frames, ignore_index=True)
