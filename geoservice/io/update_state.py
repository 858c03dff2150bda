"""The update state file: each source's last successful update (read by ``/health``).

``geoservice data update`` writes ``UPDATES.json`` inside the new ``data/`` before the swap, so
the state always describes the data beside it. The service reads it once at start-up.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

STATE_NAME = "UPDATES.json"


def read_update_state(data_dir: Path) -> dict[str, dict[str, Any]]:
    """Source id → its record (``kind``, ``url``, ``last_success``...); empty when absent.

    An unreadable file is logged and read as empty: it never stops the service.
    """
    path = data_dir / STATE_NAME
    if not path.is_file():
        return {}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        logger.warning("%s is unreadable (%s): update state ignored", path, e)
        return {}
    sources = doc.get("sources") if isinstance(doc, dict) else None
    if not isinstance(sources, dict):
        return {}
    return {str(k): dict(v) for k, v in sources.items() if isinstance(v, dict)}


def write_update_state(data_dir: Path, sources: Mapping[str, Mapping[str, Any]]) -> Path:
    """Write ``UPDATES.json`` into `data_dir` (sorted, UTF-8)."""
    path = data_dir / STATE_NAME
    doc = {"sources": {k: dict(sources[k]) for k in sorted(sources)}}
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def describe_update_state(
    sources: Mapping[str, Mapping[str, Any]], now: datetime | None = None
) -> dict[str, dict[str, Any]]:
    """The ``/health`` view: each source's kind, last success and its age in seconds."""
    now = now or datetime.now(UTC)
    out: dict[str, dict[str, Any]] = {}
    for source_id, record in sorted(sources.items()):
        last = record.get("last_success")
        age_s: int | None = None
        if isinstance(last, str):
            try:
                age_s = int((now - datetime.fromisoformat(last)).total_seconds())
            except ValueError:
                age_s = None
        out[source_id] = {
            "kind": record.get("kind"),
            "last_success": last,
            "age_s": age_s,
            "last_error": record.get("last_error"),
        }
    return out
