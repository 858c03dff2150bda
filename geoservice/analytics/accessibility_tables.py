"""Accessibility tables: per commune, mode and target, then population-weighted per zone.

Formulas: ``docs/indicators.md``; the module :mod:`geoservice.analytics.accessibility` says
what each column means.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from geoservice.analytics.accessibility_params import AccessibilityParams
from geoservice.analytics.targets import Target, all_targets
from geoservice.core.offer_selection import BoolArray
from geoservice.core.routing import FloatArray
from geoservice.core.snapping import METRIC_CRS
from geoservice.errors import DataError, InvalidParameterError, MissingColumnError

#: Zone levels of the aggregated tables, and the commune column holding each zone's code.
LEVELS: Mapping[str, str] = {
    "canton": "canton",
    "epci": "epci",
    "arrondissement": "arrondissement",
    "departement": "departement",
}


def points_m(frame: gpd.GeoDataFrame) -> tuple[FloatArray, FloatArray]:
    """Point coordinates of a frame, EPSG:2154."""
    if frame.crs is None:
        raise DataError("the offer frame has no CRS: refusing to guess")
    geom = frame.to_crs(METRIC_CRS).geometry
    return (
        np.asarray(geom.x.to_numpy(), dtype=np.float64),
        np.asarray(geom.y.to_numpy(), dtype=np.float64),
    )


def threshold_column(minutes: int) -> str:
    """Name of the cumulative count column for `minutes`."""
    return f"offers_within_{minutes}min"


@dataclass(frozen=True)
class NearestFigures:
    """Per-commune figures of one target from a times matrix.

    Attributes
    ----------
    time_s
        Time to the nearest offer of the target (``inf`` when it has none), seconds.
    nearest
        Column (offer index) of that offer, −1 when none.
    counts
        Offers within each threshold, shape ``(communes, thresholds)``.
    decay
        Sum of decay weights.
    """

    time_s: FloatArray
    nearest: npt.NDArray[np.int64]
    counts: npt.NDArray[np.int64]
    decay: FloatArray


def nearest_figures(
    times_s: FloatArray, mask: BoolArray, params: AccessibilityParams
) -> NearestFigures:
    """Figures of one target: `times_s` is communes × offers (offers sorted by id)."""
    n = times_s.shape[0]
    thresholds_s = np.asarray(params.thresholds_minutes, dtype=np.float64) * 60.0
    if not mask.any():
        return NearestFigures(
            time_s=np.full(n, np.inf),
            nearest=np.full(n, -1, dtype=np.int64),
            counts=np.zeros((n, len(thresholds_s)), dtype=np.int64),
            decay=np.zeros(n),
        )
    columns = np.flatnonzero(mask)
    sub = times_s[:, columns]
    arg = np.argmin(sub, axis=1)  # first minimum: offers are sorted by offer_id
    best = sub[np.arange(n), arg]
    nearest = np.where(np.isfinite(best), columns[arg], -1)
    counts = (sub[:, :, np.newaxis] <= thresholds_s[np.newaxis, np.newaxis, :]).sum(axis=1)
    decay = params.decay_weight(sub / 60.0).sum(axis=1)
    return NearestFigures(time_s=best, nearest=nearest.astype(np.int64), counts=counts, decay=decay)


def commune_rows(
    times_s: FloatArray,
    mode: str,
    targets: Sequence[Target],
    communes: pd.DataFrame,
    offers: pd.DataFrame,
    params: AccessibilityParams,
) -> pd.DataFrame:
    """The commune table's rows of one mode (one row per commune and target)."""
    offer_ids = offers["offer_id"].to_numpy(dtype=object)
    codes = communes["code"].to_numpy(dtype=object)
    n, t = len(codes), len(targets)
    figures = [nearest_figures(times_s, target.mask(offers), params) for target in targets]
    time_s = np.concatenate([f.time_s for f in figures]) if figures else np.zeros(0)
    nearest = np.concatenate([f.nearest for f in figures]) if figures else np.zeros(0, int)
    data: dict[str, Any] = {
        "commune_code": np.tile(codes, t),
        "mode": np.full(n * t, mode, dtype=object),
        "target_type": np.repeat(np.array([x.type for x in targets], dtype=object), n),
        "target": np.repeat(np.array([x.value for x in targets], dtype=object), n),
        "time_s": np.where(np.isfinite(time_s), np.round(time_s, 1), np.nan),
        "nearest_offer_id": [offer_ids[j] if j >= 0 else None for j in nearest],
    }
    for j, minutes in enumerate(params.thresholds_minutes):
        data[threshold_column(minutes)] = (
            np.concatenate([f.counts[:, j] for f in figures]) if figures else np.zeros(0, int)
        )
    data["access_decay"] = np.round(np.concatenate([f.decay for f in figures]), 6)
    return pd.DataFrame(data)


