"""Accessibility of every commune to the cultural offers, per theme, category and mode.

Origin of a commune: :func:`geoservice.core.commune_origins.commune_origins_m`, its town
hall, or a point inside its polygon where the town-hall point lies outside the commune.

For each mode, a :class:`~geoservice.analytics.traveltimes.TravelTimeSource` gives the matrix
communes × offers of travel times (s). From it, for each *target* (a theme of the vocabulary
or an offer category) the commune table holds:

- ``time_s``: time to the nearest offer of the target, and ``nearest_offer_id`` (ties: the
  smallest ``offer_id``); null when the target has no offer at all;
- ``offers_within_{m}min``: number of offers of the target within ``m`` minutes, for each of
  ``[accessibility] thresholds_minutes``;
- ``access_decay``: a gravity-type measure, the sum over the target's offers of a decay
  function ``f(t)`` of the travel time in minutes, ``exp(-β t)`` with ``β = ln 2 / half-life``
  (``decay = "exponential"``) or ``1 / (1 + exp(k (t − t₀)))`` (``decay = "logistic"``).

Zone tables (canton, EPCI, arrondissement, département) are population-weighted: inhabitants
of the zone's communes, the number and share of them whose commune is within each of
``population_thresholds_minutes``, and the population-weighted mean ``time_s``. Formulas:
``docs/indicators.md``. The tables have a ``mode`` dimension: every
:class:`~geoservice.analytics.traveltimes.TravelTimeSource` adds its rows — road modes
(:class:`~geoservice.analytics.traveltimes.RoadTimeSource`) and ``transit``
(:class:`~geoservice.analytics.transit_times.TransitTimeSource`, RAPTOR over a departure
window), left out when no timetable is loaded.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from geoservice.analytics.executors import (
    OriginExecutor,
    ProgressCallback,
    SerialExecutor,
    run_tasks,
)
from geoservice.analytics.transit_times import TransitTimeSource, TransitWindow
from geoservice.analytics.traveltimes import RoadTimeSource, TravelTimeSource
from geoservice.core.commune_origins import commune_origins_m
from geoservice.core.network import RoadNetwork
from geoservice.core.offers import CATEGORIES
from geoservice.core.routing import FloatArray
from geoservice.core.snapping import METRIC_CRS
from geoservice.core.timetable import Timetable
from geoservice.errors import DataError, InvalidParameterError, MissingColumnError
from geoservice.settings import Settings

BoolArray = npt.NDArray[np.bool_]
logger = logging.getLogger(__name__)

#: Zone levels of the aggregated tables, and the commune column holding each zone's code.
LEVELS: Mapping[str, str] = {
    "canton": "canton",
    "epci": "epci",
    "arrondissement": "arrondissement",
    "departement": "departement",
}
TARGET_TYPES = ("theme", "category")
#: Bumped when the table layout or the model changes (part of the inputs fingerprint).
TABLE_VERSION = "2"


@dataclass(frozen=True)
class AccessibilityParams:
    """The ``[accessibility]`` table (see ``config/accessibility.toml``).

    Attributes
    ----------
    modes
        Modes computed in the tables.
    thresholds_minutes
        Cumulative-opportunity cut-offs: offers counted within each, minutes.
    population_thresholds_minutes
        Cut-offs of the population shares in the zone tables, minutes.
    decay
        ``"exponential"`` or ``"logistic"``.
    half_life_minutes
        Exponential decay: time at which an offer weighs 1/2, minutes (β = ln 2 / it).
    logistic_midpoint_minutes, logistic_steepness_per_minute
        Logistic decay ``1 / (1 + exp(k (t − t₀)))``: t₀ and k.
    chunk_size
        Origins per executor task.
    default_threshold_minutes
        Threshold of the underserved ranking and suggestions when a request gives none.
    max_threshold_minutes
        Largest threshold a request may ask, minutes.
    max_suggestions
        Largest ``k`` of the site suggestions.
    max_scenario_venues
        Largest number of venues a scenario may add or remove.
    drive_minutes, no_car_minutes, no_car_modes
        Territory indicators: share within `drive_minutes` by car, within `no_car_minutes`
        by the best of `no_car_modes`.
    transit_window
        Departure window of the transit figures (``[accessibility.transit]``).
    """

    modes: tuple[str, ...] = ("drive", "bike", "walk")
    thresholds_minutes: tuple[int, ...] = (15, 30, 45, 60)
    population_thresholds_minutes: tuple[int, ...] = (15, 30, 45)
    decay: str = "exponential"
    half_life_minutes: float = 20.0
    logistic_midpoint_minutes: float = 30.0
    logistic_steepness_per_minute: float = 0.2
    chunk_size: int = 64
    default_threshold_minutes: int = 30
    max_threshold_minutes: int = 240
    max_suggestions: int = 20
    max_scenario_venues: int = 50
    drive_minutes: int = 20
    no_car_minutes: int = 45
    no_car_modes: tuple[str, ...] = ("bike", "walk")
    transit_window: TransitWindow = field(
        default_factory=lambda: TransitWindow(date(2025, 2, 4), 8 * 3600, 120)
    )

    @classmethod
    def from_section(cls, table: Mapping[str, Any]) -> AccessibilityParams:
        """Parse ``[accessibility]``; missing keys keep their defaults."""
        defaults = cls()
        decay_t = table.get("decay", {})
        ind = table.get("indicators", {})
        params = cls(
            modes=tuple(str(m) for m in table.get("modes", defaults.modes)),
            thresholds_minutes=tuple(
                int(v) for v in table.get("thresholds_minutes", defaults.thresholds_minutes)
            ),
            population_thresholds_minutes=tuple(
                int(v)
                for v in table.get(
                    "population_thresholds_minutes", defaults.population_thresholds_minutes
                )
            ),
            decay=str(decay_t.get("function", defaults.decay)),
            half_life_minutes=float(decay_t.get("half_life_minutes", defaults.half_life_minutes)),
            logistic_midpoint_minutes=float(
                decay_t.get("logistic_midpoint_minutes", defaults.logistic_midpoint_minutes)
            ),
            logistic_steepness_per_minute=float(
                decay_t.get("logistic_steepness_per_minute", defaults.logistic_steepness_per_minute)
            ),
            chunk_size=int(table.get("chunk_size", defaults.chunk_size)),
            default_threshold_minutes=int(
                table.get("default_threshold_minutes", defaults.default_threshold_minutes)
            ),
            max_threshold_minutes=int(
                table.get("max_threshold_minutes", defaults.max_threshold_minutes)
            ),
            max_suggestions=int(table.get("max_suggestions", defaults.max_suggestions)),
            max_scenario_venues=int(table.get("max_scenario_venues", defaults.max_scenario_venues)),
            drive_minutes=int(ind.get("drive_minutes", defaults.drive_minutes)),
            no_car_minutes=int(ind.get("no_car_minutes", defaults.no_car_minutes)),
            no_car_modes=tuple(str(m) for m in ind.get("no_car_modes", defaults.no_car_modes)),
            transit_window=TransitWindow.from_section(dict(table.get("transit", {}))),
        )
        if params.decay not in {"exponential", "logistic"}:
            raise InvalidParameterError(
                "accessibility.decay.function",
                f"unknown decay {params.decay!r}",
                allowed=["exponential", "logistic"],
            )
        if min(params.thresholds_minutes + params.population_thresholds_minutes) <= 0:
            raise InvalidParameterError("accessibility", "thresholds must be > 0 minutes")
        if params.half_life_minutes <= 0 or params.chunk_size < 1:
            raise InvalidParameterError(
                "accessibility", "half_life_minutes must be > 0 and chunk_size ≥ 1"
            )
        return params

    def decay_weight(self, minutes: FloatArray) -> FloatArray:
        """The decay function of travel times in minutes (0 for ``inf``)."""
        t = np.asarray(minutes, dtype=np.float64)
        with np.errstate(over="ignore"):
            if self.decay == "exponential":
                beta = math.log(2.0) / self.half_life_minutes
                w = np.exp(-beta * t)
            else:
                k, t0 = self.logistic_steepness_per_minute, self.logistic_midpoint_minutes
                w = 1.0 / (1.0 + np.exp(k * (t - t0)))
        return np.where(np.isfinite(t), w, 0.0)


@dataclass(frozen=True)
class Target:
    """What a figure is about: a theme of the vocabulary or an offer category."""

    type: str
    value: str

    def mask(self, offers: pd.DataFrame) -> BoolArray:
        """Which offers (rows of `offers`) belong to the target."""
        if self.type == "category":
            return np.asarray(offers["category"].to_numpy() == self.value, dtype=bool)
        return np.fromiter(
            (self.value in tuple(themes) for themes in offers["themes"]),
            dtype=bool,
            count=len(offers),
        )

    def label(self, settings: Settings) -> str:
        """The name maps give it: a theme's ``[themes.labels]`` entry, else the value."""
        if self.type == "theme":
            return str(settings.get(f"themes.labels.{self.value}", self.value))
        return self.value


