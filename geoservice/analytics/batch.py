"""The batch computation behind ``geoservice accessibility compute`` and the service start-up.

Travel-time matrices (spread over origins by an executor) → commune and zone tables →
territory indicators. Writing them is left to :mod:`geoservice.io.accessibility`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from geoservice.analytics.accessibility_params import AccessibilityParams
from geoservice.analytics.accessibility_tables import AccessibilityTables, compute_tables
from geoservice.analytics.executors import OriginExecutor, ProgressCallback
from geoservice.analytics.indicators import territory_indicators
from geoservice.analytics.mode_sources import compute_offer_times, travel_time_sources
from geoservice.analytics.traveltimes import TravelTimeSource
from geoservice.core.network import RoadNetwork
from geoservice.core.routing import FloatArray
from geoservice.core.timetable import Timetable


@dataclass(frozen=True)
class BatchResult:
    """Everything the batch computes.

    Attributes
    ----------
    tables
        Commune and zone tables.
    indicators
        Territory indicators per canton / EPCI and theme.
    times_by_mode
        The communes × offers matrices (s), kept for checks.
    """

    tables: AccessibilityTables
    indicators: pd.DataFrame
    times_by_mode: Mapping[str, FloatArray]

    def frames(self) -> dict[str, pd.DataFrame]:
        """The tables to write, by file name."""
        return {
            "communes": self.tables.communes,
            "zones": self.tables.zones,
            "indicators": self.indicators,
        }


def compute_accessibility(
    network: RoadNetwork,
    communes: gpd.GeoDataFrame,
    offers: gpd.GeoDataFrame,
    vocabulary: Sequence[str],
    params: AccessibilityParams,
    *,
    executor: OriginExecutor | None = None,
    progress: ProgressCallback | None = None,
    fingerprint: str = "",
    sources: Mapping[str, TravelTimeSource] | None = None,
    transit: Timetable | None = None,
) -> BatchResult:
    """Compute every table for ``params.modes`` (``transit`` only with a timetable)."""
    sources = sources or travel_time_sources(
        network,
        communes,
        params.modes,
        transit=transit,
        transit_window=params.transit_window,
    )
    times = compute_offer_times(
        sources, offers, executor=executor, chunk_size=params.chunk_size, progress=progress
    )
    tables = compute_tables(times, communes, offers, vocabulary, params, fingerprint=fingerprint)
    indicators = territory_indicators(
        tables.communes,
        pd.DataFrame(communes.drop(columns="geometry")),
        pd.DataFrame(offers.drop(columns="geometry")),
        vocabulary,
        params,
    )
    return BatchResult(tables=tables, indicators=indicators, times_by_mode=times)
