"""Territory indicators per canton and EPCI (formulas: ``docs/indicators.md``).

For each zone and theme: offers per 1,000 inhabitants, the share of inhabitants whose commune
is within ``drive_minutes`` of an offer of the theme by car, the share within
``no_car_minutes`` without a car (the best of ``no_car_modes`` for each commune: bike or walk
until transit joins the tables), and the gap between the two shares.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from geoservice.analytics.accessibility_params import AccessibilityParams
from geoservice.analytics.accessibility_tables import zone_codes_of

#: Levels of the indicator table.
INDICATOR_LEVELS = ("canton", "epci")


def territory_indicators(
    table: pd.DataFrame,
    communes: pd.DataFrame,
    offers: pd.DataFrame,
    vocabulary: Sequence[str],
    params: AccessibilityParams,
    levels: Iterable[str] = INDICATOR_LEVELS,
) -> pd.DataFrame:
    """One row per level, zone and theme.

    Parameters
    ----------
    table
        The commune table (:func:`~geoservice.analytics.accessibility.commune_table`).
    communes
        ``code``, ``population`` and the zone columns.
    offers
        ``commune_code`` and ``themes``.
    vocabulary
        The themes.
    params
        ``drive_minutes``, ``no_car_minutes``, ``no_car_modes``.

    Returns
    -------
    pandas.DataFrame
        ``level``, ``zone_code``, ``theme``, ``population``, ``offers``,
        ``offers_per_1000``, ``drive_minutes``, ``share_drive``, ``no_car_minutes``,
        ``no_car_modes``, ``share_no_car``, ``gap`` (= ``share_drive − share_no_car``).
    """
    themes = table[table["target_type"] == "theme"]
    codes = communes["code"].astype(str).to_numpy()
    row_of = {c: i for i, c in enumerate(codes)}
    n = len(codes)
    pop = communes["population"].to_numpy(dtype=np.int64)
    # time_s[mode][theme] → array over communes (inf: none / not reached)
    times: dict[tuple[str, str], np.ndarray] = {}
    for (mode, theme), group in themes.groupby(["mode", "target"], sort=False, observed=True):
        arr = np.full(n, np.inf)
        rows = np.fromiter((row_of[c] for c in group["commune_code"]), dtype=np.int64)
        vals = group["time_s"].to_numpy(dtype=float, na_value=np.nan)
        arr[rows] = np.nan_to_num(vals, nan=np.inf)
        times[(str(mode), str(theme))] = arr
    present = {mode for mode, _ in times}
    no_car_modes = [m for m in params.no_car_modes if m in present]
    offer_rows = np.fromiter(
        (row_of.get(str(c), -1) for c in offers["commune_code"]), dtype=np.int64, count=len(offers)
    )
    rows_out = []
    for level in levels:
        zone_codes, zone_index = np.unique(
            zone_codes_of(communes, level).to_numpy(), return_inverse=True
        )
        k = len(zone_codes)
        zone_pop = np.bincount(zone_index, weights=pop, minlength=k)
        for theme in vocabulary:
            has = np.fromiter((theme in tuple(t) for t in offers["themes"]), dtype=bool)
            located = offer_rows[has & (offer_rows >= 0)]
            n_offers = np.bincount(zone_index[located], minlength=k)
            share_drive = np.full(k, np.nan)
            share_no_car = np.full(k, np.nan)
            if ("drive", theme) in times:
                ok = times[("drive", theme)] <= params.drive_minutes * 60
                share_drive = np.bincount(zone_index, weights=pop * ok, minlength=k) / zone_pop
            if no_car_modes and all((m, theme) in times for m in no_car_modes):
                best = np.min([times[(m, theme)] for m in no_car_modes], axis=0)
                ok = best <= params.no_car_minutes * 60
                share_no_car = np.bincount(zone_index, weights=pop * ok, minlength=k) / zone_pop
            for z in range(k):
                rows_out.append(
                    {
                        "level": level,
                        "zone_code": str(zone_codes[z]),
                        "theme": theme,
                        "population": int(zone_pop[z]),
                        "offers": int(n_offers[z]),
                        "offers_per_1000": round(1000 * int(n_offers[z]) / zone_pop[z], 6),
                        "drive_minutes": params.drive_minutes,
                        "share_drive": round(float(share_drive[z]), 6),
                        "no_car_minutes": params.no_car_minutes,
                        "no_car_modes": ",".join(no_car_modes),
                        "share_no_car": round(float(share_no_car[z]), 6),
                        "gap": round(float(share_drive[z] - share_no_car[z]), 6),
                    }
                )
    out = pd.DataFrame(rows_out)
    for col in ("level", "zone_code", "theme", "no_car_modes"):
        out[col] = out[col].astype("string")
    return out.sort_values(["level", "zone_code", "theme"], ignore_index=True)
