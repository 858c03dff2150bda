"""The ``[accessibility]`` parameters: modes, thresholds, decay, limits, transit window."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from geoservice.analytics.transit_times import TransitWindow
from geoservice.core.routing import FloatArray
from geoservice.errors import InvalidParameterError


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
        Departure window of the transit figures (``[accessibility.transit]`` of
        ``config/accessibility.toml``); None when the parameters were not read from the
        configuration (then no transit figure can be computed).
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
    transit_window: TransitWindow | None = None

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
