"""Start-up content checks of the derived data: the right shape, not only the right bytes.

The manifest's checksums prove a file is the one the build wrote, not that the build wrote
something usable: an empty feature collection, or zones without their ``level``, would
crash the loaders with a ``KeyError`` far from the cause. :func:`check_data_content`
stops start-up first with one line naming the file and the rebuild command.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geoservice.core.offers import OFFER_COLUMNS
from geoservice.errors import DataError
from geoservice.io.offers import OFFERS_FILE
from geoservice.io.territory import (
    COMMUNE_COLUMNS,
    COMMUNES_FILE,
    ZONE_COLUMNS,
    ZONE_LEVELS,
    ZONES_FILE,
)

REBUILD = "run `geoservice data build` (or `make rebuild-data`) to rebuild data/"


@dataclass(frozen=True)
class ExpectedFile:
    """What a derived GeoJSON file must hold: properties of every feature, and the
    values one property must take at least once."""

    name: str
    columns: Sequence[str]
    required_values: tuple[str, Sequence[str]] | None = None


EXPECTED_FILES: tuple[ExpectedFile, ...] = (
    ExpectedFile(COMMUNES_FILE, COMMUNE_COLUMNS),
    ExpectedFile(ZONES_FILE, ZONE_COLUMNS, ("level", ZONE_LEVELS)),
    ExpectedFile(OFFERS_FILE, OFFER_COLUMNS),
)


def _problem(collection: Any, expected: ExpectedFile) -> str | None:
    """What is wrong with `collection`, or ``None``."""
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        return "is not a GeoJSON FeatureCollection"
    features = collection.get("features")
    if not isinstance(features, list) or not features:
        return "has no features"
    for i, feature in enumerate(features):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(properties, dict):
            return f"feature {i} has no properties"
        missing = [c for c in expected.columns if c not in properties]
        if missing:
            return f"feature {i} lacks {', '.join(missing)}"
        if not isinstance(feature.get("geometry"), dict):
            return f"feature {i} has no geometry"
    if expected.required_values is not None:
        column, values = expected.required_values
        found = {f["properties"][column] for f in features}
        absent = [v for v in values if v not in found]
        if absent:
            return f"has no {column} {', '.join(absent)}"
    return None


def check_data_content(data_dir: Path) -> None:
    """Check the shape of every derived GeoJSON file the service loads.

    Raises
    ------
    DataError
        One line: the file, what is wrong, and the rebuild command.
    """
    for expected in EXPECTED_FILES:
        path = data_dir / expected.name
        try:
            collection = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise DataError(f"data file {path} is unreadable ({e}): {REBUILD}") from e
        problem = _problem(collection, expected)
        if problem is not None:
            raise DataError(f"data file {path} {problem}: {REBUILD}")