def commune_table(
    times_by_mode: Mapping[str, FloatArray],
    targets: Sequence[Target],
    communes: pd.DataFrame,
    offers: pd.DataFrame,
    params: AccessibilityParams,
) -> pd.DataFrame:
    """The commune table: every mode, target and commune (sorted, index reset)."""
    frames = [
        commune_rows(times, mode, targets, communes, offers, params)
        for mode, times in times_by_mode.items()
    ]
    table = pd.concat(frames, ignore_index=True)
    table["nearest_offer_id"] = table["nearest_offer_id"].astype("string")
    for col in ("commune_code", "mode", "target_type", "target"):
        table[col] = table[col].astype("string")
    return table.sort_values(["mode", "target_type", "target", "commune_code"], ignore_index=True)


def zone_codes_of(communes: pd.DataFrame, level: str) -> pd.Series:
    """The code of each commune's zone of `level` (``departement``: the INSEE prefix)."""
    if level == "departement":
        return communes["code"].str[:2]
    column = LEVELS.get(level)
    if column is None:
        raise InvalidParameterError("level", f"unknown level {level!r}", allowed=LEVELS)
    if column not in communes.columns:
        raise MissingColumnError(f"the commune frame has no {column!r} column")
    return communes[column].astype(str)


def zone_table(
    table: pd.DataFrame,
    communes: pd.DataFrame,
    params: AccessibilityParams,
    levels: Iterable[str] = LEVELS,
) -> pd.DataFrame:
    """Population-weighted figures per zone of each level (formulas: ``docs/indicators.md``).

    Columns: ``level``, ``zone_code``, ``mode``, ``target_type``, ``target``, ``population``,
    ``population_within_{m}min`` and ``share_within_{m}min`` for each population threshold,
    ``mean_time_s`` (population-weighted, null when the target has no offer).
    """
    pop = communes.set_index("code")["population"].astype("int64")
    base = table.assign(population=table["commune_code"].map(pop).astype("int64"))
    time_s = base["time_s"].to_numpy(dtype=np.float64, na_value=np.nan)
    for minutes in params.population_thresholds_minutes:
        within = np.nan_to_num(time_s, nan=np.inf) <= minutes * 60
        base[f"population_within_{minutes}min"] = np.where(within, base["population"], 0)
    base["weighted_time"] = time_s * base["population"].to_numpy()
    frames = []
    for level in levels:
        codes = zone_codes_of(communes, level)
        zone_of = dict(zip(communes["code"], codes, strict=True))
        keyed = base.assign(level=level, zone_code=base["commune_code"].map(zone_of))
        sums = keyed.groupby(
            ["level", "zone_code", "mode", "target_type", "target"], sort=True, observed=True
        )[
            [
                "population",
                *(f"population_within_{m}min" for m in params.population_thresholds_minutes),
                "weighted_time",
            ]
        ].sum(min_count=1)
        frames.append(sums.reset_index())
    out = pd.concat(frames, ignore_index=True)
    for minutes in params.population_thresholds_minutes:
        out[f"share_within_{minutes}min"] = (
            out[f"population_within_{minutes}min"] / out["population"]
        ).round(6)
    out["mean_time_s"] = (out["weighted_time"] / out["population"]).round(1)
    out = out.drop(columns="weighted_time")
    for col in ("level", "zone_code", "mode", "target_type", "target"):
        out[col] = out[col].astype("string")
    return out.sort_values(
        ["level", "mode", "target_type", "target", "zone_code"], ignore_index=True
    )


@dataclass(frozen=True)
class AccessibilityTables:
    """The computed tables and the fingerprint of the inputs they were computed from.

    Attributes
    ----------
    communes
        One row per commune, mode and target (see module docstring).
    zones
        Population-weighted figures per zone level (see :func:`zone_table`).
    fingerprint
        sha256 of the inputs (offers, communes, roads, configuration).
    indicators
        Territory indicators (:mod:`geoservice.analytics.indicators`), when computed.
    """

    communes: pd.DataFrame
    zones: pd.DataFrame
    fingerprint: str
    indicators: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def modes(self) -> list[str]:
        """Modes present in the tables."""
        return sorted(str(m) for m in self.communes["mode"].unique())


def compute_tables(
    times_by_mode: Mapping[str, FloatArray],
    communes: gpd.GeoDataFrame,
    offers: gpd.GeoDataFrame,
    vocabulary: Sequence[str],
    params: AccessibilityParams,
    *,
    fingerprint: str = "",
) -> AccessibilityTables:
    """Commune and zone tables from the travel-time matrices."""
    targets = all_targets(vocabulary)
    plain_communes = pd.DataFrame(communes.drop(columns="geometry"))
    plain_offers = pd.DataFrame(offers.drop(columns="geometry"))
    table = commune_table(times_by_mode, targets, plain_communes, plain_offers, params)
    return AccessibilityTables(
        communes=table,
        zones=zone_table(table, plain_communes, params),
        fingerprint=fingerprint,
    )
