"""``rides_available`` on the offers ranked by ``/reachable``: offered seats from nearby.

For each offer of the answer, the number of open rides to it (a free seat, leaving in the
future) whose departure lies within ``[rides] nearby_km`` (default 10 km, straight distance
in Lambert-93) of the search origin. These are seats offered by people
(:mod:`geoservice.web.rides`), not a transport service; ``/api/v1/rides/matches`` ranks them
by the driver's detour.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from geoservice.core.snapping import lambert93_from_wgs84
from geoservice.store.rides import open_rides
from geoservice.web.context import get_runtime
from geoservice.web.contributions import get_state
from geoservice.web.origins import Origin

DEFAULT_NEARBY_KM = 10.0


def with_rides_available(document: dict[str, Any], origin: Origin) -> dict[str, Any]:
    """Add ``rides_available`` to every feature of a ``/reachable`` answer (in place)."""
    features = document.get("features") or []
    nearby_m = float(get_runtime().settings.get("rides.nearby_km", DEFAULT_NEARBY_KM)) * 1000
    document["rides"] = {
        "nearby_km": nearby_m / 1000,
        "note": "seats offered by people (covoiturage), not a transport service",
    }
    if not features:
        return document
    with get_state().store.read() as session:
        rides = open_rides(session, event_offer_ids=[str(f["id"]) for f in features])
        starts = [(r.event_offer_id, r.departure_lon, r.departure_lat) for r in rides]
    counts: Counter[str] = Counter()
    if starts:
        x, y = lambert93_from_wgs84([s[1] for s in starts], [s[2] for s in starts])
        near = np.hypot(np.asarray(x) - origin.x_m, np.asarray(y) - origin.y_m) <= nearby_m
        counts.update(str(s[0]) for s, ok in zip(starts, near.tolist(), strict=True) if ok)
    for feature in features:
        feature["properties"]["rides_available"] = counts.get(str(feature["id"]), 0)
    return document
