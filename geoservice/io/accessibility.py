"""Files of the accessibility tables: ``data/accessibility/*.parquet`` and their fingerprint.

The fingerprint is the sha256 of the inputs the tables depend on: the derived offers and
communes files, the road network files, the configuration tables that change the figures
(``[accessibility]``, ``[network]``, ``[themes]``) and the table layout version. The service
compares it with the current inputs at start-up and recomputes in memory when they differ.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from geoservice.errors import DataError, MissingDataError
from geoservice.io.manifest import sha256_file
from geoservice.settings import Settings

#: Folder inside ``data/`` and file names.
ACCESSIBILITY_DIR = "accessibility"
TABLE_FILES = ("communes", "zones", "indicators")
FINGERPRINT_FILE = "fingerprint.json"
#: Configuration tables the figures depend on.
CONFIG_TABLES = ("accessibility", "network", "themes", "transit")
_METADATA_KEY = b"geoservice.fingerprint"


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def input_files(settings: Settings) -> list[Path]:
    """The files the tables are computed from (offers, communes, road network, timetable)."""
    data_dir = settings.data_dir
    files = [data_dir / "offers.geojson", data_dir / "communes.geojson"]
    source = str(settings.get("network.source", "travelmapping"))
    if source == "travelmapping":
        files += sorted(p for p in (data_dir / "roads").glob("*") if p.is_file())
    else:
        files.append(settings.path("network.source"))
    if "transit" in tuple(settings.get("accessibility.modes", ())):
        folder = data_dir / str(settings.get("transit.out_subdir", "transit"))
        files += sorted(p for p in folder.glob("*") if p.is_file())
    return files


def inputs_fingerprint(settings: Settings, table_version: str) -> tuple[str, dict[str, str]]:
    """sha256 of the inputs, and the per-input hashes it was built from."""
    parts: dict[str, str] = {"table_version": table_version}
    for path in input_files(settings):
        if not path.is_file():
            raise MissingDataError(f"{path} is missing: run `geoservice data build`")
        try:
            rel = path.relative_to(settings.data_dir).as_posix()
        except ValueError:
            rel = path.name
        parts[rel] = sha256_file(path)
    config = {name: _plain(settings.section(name)) for name in CONFIG_TABLES}
    parts["config"] = hashlib.sha256(
        json.dumps(config, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()
    text = json.dumps(parts, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest(), parts


def write_accessibility_tables(
    out_dir: Path,
    tables: Mapping[str, pd.DataFrame],
    fingerprint: str,
    inputs: Mapping[str, str],
) -> list[Path]:
    """Write each table as ``out_dir/<name>.parquet`` and ``fingerprint.json``.

    Same tables → same bytes (no timestamps; zstd compression, one row group).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, frame in tables.items():
        table = pa.Table.from_pandas(frame, preserve_index=False)
        metadata = dict(table.schema.metadata or {})
        metadata[_METADATA_KEY] = fingerprint.encode("ascii")
        table = table.replace_schema_metadata(metadata)
        path = out_dir / f"{name}.parquet"
        pq.write_table(table, path, compression="zstd", row_group_size=max(len(frame), 1))
        written.append(path)
    doc = {"fingerprint": fingerprint, "inputs": dict(sorted(inputs.items()))}
    path = out_dir / FINGERPRINT_FILE
    path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8", newline="\n")
    written.append(path)
    return written


def read_accessibility_tables(in_dir: Path) -> tuple[dict[str, pd.DataFrame], str] | None:
    """The stored tables and their fingerprint, or None when any file is missing.

    Raises
    ------
    DataError
        A file exists but is unreadable, or the tables disagree on the fingerprint.
    """
    tables: dict[str, pd.DataFrame] = {}
    fingerprints: set[str] = set()
    for name in TABLE_FILES:
        path = in_dir / f"{name}.parquet"
        if not path.is_file():
            return None
        try:
            table = pq.read_table(path)
        except (OSError, pa.ArrowException) as e:
            msg = f"{path} is unreadable ({e}): run `geoservice accessibility compute`"
            raise DataError(msg) from e
        fingerprints.add((table.schema.metadata or {}).get(_METADATA_KEY, b"").decode())
        tables[name] = table.to_pandas()
    if len(fingerprints) != 1:
        msg = f"the tables of {in_dir} come from different inputs: recompute them"
        raise DataError(msg)
    return tables, fingerprints.pop()
