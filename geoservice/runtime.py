"""What a running service holds in memory: loaded once at start-up, never per request."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd

from geoservice import __version__
from geoservice.core.timetable import Timetable
from geoservice.errors import ChecksumMismatchError, DataError, MissingDataError
from geoservice.settings import Settings

if TYPE_CHECKING:
    from geoservice.analytics.accessibility import AccessibilityModel
    from geoservice.core.network import RoadNetwork
    from geoservice.core.offers import OfferIndex
    from geoservice.core.reachable import ReachableOffers

logger = logging.getLogger(__name__)

#: Written by ``geoservice data build`` next to the derived files.
MANIFEST_NAME = "MANIFEST.json"


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


def read_manifest(data_dir: Path) -> tuple[dict[str, Any], datetime]:
    """Read ``MANIFEST.json`` of `data_dir`; refuse to go on without it."""
    path = data_dir / MANIFEST_NAME
    if not path.is_file():
        msg = f"{path} is missing: run `geoservice data build` (or `make data`) to create it"
        raise MissingDataError(msg)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        msg = f"{path} is unreadable ({e}): run `geoservice data build` to rebuild it"
        raise DataError(msg) from e
    if not isinstance(manifest, dict) or not isinstance(manifest.get("outputs", {}), dict):
        msg = f"{path} has no 'outputs' table: run `geoservice data build` to rebuild it"
        raise DataError(msg)
    built_at = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    return manifest, built_at


def verify_outputs(data_dir: Path, manifest: Mapping[str, Any]) -> None:
    """Check every derived file the manifest lists against its sha256 (a few ms for ~2 MB).

    Raises
    ------
    MissingDataError
        A listed file does not exist.
    ChecksumMismatchError
        A listed file's content differs from the build that wrote the manifest.
    """
    rebuild = "run `geoservice data build` (or `make rebuild-data`) to rebuild data/"
    for name, expected in sorted(dict(manifest.get("outputs", {})).items()):
        path = data_dir / str(name)
        if not path.is_file():
            raise MissingDataError(f"data file {path} is missing: {rebuild}")
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        if digest.hexdigest() != expected:
            msg = (
                f"data file {path} is corrupted or changed since the build: sha256 "
                f"{digest.hexdigest()}, MANIFEST.json says {expected}: {rebuild}"
            )
            raise ChecksumMismatchError(msg)


def load_runtime(settings: Settings) -> Runtime:
    """Load every derived file the service needs from ``settings.data_dir``."""
    from geoservice.core.offers import CATEGORIES, OfferIndex
    from geoservice.core.reachable import ReachableOffers
    from geoservice.io.content_checks import check_data_content
    from geoservice.io.network import load_road_network
    from geoservice.io.offers import load_offers
    from geoservice.io.territory import load_communes, load_zones

    data_dir = settings.data_dir
    manifest, built_at = read_manifest(data_dir)
    verify_outputs(data_dir, manifest)
    check_data_content(data_dir)
    communes = load_communes(data_dir)
    offers = load_offers(data_dir)
    network = load_road_network(settings)
    transit = _load_transit(settings)
    return Runtime(
        settings=settings,
        manifest=manifest,
        built_at=built_at,
        communes=communes,
        zones=load_zones(data_dir),
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
        accessibility=load_accessibility(settings, communes, offers, network, transit),
    )


def load_accessibility(
    settings: Settings,
    communes: gpd.GeoDataFrame,
    offers: gpd.GeoDataFrame,
    network: RoadNetwork,
    transit: Timetable | None = None,
) -> AccessibilityModel:
    """The stored accessibility tables, or tables recomputed in memory (with a warning in the
    log) when ``data/accessibility/`` is missing or was computed from other inputs."""
    from geoservice.analytics.accessibility import (
        TABLE_VERSION,
        AccessibilityModel,
        AccessibilityParams,
        AccessibilityTables,
    )
    from geoservice.analytics.batch import compute_accessibility
    from geoservice.core.offers import ThemeConfig
    from geoservice.io.accessibility import (
        ACCESSIBILITY_DIR,
        inputs_fingerprint,
        read_accessibility_tables,
    )

    params = AccessibilityParams.from_section(settings.section("accessibility"))
    vocabulary = tuple(ThemeConfig.from_section(settings.section("themes")).vocabulary)
    fingerprint, _ = inputs_fingerprint(settings, TABLE_VERSION)
    folder = settings.data_dir / ACCESSIBILITY_DIR
    stored = read_accessibility_tables(folder)
    if stored is not None and stored[1] == fingerprint:
        frames = stored[0]
        tables = AccessibilityTables(
            communes=frames["communes"],
            zones=frames["zones"],
            fingerprint=fingerprint,
            indicators=frames["indicators"],
        )
        origin = "file"
    else:
        why = "missing" if stored is None else "computed from other inputs"
        logger.warning(
            "accessibility tables in %s are %s: recomputing them in memory; run "
            "`geoservice accessibility compute` to store them",
            folder,
            why,
        )
        result = compute_accessibility(
            network, communes, offers, vocabulary, params, fingerprint=fingerprint, transit=transit
        )
        tables = AccessibilityTables(
            communes=result.tables.communes,
            zones=result.tables.zones,
            fingerprint=fingerprint,
            indicators=result.indicators,
        )
        origin = "recomputed"
    return AccessibilityModel(
        communes=communes,
        offers=offers,
        network=network,
        vocabulary=vocabulary,
        params=params,
        tables=tables,
        network_limits=network.limits,
        tables_origin=origin,
        transit=transit,
    )


def _load_transit(settings: Settings) -> Timetable | None:
    """The timetable of ``data/transit/``, or None if that build step has not run."""
    from geoservice.core.timetable import timetable_from_tables, transit_params_from_settings
    from geoservice.io.gtfs import read_gtfs_dir

    folder = settings.data_dir / str(settings.get("transit.out_subdir", "transit"))
    if not (folder / "stop_times.txt").is_file():
        return None
    tt = timetable_from_tables(read_gtfs_dir(folder), transit_params_from_settings(settings))
    # Load the compiled RAPTOR kernel now (from numba's cache), not in the first request.
    from geoservice.core.raptor import warm_kernel

    logger.info("transit: search kernel ready in %.0f ms", warm_kernel(tt) * 1000)
    return tt
