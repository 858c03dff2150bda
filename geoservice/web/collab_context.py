"""What the projects and rides endpoints share: the store, the caller, placing a point."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from geoservice.errors import ServiceUnavailableError
from geoservice.store.db import Store
from geoservice.store.location import ResolvedLocation, resolve_location
from geoservice.store.policy import Actor
from geoservice.web import identity
from geoservice.web.contributions import get_state


def collab_store() -> Store:
    """The database (the contributions' one)."""
    return get_state().store


def caller() -> Actor:
    """The caller: bearer token, session cookie (CSRF checked on writes) or anonymous."""
    return identity.current_actor(get_state().store)


def place_of(
    data: Mapping[str, Any], *, lon: str = "lon", lat: str = "lat", commune: str = "commune_code"
) -> ResolvedLocation | None:
    """The point given by `data` (lon/lat, or a commune's origin point); ``None``
    when `data` gives none. Checked against the covered area like posted offers."""
    if not any(k in data for k in (lon, lat, commune)):
        return None
    coverage = get_state().coverage
    if coverage is None:
        raise ServiceUnavailableError("the territory (communes) is not loaded")
    return resolve_location(
        coverage, lon=data.get(lon), lat=data.get(lat), commune_code=data.get(commune)
    )