def all_targets(vocabulary: Sequence[str]) -> list[Target]:
    """Every theme of the vocabulary, then every category."""
    return [Target("theme", t) for t in vocabulary] + [Target("category", c) for c in CATEGORIES]


def target_from_args(theme: str | None, category: str | None, vocabulary: Sequence[str]) -> Target:
    """The one target named by a request (exactly one of `theme`, `category`)."""
    if (theme is None) == (category is None):
        raise InvalidParameterError("theme", "give exactly one of theme or category")
    if theme is not None:
        if theme not in vocabulary:
            raise InvalidParameterError("theme", f"unknown theme {theme!r}", allowed=vocabulary)
        return Target("theme", theme)
    if category not in CATEGORIES:
        raise InvalidParameterError(
            "category", f"unknown category {category!r}", allowed=CATEGORIES
        )
    return Target("category", str(category))


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


def _zone_codes(communes: pd.DataFrame, level: str) -> pd.Series:
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
        codes = _zone_codes(communes, level)
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


def road_sources(
    network: RoadNetwork, communes: gpd.GeoDataFrame, modes: Iterable[str]
) -> dict[str, TravelTimeSource]:
    """One road :class:`TravelTimeSource` per mode, from the commune origins."""
    x, y = commune_origins_m(communes)
    return {
        mode: RoadTimeSource.from_points(network.mode(mode), x, y, field="communes")
        for mode in modes
    }


