"""The travel-time sources of the accessibility figures, one per mode, from the communes."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

import geopandas as gpd

from geoservice.analytics.accessibility_tables import points_m
from geoservice.analytics.executors import (
    OriginExecutor,
    ProgressCallback,
    SerialExecutor,
    run_tasks,
)
from geoservice.analytics.transit_times import TransitTimeSource, TransitWindow
from geoservice.analytics.traveltimes import RoadTimeSource, TravelTimeSource
from geoservice.core.commune_origins import commune_origins_m
from geoservice.core.network import RoadNetwork
from geoservice.core.routing import FloatArray
from geoservice.core.timetable import Timetable
from geoservice.errors import DataError

logger = logging.getLogger(__name__)


def road_sources(
    network: RoadNetwork, communes: gpd.GeoDataFrame, modes: Iterable[str]
) -> dict[str, TravelTimeSource]:
    """One road :class:`TravelTimeSource` per mode, from the commune origins."""
    x, y = commune_origins_m(communes)
    return {
        mode: RoadTimeSource.from_points(network.mode(mode), x, y, field="communes")
        for mode in modes
    }


def travel_time_sources(
    network: RoadNetwork,
    communes: gpd.GeoDataFrame,
    modes: Iterable[str],
    *,
    transit: Timetable | None = None,
    transit_window: TransitWindow | None = None,
) -> dict[str, TravelTimeSource]:
    """The sources of `modes`: road modes, and ``transit`` when a timetable is given.

    ``transit`` is left out (with a warning in the log) when there is no timetable.
    """
    wanted = list(modes)
    road = [m for m in wanted if m != "transit"]
    sources = road_sources(network, communes, road)
    if "transit" in wanted:
        if transit is None:
            logger.warning("no transit timetable loaded: the tables leave mode 'transit' out")
        else:
            if transit_window is None:
                msg = "no transit departure window: set [accessibility.transit] in config/"
                raise DataError(msg)
            walk = sources.get("walk") or road_sources(network, communes, ["walk"])["walk"]
            if not isinstance(walk, RoadTimeSource):
                raise DataError("the walk source must be a road source")
            x, y = commune_origins_m(communes)
            sources["transit"] = TransitTimeSource(
                transit,
                walk,
                network.mode("walk"),
                x,
                y,
                transit_window,
            )
    return sources


def compute_offer_times(
    sources: Mapping[str, TravelTimeSource],
    offers: gpd.GeoDataFrame,
    *,
    executor: OriginExecutor | None = None,
    chunk_size: int = 64,
    progress: ProgressCallback | None = None,
) -> dict[str, FloatArray]:
    """Communes × offers travel times (s) for each mode, computed by `executor`."""
    x, y = points_m(offers)
    executor = executor or SerialExecutor()
    tasks = {mode: source.task_to(x, y, field="offers") for mode, source in sources.items()}
    return run_tasks(tasks, executor, chunk_size=chunk_size, progress=progress)
