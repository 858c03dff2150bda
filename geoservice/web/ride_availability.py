"""``rides_available`` on the offers ranked by ``/reachable``: offered seats from nearby.

For each offer of the answer, the number of open rides to it (a free seat, leaving in the
future) whose departure lies within ``[rides] nearby_km`` (default 10 km, straight distance
in Lambert-93) of the search origin. These are seats offered by people
(:mod:`geoservice.web.rides`), not a transport service; ``/api/v1/rides/matches`` ranks them
by the driver's detour.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from flask import current_app

from geoservice.core.routing import FloatArray
from geoservice.core.snapping import lambert93_from_wgs84
from geoservice.store.models import utc_now
from geoservice.store.rides import open_rides
from geoservice.web.context import get_runtime
from geoservice.web.contributions import get_state
from geoservice.web.offer_catalogue import store_generation
from geoservice.web.origins import Origin

DEFAULT_NEARBY_KM = 10.0
#: ``app.extensions`` key of the app's :class:`OpenRidesCache`.
RIDES_CACHE_KEY = "geoservice.open_rides"


@dataclass(frozen=True)
class OpenRides:
    """Rides open with a free seat (leaving at any time), as of one store generation.

    Attributes
    ----------
    generation
        The store generation they were read at.
    event_offer_id, departure_at
        Per ride: the event it goes to and when it leaves (UTC).
    x_m, y_m
        Its departure point, EPSG:2154.
    """

    generation: int | None
    event_offer_id: tuple[str, ...]
    departure_at: tuple[datetime, ...]
    x_m: FloatArray
    y_m: FloatArray


@dataclass
class OpenRidesCache:
    """The app's latest :class:`OpenRides`."""

    latest: OpenRides | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def _open_rides() -> OpenRides:
    """The open rides of the store now, read again only after a committed write."""
    generation = store_generation()
    cache: OpenRidesCache = current_app.extensions.setdefault(RIDES_CACHE_KEY, OpenRidesCache())
    latest = cache.latest
    if latest is not None and generation is not None and latest.generation == generation:
        return latest
    # Every open ride with a free seat, whatever its departure time: the request keeps those
    # leaving after now (the store's rule, applied at each request).
    with get_state().store.read() as session:
        rides = open_rides(session, now=datetime.min.replace(tzinfo=UTC))
        rows = [
            (str(r.event_offer_id), r.departure_at, r.departure_lon, r.departure_lat) for r in rides
        ]
    x, y = lambert93_from_wgs84([r[2] for r in rows], [r[3] for r in rows])
    built = OpenRides(
        generation,
        tuple(r[0] for r in rows),
        tuple(r[1] for r in rows),
        np.asarray(x, dtype=float).reshape(-1),
        np.asarray(y, dtype=float).reshape(-1),
    )
    if generation is not None:
        with cache.lock:  # never replaced by an older generation
            if cache.latest is None or generation > (cache.latest.generation or 0):
                cache.latest = built
    return built


def rides_available(offer_ids: Sequence[str], origin: Origin) -> Counter[str]:
    """Open rides with a free seat, leaving after now from within ``[rides] nearby_km`` of
    `origin`, per event of `offer_ids`."""
    counts: Counter[str] = Counter()
    if not offer_ids:
        return counts
    rides = _open_rides()
    if not rides.event_offer_id:
        return counts
    wanted = set(offer_ids)
    now = utc_now()
    nearby_m = _nearby_m()
    near = np.hypot(rides.x_m - origin.x_m, rides.y_m - origin.y_m) <= nearby_m
    for event, leaves, ok in zip(
        rides.event_offer_id, rides.departure_at, near.tolist(), strict=True
    ):
        if ok and leaves > now and event in wanted:
            counts[event] += 1
    return counts


def _nearby_m() -> float:
    return float(get_runtime().settings.get("rides.nearby_km", DEFAULT_NEARBY_KM)) * 1000


def rides_document() -> dict[str, Any]:
    """The ``rides`` block of a ``/reachable`` answer: how ``rides_available`` is counted."""
    return {
        "nearby_km": _nearby_m() / 1000,
        "note": "seats offered by people (covoiturage), not a transport service",
    }


def with_rides_available(document: dict[str, Any], origin: Origin) -> dict[str, Any]:
    """Add ``rides_available`` to every feature of a ``/reachable`` answer (in place)."""
    features = document.get("features") or []
    document["rides"] = rides_document()
    if not features:
        return document
    counts = rides_available([str(f["id"]) for f in features], origin)
    for feature in features:
        feature["properties"]["rides_available"] = counts.get(str(feature["id"]), 0)
    return document
