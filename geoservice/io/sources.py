"""The raw published sources: where they are and the sha256 their provenance record states.

``SOURCES.md`` (beside the raw files) states one sha256 per file, either in a table row
(`` | `file` | ... | <sha256> | ``, the file relative to the section's folder) or in a line
``sha256 <hex>`` after the file's path in backticks. Travel Mapping's files are listed in
``travelmapping-roads/MANIFEST.sha256`` (``<sha256>  <path>`` lines), itself checked against
``SOURCES.md``. Every reader of a raw file goes through :func:`verify_source` first.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from geoservice.errors import ChecksumMismatchError, DataError, MissingDataError
from geoservice.io.manifest import sha256_file

SOURCES_NAME = "SOURCES.md"
TRAVELMAPPING_MANIFEST = "travelmapping-roads/MANIFEST.sha256"

_HEX = re.compile(r"\b[0-9a-f]{64}\b")
_SECTION = re.compile(r"^##\s+\d+\.\s+`([^`]+)`")
_TICKED = re.compile(r"`([^`\s]+)`")


def checksums_from_sources_text(text: str) -> dict[str, str]:
    """Parse the stated sha256 of each file from the text of ``SOURCES.md``.

    Returns
    -------
    dict
        Path relative to the raw folder (POSIX) → lowercase hex sha256.
    """
    checksums: dict[str, str] = {}
    section_dir = ""
    section_text = ""
    for line in text.splitlines():
        match = _SECTION.match(line)
        if match:
            path = match.group(1)
            section_dir = path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"
            section_text = ""
        section_text += line + "\n"
        for hex_match in _HEX.finditer(line):
            if line.lstrip().startswith("|"):
                name = line.strip().strip("|").split("|")[0].strip().strip("`")
            else:
                before = section_text[: len(section_text) - len(line) - 1 + hex_match.start()]
                ticked = _TICKED.findall(before)
                if not ticked:
                    continue
                name = ticked[-1]
            rel = name if "/" in name else section_dir + name
            checksums[rel] = hex_match.group(0)
    return checksums


def checksums_from_manifest_text(text: str, prefix: str) -> dict[str, str]:
    """Parse ``<sha256>  <path>`` lines (``sha256sum`` format); paths get `prefix`."""
    checksums: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split(maxsplit=1)
        if len(parts) == 2 and _HEX.fullmatch(parts[0]):
            checksums[prefix + parts[1].strip().lstrip("*")] = parts[0]
    return checksums


@lru_cache(maxsize=8)
def _stated_checksums_cached(raw_dir: Path, mtime_ns: int) -> dict[str, str]:
    return checksums_from_sources_text((raw_dir / SOURCES_NAME).read_text(encoding="utf-8"))


def stated_checksums(raw_dir: Path) -> dict[str, str]:
    """Every sha256 ``SOURCES.md`` of `raw_dir` states (path relative to `raw_dir` → hex)."""
    sources_md = raw_dir / SOURCES_NAME
    if not sources_md.is_file():
        msg = (
            f"{sources_md} not found: the raw sources folder must hold SOURCES.md "
            "(set paths.raw_dir or GEOSERVICE_PATHS__RAW_DIR, or pass --raw-dir)"
        )
        raise MissingDataError(msg)
    return dict(_stated_checksums_cached(raw_dir.resolve(), sources_md.stat().st_mtime_ns))


def _expected_checksum(raw_dir: Path, rel: str) -> str | None:
    stated = stated_checksums(raw_dir)
    if rel in stated:
        return stated[rel]
    manifest_dir = TRAVELMAPPING_MANIFEST.rsplit("/", 1)[0] + "/"
    if rel.startswith(manifest_dir):
        # The manifest is trusted only once its own stated sha256 matches.
        verify_source(raw_dir, TRAVELMAPPING_MANIFEST)
        text = (raw_dir / TRAVELMAPPING_MANIFEST).read_text(encoding="utf-8")
        return checksums_from_manifest_text(text, manifest_dir).get(rel)
    return None


def _check(path: Path, rel: str, expected: str) -> str:
    actual = sha256_file(path)
    if actual != expected:
        msg = (
            f"raw file {rel} has sha256 {actual}, but {SOURCES_NAME} states {expected}: "
            "the file is not the published one; restore it byte-for-byte from the "
            f"provenance given in {SOURCES_NAME} (or update {SOURCES_NAME} if the source "
            "was deliberately replaced)"
        )
        raise ChecksumMismatchError(msg)
    return actual


def verify_source(raw_dir: Path, rel: str) -> str:
    """Check the sha256 of the raw file `rel` (relative to `raw_dir`) and return it.

    Raises
    ------
    MissingDataError
        The file does not exist.
    ChecksumMismatchError
        Its sha256 differs from the stated one (the message names the file, both
        checksums and how to fix it).
    DataError
        No sha256 is stated for the file.
    """
    path = raw_dir / rel
    if not path.is_file():
        msg = f"raw file {rel} not found in {raw_dir} (see {SOURCES_NAME} for its provenance)"
        raise MissingDataError(msg)
    expected = _expected_checksum(raw_dir, rel)
    if expected is None:
        raise DataError(f"{SOURCES_NAME} states no sha256 for {rel}; add one before using it")
    return _check(path, rel, expected)
