"""The ``shared_rides`` block of ``POST /api/v1/scenarios``: inhabitants reached by shared ride.

The rides are the open rides with a free seat leaving in the future
(:func:`geoservice.store.rides.open_rides`) whose event is an offer of the scenario's target
(an open-data offer of the planning tables or a published posted offer) and not one the
scenario removes; rides to a bare point (no event) have no theme and do not count. The
figures are computed by :func:`geoservice.analytics.shared_rides.shared_ride_reach` and
labelled ``basis``: seats offered by people, not a transport service.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from geoservice.analytics.accessibility import AccessibilityModel
from geoservice.analytics.scenarios import ScenarioResult
from geoservice.analytics.shared_rides import BASIS, RideStart, shared_ride_reach
from geoservice.analytics.targets import Target
from geoservice.core.commune_origins import commune_origins_m
from geoservice.core.offers import OfferQuery
from geoservice.core.snapping import lambert93_from_wgs84
from geoservice.store.rides import open_rides
from geoservice.web.context import get_runtime
from geoservice.web.contributions import get_state, posted_offers_frame
from geoservice.web.ride_availability import DEFAULT_NEARBY_KM


def _target_offer_ids(model: AccessibilityModel, target: Target) -> set[str]:
    """Ids of the open-data and published posted offers of `target`."""
    ids = {str(i) for i in model.offers["offer_id"][target.mask(model.offers)]}
    selection = target.selection
    posted = posted_offers_frame(
        OfferQuery(themes=selection.themes, categories=selection.categories)
    )
    if len(posted):
        ids.update(str(i) for i in posted["offer_id"][target.mask(posted)])
    return ids


def _ride_starts(offer_ids: set[str]) -> list[RideStart]:
    with get_state().store.read() as session:
        rides = [
            (r.id, r.departure_lon, r.departure_lat, r.seats - r.seats_taken)
            for r in open_rides(session)
            if r.event_offer_id is not None and r.event_offer_id in offer_ids
        ]
    if not rides:
        return []
    xs, ys = lambert93_from_wgs84([r[1] for r in rides], [r[2] for r in rides])
    return [
        RideStart(ride_id=r[0], x_m=float(x), y_m=float(y), free_seats=int(r[3]))
        for r, x, y in zip(rides, xs, ys, strict=True)
    ]


def shared_rides_block(
    model: AccessibilityModel,
    target: Target,
    result: ScenarioResult,
    removed: Sequence[str],
) -> dict[str, Any]:
    """The answer's ``shared_rides`` member, at the scenario's thresholds."""
    nearby_km = float(get_runtime().settings.get("rides.nearby_km", DEFAULT_NEARBY_KM))
    starts = _ride_starts(_target_offer_ids(model, target) - set(removed))
    cx, cy = commune_origins_m(model.communes)
    communes = result.communes
    reach = shared_ride_reach(
        communes["time_s_after"].to_numpy(dtype=float, na_value=float("nan")),
        communes["population"].to_numpy(),
        communes["code"].astype(str).tolist(),
        cx,
        cy,
        starts,
        nearby_m=nearby_km * 1000,
        thresholds_minutes=result.thresholds["threshold_minutes"].tolist(),
    )
    return {
        "basis": BASIS,
        "definition": (
            "inhabitants of the communes whose nearest offer of the target is beyond the "
            "threshold after the scenario, with an open ride with a free seat to an offer of "
            f"the target leaving within {nearby_km:g} km of the commune's town hall"
        ),
        "nearby_km": nearby_km,
        "rides": reach.rides,
        "seats_offered": reach.seats_offered,
        "thresholds": [
            {
                "threshold_minutes": float(row["threshold_minutes"]),
                "population_by_shared_ride": int(row["population_by_shared_ride"]),
                "communes_by_shared_ride": int(row["communes_by_shared_ride"]),
                "rides_used": int(row["rides_used"]),
                "seats_offered_used": int(row["seats_offered_used"]),
                "commune_codes": list(row["commune_codes"]),
            }
            for row in reach.thresholds.to_dict(orient="records")
        ],
    }
