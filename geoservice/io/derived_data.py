"""The derived files of ``data/`` a service loads at start-up, read in one pass.

The manifest is read and every file it lists checked against its sha256 before anything
else is loaded. :mod:`geoservice.runtime` assembles the in-memory service from what this
module returns; it reads no file itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import geopandas as gpd

from geoservice.core.census_population import CensusGridPopulation
from geoservice.core.network import RoadNetwork
from geoservice.core.timetable import GtfsTables
from geoservice.io.agenda_events import load_imported_events, with_imported_events
from geoservice.io.census_grid import load_census_population
from geoservice.io.content_checks import check_data_content
from geoservice.io.gtfs import read_gtfs_dir
from geoservice.io.manifest import read_manifest, verify_outputs
from geoservice.io.network import load_road_network
from geoservice.io.offers import load_offers
from geoservice.io.territory import load_communes, load_zones
from geoservice.io.update_state import read_update_state
from geoservice.settings import Settings


@dataclass(frozen=True)
class DerivedData:
    """The content of ``data/`` as read from disk.

    Attributes
    ----------
    manifest
        Content of ``data/MANIFEST.json``: sources, outputs and their sha256.
    built_at
        When the derived files were written (modification time of the manifest), UTC.
    communes
        The communes, EPSG:4326, sorted by ``code``.
    zones
        ``canton`` / ``epci`` / ``arrondissement`` / ``departement`` → EPSG:4326 polygons.
    offers
        The open-data cultural offers, EPSG:4326 points, sorted by ``offer_id``.
    network
        The road network of ``[network] source``, with its per-mode routers.
    transit_tables
        The merged GTFS subset of ``data/transit/``, or None when that step has not run.
    imported_events
        The agenda events imported by ``geoservice data update``
        (``data/agenda/events.geojson``); they are also among `offers`.
    updates
        ``data/UPDATES.json``: each source's last ``geoservice data update``.
    population_grid
        The Census 2021 1 km grid inside the département (``data/population/``), or None
        when that build step has not run.
    """

    manifest: Mapping[str, Any]
    built_at: datetime
    communes: gpd.GeoDataFrame
    zones: Mapping[str, gpd.GeoDataFrame]
    offers: gpd.GeoDataFrame
    network: RoadNetwork
    transit_tables: GtfsTables | None
    imported_events: gpd.GeoDataFrame
    updates: Mapping[str, Any]
    population_grid: CensusGridPopulation | None


def read_transit_tables(settings: Settings) -> GtfsTables | None:
    """The GTFS subset of ``data/<transit.out_subdir>/``, or None if not built."""
    folder = settings.data_dir / str(settings.get("transit.out_subdir", "transit"))
    if not (folder / "stop_times.txt").is_file():
        return None
    return read_gtfs_dir(folder)


def load_derived_data(settings: Settings) -> DerivedData:
    """Check ``settings.data_dir`` against its manifest, then read every derived file.

    Raises
    ------
    MissingDataError
        The manifest, or a file it lists, is missing.
    ChecksumMismatchError
        A listed file differs from the build that wrote the manifest.
    """
    data_dir = settings.data_dir
    manifest, built_at = read_manifest(data_dir)
    verify_outputs(data_dir, manifest)
    check_data_content(data_dir)
    imported_events = load_imported_events(data_dir)
    zones = load_zones(data_dir)
    return DerivedData(
        manifest=manifest,
        built_at=built_at,
        communes=load_communes(data_dir),
        zones=zones,
        offers=with_imported_events(load_offers(data_dir), imported_events),
        network=load_road_network(settings),
        transit_tables=read_transit_tables(settings),
        imported_events=imported_events,
        updates=read_update_state(data_dir),
        population_grid=load_census_population(data_dir, zones["departement"]),
    )
