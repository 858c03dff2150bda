"""What a running service holds in memory: loaded once at start-up, never per request."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import geopandas as gpd
import pandas as pd

from geoservice import __version__
from geoservice.analytics.accessibility import (
    TABLE_VERSION,
    AccessibilityModel,
    accessibility_model,
)
from geoservice.analytics.accessibility_params import AccessibilityParams
from geoservice.analytics.age_split import commune_age_populations
from geoservice.core.census_population import CensusGridPopulation
from geoservice.core.isochrones import warm_kernels
from geoservice.core.network import RoadNetwork
from geoservice.core.offers import CATEGORIES, OfferIndex, ThemeConfig
from geoservice.core.raptor import warm_kernel
from geoservice.core.reachable_offers import ReachableOffers
from geoservice.core.timetable import GtfsTables, Timetable, transit_params_from_settings
from geoservice.core.timetable_build import timetable_from_tables
from geoservice.io.accessibility import (
    ACCESSIBILITY_DIR,
    inputs_fingerprint,
    read_accessibility_tables,
)
from geoservice.io.derived_data import load_derived_data
from geoservice.io.update_state import describe_update_state
from geoservice.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Runtime:
    """The data a service instance answers from.

    Attributes
    ----------
    settings
        The configuration the instance was started with.
    manifest
        Content of ``data/MANIFEST.json``: sources, outputs and their sha256.
    built_at
        When the derived files were written (modification time of the manifest), UTC.
    communes
        The current communes, EPSG:4326, sorted by ``code``: ``code`` (INSEE), ``name``,
        ``population``, ``canton``, ``epci`` (SIREN), ``arrondissement``, polygons.
    zones
        ``canton`` / ``epci`` / ``arrondissement`` / ``departement`` → EPSG:4326 polygons
        with ``code``, ``name``, ``population``.
    offers
        The published cultural offers, EPSG:4326 points (columns in
        :data:`geoservice.core.offers.OFFER_COLUMNS`), sorted by ``offer_id``.
    network
        The road network with its per-mode routers (``[network] source``).
    reachable
        The offers with their per-mode egress tables (built at start-up from `offers` and
        `network`), read by the reachable-offer ranking and the offers' travel-time filter.
    offer_index
        The offers prepared for ``GET /offers`` searches (folded names, filter masks,
        GeoJSON features), built at start-up from `offers` and `communes`.
    accessibility
        Accessibility tables of the communes and zones, with the live travel-time sources
        of scenarios and suggestions (``data/accessibility/``, recomputed in memory when
        the inputs changed since they were written).
    transit
        The public-transport timetable (``data/transit/``), or None when not built.
    updates
        ``data/UPDATES.json``: each source's last ``geoservice data update``.
    imported_events
        The agenda events imported by ``data update`` (``data/agenda/events.geojson``),
        with their timings; they are in `offers` too.
    population_grid
        The Census 2021 1 km grid inside the département (``data/population/``), for the
        population of isochrone bands; None when not built.
    """

    settings: Settings
    manifest: Mapping[str, Any] = field(default_factory=dict)
    built_at: datetime | None = None
    network: RoadNetwork | None = None
    communes: gpd.GeoDataFrame = field(default_factory=lambda: _empty_frame())
    zones: Mapping[str, gpd.GeoDataFrame] = field(default_factory=dict)
    offers: gpd.GeoDataFrame = field(default_factory=lambda: _empty_frame())
    reachable: ReachableOffers | None = None
    offer_index: OfferIndex | None = None
    accessibility: AccessibilityModel | None = None
    transit: Timetable | None = None
    updates: Mapping[str, Any] = field(default_factory=dict)
    imported_events: gpd.GeoDataFrame = field(default_factory=lambda: _empty_frame())
    population_grid: CensusGridPopulation | None = None

    def describe(self) -> dict[str, Any]:
        """The ``/health`` document."""
        return {
            "status": "ok",
            "version": __version__,
            "data": {
                "built_at": self.built_at.isoformat() if self.built_at else None,
                "outputs": self.manifest.get("outputs", {}),
                "sources": self.manifest.get("sources", {}),
                "counts": self.counts(),
            },
            "network": self.network.describe() if self.network is not None else None,
            "transit": self.transit.describe() if self.transit is not None else None,
            "updates": describe_update_state(self.updates),
            "accessibility": (
                {
                    "tables": self.accessibility.tables_origin,
                    "fingerprint": self.accessibility.tables.fingerprint,
                    "modes": list(self.accessibility.modes),
                    "rows": len(self.accessibility.tables.communes),
                }
                if self.accessibility is not None
                else None
            ),
        }

    def counts(self) -> dict[str, Any]:
        """Sizes of the loaded data: communes, zones per level, offers per category."""
        by_category: dict[str, int] = {}
        if "category" in self.offers.columns:
            by_category = {
                str(k): int(v)
                for k, v in self.offers["category"].value_counts().sort_index().items()
            }
        return {
            "communes": len(self.communes),
            "population": int(self.communes["population"].sum())
            if "population" in self.communes.columns
            else 0,
            "zones": {level: len(frame) for level, frame in self.zones.items()},
            "offers": len(self.offers),
            "offers_by_category": by_category,
        }


def _empty_frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")


def load_runtime(settings: Settings) -> Runtime:
    """Assemble the service's in-memory data from the files of ``settings.data_dir``.

    The files are read (and checked against ``MANIFEST.json``) by
    :func:`geoservice.io.derived_data.load_derived_data`; this builds the indexes, the
    timetable and the accessibility model from them.
    """
    data = load_derived_data(settings)
    communes, offers, network = data.communes, data.offers, data.network
    # Load the compiled isochrone kernels now (from numba's cache), not in the first request.
    ms = warm_kernels(network, data.population_grid) * 1000
    logger.info("isochrones: kernels ready in %.0f ms", ms)
    transit = _timetable(settings, data.transit_tables)
    return Runtime(
        settings=settings,
        manifest=data.manifest,
        built_at=data.built_at,
        communes=communes,
        zones=data.zones,
        offers=offers,
        network=network,
        reachable=ReachableOffers(
            network,
            offers,
            themes=tuple(settings.get("themes.vocabulary", ())),
            categories=CATEGORIES,
        ),
        offer_index=OfferIndex(offers, dict(zip(communes["code"], communes["name"], strict=True))),
        transit=transit,
        updates=data.updates,
        imported_events=data.imported_events,
        population_grid=data.population_grid,
        accessibility=load_accessibility(
            settings,
            communes,
            offers,
            network,
            transit,
            ages=(
                None
                if data.population_grid is None
                else commune_age_populations(data.population_grid, communes)
            ),
        ),
    )


def load_accessibility(
    settings: Settings,
    communes: gpd.GeoDataFrame,
    offers: gpd.GeoDataFrame,
    network: RoadNetwork,
    transit: Timetable | None = None,
    ages: pd.DataFrame | None = None,
) -> AccessibilityModel:
    """The accessibility model of the service: ``data/accessibility/`` as read by ``io``, and
    the decision between the stored and recomputed tables made by
    :func:`geoservice.analytics.accessibility.accessibility_model`; with `ages` (communes'
    inhabitants per age band), the tables carry the age split."""
    fingerprint, _ = inputs_fingerprint(settings, TABLE_VERSION)
    folder = settings.data_dir / ACCESSIBILITY_DIR
    return accessibility_model(
        communes,
        offers,
        network,
        vocabulary=tuple(ThemeConfig.from_section(settings.section("themes")).vocabulary),
        params=AccessibilityParams.from_section(settings.section("accessibility")),
        fingerprint=fingerprint,
        stored=read_accessibility_tables(folder),
        stored_in=str(folder),
        transit=transit,
        ages=ages,
    )


def _timetable(settings: Settings, tables: GtfsTables | None) -> Timetable | None:
    """The timetable of the GTFS subset, its search kernel loaded; None without a subset."""
    if tables is None:
        return None
    tt = timetable_from_tables(tables, transit_params_from_settings(settings))
    # Load the compiled RAPTOR kernel now (from numba's cache), not in the first request.
    logger.info("transit: search kernel ready in %.0f ms", warm_kernel(tt) * 1000)
    return tt
