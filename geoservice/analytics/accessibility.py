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
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from geoservice.analytics.accessibility_params import AccessibilityParams
from geoservice.analytics.accessibility_tables import (
    AccessibilityTables,
    points_m,
)
from geoservice.analytics.age_split import with_age_split
from geoservice.analytics.batch import compute_accessibility
from geoservice.analytics.mode_sources import travel_time_sources
from geoservice.analytics.targets import Target, target_from_args
from geoservice.analytics.traveltimes import TravelTimeSource
from geoservice.core.commune_origins import commune_origins_m
from geoservice.core.network import RoadNetwork
from geoservice.core.routing import FloatArray
from geoservice.core.timetable import Timetable
from geoservice.errors import InvalidParameterError

logger = logging.getLogger(__name__)

#: Bumped when the table layout or the model changes (part of the inputs fingerprint).
TABLE_VERSION = "2"


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
    has_ages
        Whether the tables carry the age split (:mod:`geoservice.analytics.age_split`).
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
    has_ages: bool = False
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


def accessibility_model(
    communes: gpd.GeoDataFrame,
    offers: gpd.GeoDataFrame,
    network: RoadNetwork,
    *,
    vocabulary: tuple[str, ...],
    params: AccessibilityParams,
    fingerprint: str,
    stored: tuple[dict[str, pd.DataFrame], str] | None,
    stored_in: str = "data/accessibility",
    transit: Timetable | None = None,
    ages: pd.DataFrame | None = None,
) -> AccessibilityModel:
    """The model served: the stored tables when computed from these inputs, else tables
    recomputed in memory (with a warning in the log).

    Parameters
    ----------
    communes, offers, network, vocabulary, params, transit
        The inputs of the tables (see :class:`AccessibilityModel`).
    fingerprint
        sha256 of the inputs now (``geoservice.io.accessibility.inputs_fingerprint`` with
        :data:`TABLE_VERSION`).
    stored
        The stored frames (``communes``, ``zones``, ``indicators``) and the fingerprint they
        were computed from, or None when there are none.
    stored_in
        Where the stored tables live, for the log.
    ages
        Inhabitants per age band of each commune
        (:func:`geoservice.analytics.age_split.commune_age_populations`); when given, the
        tables gain the age split (:func:`~geoservice.analytics.age_split.with_age_split`).
    """
    if stored is not None and stored[1] == fingerprint:
        frames = stored[0]
        tables = AccessibilityTables(
            communes=frames["communes"],
            zones=frames["zones"],
            fingerprint=fingerprint,
            indicators=frames["indicators"],
        )
        origin = "file"
    else:
        why = "missing" if stored is None else "computed from other inputs"
        logger.warning(
            "accessibility tables in %s are %s: recomputing them in memory; run "
            "`geoservice accessibility compute` to store them",
            stored_in,
            why,
        )
        result = compute_accessibility(
            network, communes, offers, vocabulary, params, fingerprint=fingerprint, transit=transit
        )
        tables = AccessibilityTables(
            communes=result.tables.communes,
            zones=result.tables.zones,
            fingerprint=fingerprint,
            indicators=result.indicators,
        )
        origin = "recomputed"
    if ages is not None:
        tables = with_age_split(
            tables,
            ages,
            pd.DataFrame(communes.drop(columns="geometry")),
            params.population_thresholds_minutes,
        )
    return AccessibilityModel(
        communes=communes,
        offers=offers,
        network=network,
        vocabulary=vocabulary,
        params=params,
        tables=tables,
        network_limits=network.limits,
        tables_origin=origin,
        transit=transit,
        has_ages=ages is not None,
    )
