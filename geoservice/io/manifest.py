"""``data/MANIFEST.json``: the sha256 of every source read and every derived file written.

``geoservice data build`` writes it last; the service reads it at start-up and checks every
derived file it lists before loading anything.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from geoservice.errors import ChecksumMismatchError, DataError, MissingDataError

#: Written by ``geoservice data build`` next to the derived files.
MANIFEST_NAME = "MANIFEST.json"

_REBUILD = "run `geoservice data build` (or `make rebuild-data`) to rebuild data/"


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes (read in 1 MiB chunks)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(out_dir: Path, manifest: Mapping[str, object]) -> Path:
    """Write `manifest` as ``out_dir/MANIFEST.json`` (keys in the given order, UTF-8)."""
    path = out_dir / MANIFEST_NAME
    path.write_text(
        json.dumps(manifest, indent=1, ensure_ascii=False, sort_keys=False) + "\n",
        encoding="utf-8",
    )
    return path


def read_manifest(data_dir: Path) -> tuple[dict[str, Any], datetime]:
    """Read ``MANIFEST.json`` of `data_dir`; refuse to go on without it.

    Returns
    -------
    tuple
        The manifest, and when it was written (its modification time, UTC).

    Raises
    ------
    MissingDataError
        The manifest does not exist.
    DataError
        It is unreadable or has no ``outputs`` table.
    """
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
    for name, expected in sorted(dict(manifest.get("outputs", {})).items()):
        path = data_dir / str(name)
        if not path.is_file():
            raise MissingDataError(f"data file {path} is missing: {_REBUILD}")
        actual = sha256_file(path)
        if actual != expected:
            msg = (
                f"data file {path} is corrupted or changed since the build: sha256 "
                f"{actual}, MANIFEST.json says {expected}: {_REBUILD}"
            )
            raise ChecksumMismatchError(msg)
