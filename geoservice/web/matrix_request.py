"""What ``/api/v1/matrix``, ``/api/v1/route`` and the openrouteservice routes share: the
place resolver kept with the app, the ``[matrix]`` limits and the JSON of a matrix.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from flask import current_app

from geoservice.analytics.od_matrix import PlaceResolver
from geoservice.core.routing import FloatArray
from geoservice.errors import InvalidParameterError, LimitExceededError
from geoservice.runtime import Runtime
from geoservice.settings import Settings
from geoservice.web.context import road_network_or_error

_RESOLVER_KEY = "geoservice.matrix.resolver"
_LOCK = threading.Lock()


@dataclass(frozen=True)
class MatrixLimits:
    """The ``[matrix]`` table of ``config/limits.toml``."""

    max_pairs: int
    max_pairs_csv: int
    max_window_minutes: int
    max_waypoints: int

    @classmethod
    def from_settings(cls, settings: Settings) -> MatrixLimits:
        """Read ``[matrix]`` (defaults: 60,000 / 250,000 pairs, 240 min, 25 waypoints)."""
        t = settings.section("matrix")
        return cls(
            max_pairs=int(t.get("max_pairs", 60_000)),
            max_pairs_csv=int(t.get("max_pairs_csv", 250_000)),
            max_window_minutes=int(t.get("max_window_minutes", 240)),
            max_waypoints=int(t.get("max_waypoints", 25)),
        )

    def check_pairs(self, n_origins: int, n_destinations: int, *, csv: bool, field: str) -> None:
        """422 naming the limit when a matrix has too many (or no) pairs."""
        if n_origins == 0 or n_destinations == 0:
            raise InvalidParameterError(field, "at least one origin and one destination needed")
        pairs = n_origins * n_destinations
        limit, name = (
            (self.max_pairs_csv, "max_pairs_csv") if csv else (self.max_pairs, "max_pairs")
        )
        if pairs > limit:
            hint = (
                "use the `geoservice matrix` command for larger jobs"
                if csv
                else f"ask for text/csv (up to [matrix] max_pairs_csv = {self.max_pairs_csv}) "
                "or use the `geoservice matrix` command"
            )
            msg = (
                f"{n_origins} × {n_destinations} = {pairs} pairs exceed the limit "
                f"[matrix] {name} = {limit}; {hint}"
            )
            raise LimitExceededError(field, msg)


def place_resolver(runtime: Runtime) -> PlaceResolver:
    """The app's :class:`PlaceResolver` (built on first use; it caches egress tables)."""
    cache = current_app.extensions
    with _LOCK:
        if _RESOLVER_KEY not in cache:
            if runtime.reachable is None:
                raise InvalidParameterError("network", "no road network is loaded")
            cache[_RESOLVER_KEY] = PlaceResolver(
                road_network_or_error(runtime), runtime.communes, runtime.reachable
            )
    resolver: PlaceResolver = cache[_RESOLVER_KEY]
    return resolver


def nullable(values: FloatArray, decimals: int) -> list[Any]:
    """Nested lists of rounded values, ``None`` where not finite (never a sentinel number)."""
    finite = np.isfinite(values)
    if decimals == 0:
        out = np.where(finite, np.round(values), 0).astype(np.int64).astype(object)
    else:
        out = np.where(finite, np.round(values, decimals), 0.0).astype(object)
    out[~finite] = None
    result: list[Any] = out.tolist()
    return result
