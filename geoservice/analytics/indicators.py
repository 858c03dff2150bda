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

from geoservice.analytics.accessibility import AccessibilityParams, _zone_codes

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
    wide = themes.pivot_table(
        index=["target", "commune_code"], columns="mode", values="time_s", dropna=False
    )
    no_car_modes = [m for m in params.no_car_modes if m in wide.columns]
    pop = communes.set_index("code")["population"].astype("int64")
    rows = []
    for level in levels:
        zone_of = pd.Series(_zone_codes(communes, level).to_numpy(), index=communes["code"])
        zone_pop = pop.groupby(zone_of).sum()
        offer_zone = offers["commune_code"].map(zone_of)
        for theme in vocabulary:
            has = np.fromiter((theme in tuple(t) for t in offers["themes"]), dtype=bool)
            counts = offer_zone[has].value_counts()
            key = wide.loc[theme] if theme in wide.index.get_level_values(0) else None
            for zone, population in zone_pop.items():
                members = zone_of.index[zone_of == zone]
                member_pop = pop.loc[members].to_numpy()
                share_drive = share_no_car = np.nan
                if key is not None:
                    sub = key.reindex(members)
                    if "drive" in sub.columns:
                        drive = sub["drive"].to_numpy(dtype=float, na_value=np.nan)
                        ok = np.nan_to_num(drive, nan=np.inf) <= params.drive_minutes * 60
                        share_drive = float(member_pop[ok].sum() / population)
                    if no_car_modes:
                        best = sub[no_car_modes].to_numpy(dtype=float, na_value=np.nan)
                        best = np.nan_to_num(best, nan=np.inf).min(axis=1)
                        ok = best <= params.no_car_minutes * 60
                        share_no_car = float(member_pop[ok].sum() / population)
                n_offers = int(counts.get(zone, 0))
                rows.append(
                    {
                        "level": level,
                        "zone_code": str(zone),
                        "theme": theme,
                        "population": int(population),
                        "offers": n_offers,
                        "offers_per_1000": round(1000 * n_offers / population, 6),
                        "drive_minutes": params.drive_minutes,
                        "share_drive": round(share_drive, 6),
                        "no_car_minutes": params.no_car_minutes,
                        "no_car_modes": ",".join(no_car_modes),
                        "share_no_car": round(share_no_car, 6),
                        "gap": round(share_drive - share_no_car, 6),
                    }
                )
    out = pd.DataFrame(rows)
    for col in ("level", "zone_code", "theme", "no_car_modes"):
        out[col] = out[col].astype("string")
    return out.sort_values(["level", "zone_code", "theme"], ignore_index=True)