def travel_time_sources(
    network: RoadNetwork,
    communes: gpd.GeoDataFrame,
    modes: Iterable[str],
    *,
    transit: Timetable | None = None,
    transit_window: TransitWindow | None = None,
) -> dict[str, TravelTimeSource]:
    """The sources of `modes`: road modes, and ``transit`` when a timetable is given.

    ``transit`` is left out (with a warning in the log) when there is no timetable.
    """
    wanted = list(modes)
    road = [m for m in wanted if m != "transit"]
    sources = road_sources(network, communes, road)
    if "transit" in wanted:
        if transit is None:
            logger.warning("no transit timetable loaded: the tables leave mode 'transit' out")
        else:
            walk = sources.get("walk") or road_sources(network, communes, ["walk"])["walk"]
            if not isinstance(walk, RoadTimeSource):
                raise DataError("the walk source must be a road source")
            x, y = commune_origins_m(communes)
            sources["transit"] = TransitTimeSource(
                transit,
                walk,
                network.mode("walk"),
                x,
                y,
                transit_window or TransitWindow(date(2025, 2, 4), 8 * 3600, 120),
            )
    return sources


def compute_offer_times(
    sources: Mapping[str, TravelTimeSource],
    offers: gpd.GeoDataFrame,
    *,
    executor: OriginExecutor | None = None,
    chunk_size: int = 64,
    progress: ProgressCallback | None = None,
) -> dict[str, FloatArray]:
    """Communes × offers travel times (s) for each mode, computed by `executor`."""
    x, y = points_m(offers)
    executor = executor or SerialExecutor()
    tasks = {mode: source.task_to(x, y, field="offers") for mode, source in sources.items()}
    return run_tasks(tasks, executor, chunk_size=chunk_size, progress=progress)


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


