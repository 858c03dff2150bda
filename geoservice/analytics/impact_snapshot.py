"""One day's impact snapshot: every indicator of :mod:`geoservice.analytics.impact` for
every zone, and what it was computed from."""

from __future__ import annotations

from datetime import date
from typing import Any

import geopandas as gpd
import pandas as pd

from geoservice import __version__
from geoservice.analytics.accessibility import AccessibilityModel
from geoservice.analytics.impact import (
    ImpactParams,
    PlatformFacts,
    Snapshot,
    count_activity_indicators,
    count_offer_indicators,
    expected_indicators,
    manifest_sha256,
    values_by_level,
)
from geoservice.analytics.impact_reach import posted_venues, reach_indicators
from geoservice.analytics.impact_rides import ride_savings
from geoservice.core.reachable_offers import ReachableOffers


def compute_snapshot(
    day: date,
    *,
    communes: gpd.GeoDataFrame,
    open_offers: gpd.GeoDataFrame,
    facts: PlatformFacts,
    model: AccessibilityModel,
    reachable: ReachableOffers,
    params: ImpactParams,
    manifest: dict[str, Any],
    ages: pd.DataFrame | None = None,
) -> Snapshot:
    """The indicators of `day` from the data given.

    Parameters
    ----------
    day
        The snapshot's day (Europe/Paris); `facts` must be the platform's rows as of it.
    communes, open_offers
        ``Runtime.communes`` and ``Runtime.offers`` (EPSG:4326).
    model
        The accessibility model (tables of the open-data offers, per-mode engines).
    reachable
        The drive engine's offer catalogue, for the ride legs.
    manifest
        ``data/MANIFEST.json``: its sha256 is stored with the snapshot.
    ages
        :func:`~geoservice.analytics.impact_reach.commune_age_bands`, or None without the
        census grid (then no age-band indicator).
    """
    vocabulary = list(model.vocabulary)
    population = dict(
        zip(communes["code"].astype(str), communes["population"].astype(int), strict=True)
    )
    venues = posted_venues(facts.posted, params.reach_kinds)
    parts = [
        count_offer_indicators(open_offers, facts, vocabulary),
        count_activity_indicators(facts, population, day, params),
        ride_savings(reachable, facts.rides, facts.bookings),
        reach_indicators(model, venues, params, ages),
    ]
    commune_values = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    indicators = expected_indicators(vocabulary, model.modes, params, with_ages=ages is not None)
    values = values_by_level(commune_values, communes, indicators)
    inputs = {
        "accessibility_fingerprint": model.tables.fingerprint,
        "modes": list(model.modes),
        "themes": vocabulary,
        "params": {
            "events_period_days": params.events_period_days,
            "thresholds_minutes": list(params.thresholds_minutes),
            "reach_kinds": list(params.reach_kinds),
        },
        "platform_rows": facts.counts(),
        "age_bands": ages is not None,
        "geoservice_version": __version__,
    }
    return Snapshot(day=day, values=values, data_sha256=manifest_sha256(manifest), inputs=inputs)
