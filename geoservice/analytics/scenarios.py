"""What-if scenarios: add venues, remove offers, compare each commune before and after.

The times come from the same sources as the accessibility tables, so "before" equals the
served table. A venue counts for the target when its category is the target category, or
the target theme is among its themes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geoservice.analytics.accessibility import AccessibilityModel
from geoservice.analytics.accessibility_tables import nearest_figures
from geoservice.analytics.targets import Target
from geoservice.core.commune_origins import commune_origins_m
from geoservice.core.routing import FloatArray
from geoservice.core.snapping import lambert93_from_wgs84
from geoservice.errors import InvalidParameterError, LimitExceededError


@dataclass(frozen=True)
class NewVenue:
    """A venue added by a scenario: at a point, or at a commune's origin point.

    Attributes
    ----------
    category
        Offer category (``museum``, ``cinema``, ``library``, ``festival``) or any label.
    themes
        Theme ids.
    lon, lat
        Location, EPSG:4326 (when `commune` is None).
    commune
        INSEE code: the venue stands at the commune's origin (its town hall, see
        :mod:`geoservice.core.commune_origins`).
    name
        Label shown in the results.
    """

    category: str
    themes: tuple[str, ...] = ()
    lon: float | None = None
    lat: float | None = None
    commune: str | None = None
    name: str | None = None

    def serves(self, target: Target) -> bool:
        """Whether the venue counts for `target`."""
        if target.type == "category":
            return self.category == target.value
        return target.value in self.themes


@dataclass(frozen=True)
class ScenarioResult:
    """Per-commune before/after and population summary.

    Attributes
    ----------
    communes
        ``code``, ``name``, ``population``, ``time_s_before``, ``time_s_after``,
        ``nearest_before``, ``nearest_after``, ``delta_s`` (after − before; negative is
        better), sorted by code.
    thresholds
        One row per threshold: ``threshold_minutes``, ``population_within_before``,
        ``population_within_after``, ``population_newly_within``,
        ``population_no_longer_within``.
    added_ids
        Ids given to the added venues (``scenario:1``…).
    """

    communes: pd.DataFrame
    thresholds: pd.DataFrame
    added_ids: list[str]


def _venue_points(
    model: AccessibilityModel, venues: Sequence[NewVenue]
) -> tuple[FloatArray, FloatArray]:
    codes = model.communes["code"].tolist()
    cx, cy = commune_origins_m(model.communes)
    xs = np.empty(len(venues))
    ys = np.empty(len(venues))
    for i, v in enumerate(venues):
        if v.commune is not None:
            if v.commune not in codes:
                msg = f"{v.commune!r} is not the INSEE code of a commune of the Nièvre"
                raise InvalidParameterError(f"add.{i}.commune", msg)
            j = codes.index(v.commune)
            xs[i], ys[i] = cx[j], cy[j]
        elif v.lon is not None and v.lat is not None:
            x, y = lambert93_from_wgs84(v.lon, v.lat)
            xs[i], ys[i] = float(x), float(y)
        else:
            raise InvalidParameterError(f"add.{i}", "a venue needs a commune or lon and lat")
    return xs, ys


def run_scenario(
    model: AccessibilityModel,
    target: Target,
    mode: str,
    *,
    add: Sequence[NewVenue] = (),
    remove: Sequence[str] = (),
    thresholds_minutes: Sequence[float] | None = None,
) -> ScenarioResult:
    """Evaluate adding `add` and removing the offers `remove` for one target and mode.

    Raises
    ------
    InvalidParameterError
        An unknown offer id (field ``remove.<i>``) or commune code (``add.<i>.commune``).
    LimitExceededError
        More venues than ``max_scenario_venues``.
    OutsideCoverageError
        An added point is outside the road network's coverage (field ``add.<i>``).
    """
    model.check_mode(mode)
    params = model.params
    if len(add) + len(remove) > params.max_scenario_venues:
        msg = f"at most {params.max_scenario_venues} venues added and removed per scenario"
        raise LimitExceededError("add", msg)
    thresholds = list(thresholds_minutes or params.population_thresholds_minutes)
    offer_ids = model.offers["offer_id"].tolist()
    position = {oid: i for i, oid in enumerate(offer_ids)}
    for i, oid in enumerate(remove):
        if oid not in position:
            raise InvalidParameterError(f"remove.{i}", f"no offer with id {oid!r}")

    before_times = model.offer_times(mode)
    mask = target.mask(model.offers)
    before = nearest_figures(before_times, mask, params)

    keep = mask.copy()
    keep[[position[oid] for oid in remove]] = False
    columns = [before_times[:, keep]]
    ids = [oid for oid, k in zip(offer_ids, keep, strict=True) if k]
    added_ids = [f"scenario:{i + 1}" for i in range(len(add))]
    if add:
        xs, ys = _venue_points(model, add)
        new_times = model.source(mode).times_to(xs, ys, field="add")
        serving = [i for i, v in enumerate(add) if v.serves(target)]
        columns.append(new_times[:, serving])
        ids += [added_ids[i] for i in serving]
    after_times = np.concatenate(columns, axis=1)
    after = nearest_figures(after_times, np.ones(after_times.shape[1], dtype=bool), params)

    all_ids = np.asarray(offer_ids, dtype=object)
    new_ids = np.asarray(ids, dtype=object)

    def label(nearest: np.ndarray, pool: np.ndarray) -> list[str | None]:
        return [str(pool[j]) if j >= 0 else None for j in nearest]

    def seconds(t: FloatArray) -> FloatArray:
        return np.where(np.isfinite(t), np.round(t, 1), np.nan)

    pop = model.communes["population"].to_numpy(dtype=np.int64)
    communes = pd.DataFrame(
        {
            "code": model.communes["code"].to_numpy(),
            "name": model.communes["name"].to_numpy(),
            "population": pop,
            "time_s_before": seconds(before.time_s),
            "time_s_after": seconds(after.time_s),
            "nearest_before": label(before.nearest, all_ids),
            "nearest_after": label(after.nearest, new_ids),
        }
    )
    communes["delta_s"] = (communes["time_s_after"] - communes["time_s_before"]).round(1)
    rows = []
    for minutes in thresholds:
        was = before.time_s <= minutes * 60
        now = after.time_s <= minutes * 60
        rows.append(
            {
                "threshold_minutes": minutes,
                "population_within_before": int(pop[was].sum()),
                "population_within_after": int(pop[now].sum()),
                "population_newly_within": int(pop[now & ~was].sum()),
                "population_no_longer_within": int(pop[was & ~now].sum()),
            }
        )
    return ScenarioResult(communes=communes, thresholds=pd.DataFrame(rows), added_ids=added_ids)
