"""Where a travel-time search starts, and its common parameters (mode, minutes, limits).

Shared by ``GET /api/v1/reachable`` and the travel-time filter of ``GET /api/v1/offers``. The
origin is a point or a commune; a commune stands for its origin point
(:func:`geoservice.core.commune_origins.commune_origins`): its town hall, or a point inside
its polygon where the published town-hall point lies outside the commune.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app

from geoservice.core.commune_origins import commune_origins, commune_origins_m
from geoservice.core.network import MODES, RoadNetwork
from geoservice.core.snapping import lambert93_from_wgs84, wgs84_from_lambert93
from geoservice.errors import InvalidParameterError, NotFoundError
from geoservice.runtime import Runtime
from geoservice.settings import Settings

_COMMUNE_POINTS_KEY = "geoservice.origins.commune_points"


@dataclass(frozen=True)
class ReachableLimits:
    """The ``[reachable]`` table (``config/reachable.toml``)."""

    default_minutes: float
    max_minutes: float
    default_limit: int
    max_limit: int
    default_mode: str

    @classmethod
    def from_settings(cls, settings: Settings) -> ReachableLimits:
        """Read ``[reachable]`` (defaults: 30 / 120 min, 20 / 200 offers, drive)."""
        t = settings.section("reachable")
        return cls(
            default_minutes=float(t.get("default_minutes", 30)),
            max_minutes=float(t.get("max_minutes", 120)),
            default_limit=int(t.get("default_limit", 20)),
            max_limit=int(t.get("max_limit", 200)),
            default_mode=str(t.get("default_mode", "drive")),
        )


@dataclass(frozen=True)
class Origin:
    """Where a search starts: EPSG:2154 metres, its lon/lat and the commune it stands for."""

    x_m: float
    y_m: float
    lon: float
    lat: float
    commune: str | None
    field: str
    #: For a commune: ``town_hall`` or ``representative_point`` (see core.commune_origins).
    source: str | None = None


def _commune_points(runtime: Runtime) -> Mapping[str, tuple[float, float, str]]:
    cache = current_app.extensions
    if _COMMUNE_POINTS_KEY not in cache:
        communes = runtime.communes
        xs, ys = commune_origins_m(communes)
        sources = commune_origins(communes)["source"]
        cache[_COMMUNE_POINTS_KEY] = {
            str(code): (float(x), float(y), str(source))
            for code, x, y, source in zip(communes["code"], xs, ys, sources, strict=True)
        }
    found: Mapping[str, tuple[float, float, str]] = cache[_COMMUNE_POINTS_KEY]
    return found


def origin_from_args(
    runtime: Runtime,
    *,
    lon: float | None,
    lat: float | None,
    commune: str | None,
    point_field: str = "lon",
) -> Origin:
    """The origin of a request: a point or a commune, exactly one of them.

    Raises
    ------
    InvalidParameterError
        Both or neither given, or only one of lon / lat (400).
    NotFoundError
        `commune` is not the INSEE code of a current commune of the Nièvre (404).
    """
    has_point = lon is not None or lat is not None
    if has_point and commune is not None:
        msg = f"give either a point ({point_field}) or a commune, not both"
        raise InvalidParameterError(point_field, msg)
    if commune is not None:
        points = _commune_points(runtime)
        if commune not in points:
            msg = f"no current commune of the Nièvre has the INSEE code {commune!r}"
            raise NotFoundError(msg)
        x, y, source = points[commune]
        lon_a, lat_a = wgs84_from_lambert93(x, y)
        return Origin(x, y, float(lon_a), float(lat_a), commune, "commune", source)
    if lon is None or lat is None:
        msg = f"an origin is needed: {point_field} (a point, lon and lat) or commune (INSEE code)"
        raise InvalidParameterError(point_field, msg)
    x_a, y_a = lambert93_from_wgs84(lon, lat)
    return Origin(float(x_a), float(y_a), float(lon), float(lat), None, point_field)


#: Public transport (access mode + trains / coaches + walk); needs a departure time.
TRANSIT = "transit"


def mode_from_args(mode: str | None, default: str) -> str:
    """The travel mode: a road mode or ``transit`` (400 listing the allowed ones when unknown)."""
    chosen = default if mode is None else mode
    if chosen not in (*MODES, TRANSIT):
        msg = f"unknown mode {chosen!r}"
        raise InvalidParameterError("mode", msg, allowed=[*MODES, TRANSIT])
    return chosen


def minutes_from_args(value: float | None, limits: ReachableLimits, field: str) -> float:
    """A time budget in minutes within ``(0, max_minutes]`` (400 otherwise)."""
    minutes = limits.default_minutes if value is None else float(value)
    if not math.isfinite(minutes) or not 0 < minutes <= limits.max_minutes:
        msg = f"{field} {minutes:g} must be > 0 and at most {limits.max_minutes:g} minutes"
        raise InvalidParameterError(field, msg)
    return minutes


def network_info(network: RoadNetwork) -> dict[str, Any]:
    """What the answer was computed on, and its limits."""
    return {
        "network": network.name,
        "network_limits": network.limits,
        "main_roads_only": network.main_roads_only,
        "notice": (
            "computed on main roads only (A, N, D roads): villages and streets away from them "
            "are reached by straight access legs, so times are indicative"
            if network.main_roads_only
            else ""
        ),
        "attribution": str(network.G.graph.get("attribution", "")),
    }


#: How a commune's origin was chosen, as the answers say it.
_POINT_TEXT = {
    "town_hall": "the commune's town hall",
    "representative_point": "a point inside the commune (its published town-hall point lies "
    "outside the commune)",
}


def origin_document(origin: Origin) -> dict[str, Any]:
    """The ``origin`` block of an answer: the point, its commune, and how it was chosen."""
    return {
        "lon": round(origin.lon, 6),
        "lat": round(origin.lat, 6),
        "commune": origin.commune,
        "source": origin.source if origin.commune is not None else "given_point",
        "point": _POINT_TEXT.get(str(origin.source), "commune origin")
        if origin.commune is not None
        else "given point",
    }
