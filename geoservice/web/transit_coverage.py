"""Honest transit: what every transit answer says about the origin's access to the stops.

When no train or coach stop is within the access limit of an origin, a transit answer would
only hold the access mode's own reach (walking, say) labelled "transit". Every transit answer
therefore carries :func:`access_document`: how many stops the access leg reaches, the nearest
stop with its straight-line distance, and, when none is reached, a ``hint`` saying so.
"""

from __future__ import annotations

from typing import Any

from geoservice.core.timetable import Timetable
from geoservice.core.transit_access import nearest_stop
from geoservice.settings import Settings


def access_limit_text(tt: Timetable, access_mode: str) -> str:
    """The access limit in words: ``"30 min by walk (or 2000 m straight on foot)"``."""
    minutes = tt.params.max_access_s / 60
    return (
        f"{minutes:g} min by {access_mode} "
        f"(or {tt.params.max_access_walk_m:g} m straight to a stop)"
    )


def access_document(
    tt: Timetable, x_m: float, y_m: float, access_stops: int, access_mode: str
) -> dict[str, Any]:
    """``access_stops``, ``nearest_stop`` (stop_id, name, lon, lat, distance_m) and, when no
    stop is reached, ``hint``: the access part of a transit answer from point (`x_m`, `y_m`),
    EPSG:2154."""
    near = nearest_stop(tt, x_m, y_m)
    document: dict[str, Any] = {
        "access_stops": int(access_stops),
        "access_limit": access_limit_text(tt, access_mode),
        "nearest_stop": (
            None
            if near is None
            else {
                "stop_id": near.stop_id,
                "name": near.name,
                "lon": round(near.lon, 6),
                "lat": round(near.lat, 6),
                "distance_m": round(near.distance_m),
            }
        ),
    }
    if access_stops == 0:
        where = (
            f"the nearest stop is {near.name}, {near.distance_m / 1000:.1f} km away (straight line)"
            if near is not None
            else "the timetable has no stop"
        )
        document["hint"] = (
            f"no train or coach stop within {access_limit_text(tt, access_mode)} of this "
            f"origin: {where}. This answer holds no train or coach, only the {access_mode} "
            "part: try access_mode=bike or drive, or another origin"
        )
    return document


def transit_networks(settings: Settings, *, loaded: bool) -> dict[str, Any]:
    """The public-transport networks of ``config/transit.toml``: ``loaded`` (the feeds of
    ``[[transit.feeds]]`` with their ``[transit_networks.names]``; empty when no timetable is
    loaded) and ``missing`` (``[[transit_networks.missing]]``: known networks the data lacks)."""
    names = dict(settings.get("transit_networks.names", {}) or {})
    feeds = list(settings.get("transit.feeds", ()) or ())
    section = settings.section("transit_networks")
    return {
        "loaded": [
            {"id": str(f["id"]), "name": str(names.get(str(f["id"]), f["id"]))}
            for f in feeds
            if loaded
        ],
        "missing": [
            {"id": str(m["id"]), "name": str(m["name"]), "what": str(m.get("what", ""))}
            for m in section.get("missing", ())
        ],
    }