@dataclass
class AccessibilityModel:
    """What the service keeps for accessibility: the tables and the live travel-time sources.

    The tables come from ``data/accessibility/`` (or an in-memory recomputation when the
    inputs changed). Scenarios and suggestions need times to points that are not offers;
    they use the per-mode sources, whose node times are computed on first use and kept.

    Parameters
    ----------
    communes, offers
        EPSG:4326 frames (``Runtime.communes``, ``Runtime.offers``), sorted by code / id.
    network
        The road network.
    vocabulary
        Theme ids.
    params
        ``[accessibility]``.
    tables
        The served tables.
    network_limits
        What the road network leaves out (stated in responses).
    tables_origin
        ``"file"`` (read from ``data/accessibility/``) or ``"recomputed"`` (inputs changed).
    transit
        The timetable of the ``transit`` mode, if loaded.
    source_factory
        Builds the source of a mode (default: road and transit sources from the communes).
    """

    communes: gpd.GeoDataFrame
    offers: gpd.GeoDataFrame
    network: RoadNetwork
    vocabulary: tuple[str, ...]
    params: AccessibilityParams
    tables: AccessibilityTables
    network_limits: str = ""
    tables_origin: str = "file"
    transit: Timetable | None = None
    source_factory: Callable[[str], TravelTimeSource] | None = None
    _sources: dict[str, TravelTimeSource] = field(default_factory=dict, repr=False)
    _offer_times: dict[str, FloatArray] = field(default_factory=dict, repr=False)
    _commune_times: dict[str, FloatArray] = field(default_factory=dict, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def modes(self) -> tuple[str, ...]:
        """Modes served."""
        return tuple(self.tables.modes)

    def check_mode(self, mode: str, field_name: str = "mode") -> str:
        """`mode` if served, else an :class:`InvalidParameterError` listing the served ones."""
        if mode not in self.modes:
            msg = f"mode {mode!r} is not in the accessibility tables"
            raise InvalidParameterError(field_name, msg, allowed=self.modes)
        return mode

    def source(self, mode: str) -> TravelTimeSource:
        """The travel-time source of `mode` (built on first use)."""
        self.check_mode(mode)
        with self._lock:
            if mode not in self._sources:
                if self.source_factory is not None:
                    self._sources[mode] = self.source_factory(mode)
                else:
                    self._sources[mode] = travel_time_sources(
                        self.network,
                        self.communes,
                        [mode],
                        transit=self.transit,
                        transit_window=self.params.transit_window,
                    )[mode]
            return self._sources[mode]

    def offer_times(self, mode: str) -> FloatArray:
        """Communes × offers times (s) of `mode`, kept after the first call."""
        with self._lock:
            if mode not in self._offer_times:
                x, y = points_m(self.offers)
                self._offer_times[mode] = self.source(mode).times_to(x, y, field="offers")
            return self._offer_times[mode]

    def commune_times(self, mode: str) -> FloatArray:
        """Communes × communes times (s): from each commune to each commune's origin point."""
        with self._lock:
            if mode not in self._commune_times:
                x, y = commune_origins_m(self.communes)
                self._commune_times[mode] = self.source(mode).times_to(x, y, field="communes")
            return self._commune_times[mode]

    def target(self, theme: str | None, category: str | None) -> Target:
        """The target named by a request."""
        return target_from_args(theme, category, self.vocabulary)

    def commune_figures(self, target: Target, mode: str) -> pd.DataFrame:
        """The commune table's rows of one target and mode, with name and population."""
        self.check_mode(mode)
        t = self.tables.communes
        rows = t[
            (t["mode"] == mode) & (t["target_type"] == target.type) & (t["target"] == target.value)
        ]
        info = pd.DataFrame(self.communes[["code", "name", "population"]])
        merged = info.merge(rows, left_on="code", right_on="commune_code", how="left")
        return merged.drop(columns="code")
