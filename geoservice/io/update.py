"""``geoservice data update``: fetch the configured sources, rebuild, swap ``data/`` atomically.

Steps (see ``docs/data-update.md``):

1. Undo what an interrupted earlier run left (:func:`~geoservice.io.swap.recover_interrupted_swap`).
2. Copy ``data/`` to ``data.new/``; download each source into ``data.download/``.
3. Transit: check each downloaded GTFS zip and rebuild ``data.new/transit/`` (failed feeds keep
   their previous rows). Agendas: import OpenAgenda and iCalendar events into
   ``data.new/agenda/events.geojson``. OSM: download and check only (see the report).
4. Refuse when stops, trips or imported events would fall by more than
   ``[update] max_removed_share`` (unless ``force``).
5. Rewrite ``MANIFEST.json`` and ``UPDATES.json`` in ``data.new/``, check every output
   against the manifest, then swap ``data.new/`` in (:func:`~geoservice.io.swap.swap_in`).

Nothing is changed in ``data/`` before the swap: an interrupted run leaves it intact.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from geoservice.errors import GeoserviceError, InvalidParameterError
from geoservice.io.agenda_events import DedupKey
from geoservice.io.agenda_update import AgendaOutcome, agenda_sources, update_agendas
from geoservice.io.fetch import Download, FetchLimits, download_to_file
from geoservice.io.manifest import MANIFEST_NAME, sha256_file, verify_outputs
from geoservice.io.swap import recover_interrupted_swap, staging_path, swap_in, update_lock
from geoservice.io.transit_update import (
    TransitRebuild,
    rebuild_transit,
    transit_sources_from_settings,
)
from geoservice.io.update_state import read_update_state, write_update_state
from geoservice.settings import Settings

logger = logging.getLogger(__name__)

ONLY_CHOICES = ("transit", "agenda", "osm")
#: Seconds to sleep just before the swap (tests kill the process there); unset in production.
PAUSE_ENV = "GEOSERVICE_UPDATE_PAUSE_BEFORE_SWAP_S"


@dataclass(frozen=True)
class UpdateOptions:
    """What ``geoservice data update`` was asked to do."""

    only: str | None = None
    dry_run: bool = False
    force: bool = False
    source_urls: Mapping[str, str] = field(default_factory=dict)


@dataclass
class UpdateReport:
    """Everything the run did; :meth:`to_dict` is the ``--json`` document."""

    status: str = "running"
    started_at: str = ""
    recovered: list[str] = field(default_factory=list)
    transit: dict[str, Any] | None = None
    agenda: dict[str, Any] | None = None
    osm: dict[str, Any] | None = None
    refused: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def parse_source_overrides(items: Iterable[str]) -> dict[str, str]:
    """``["ter=https://…"]`` → ``{"ter": "https://…"}``."""
    out: dict[str, str] = {}
    for item in items:
        source_id, sep, url = item.partition("=")
        if not sep or not source_id or not url:
            raise InvalidParameterError("--source", f"{item!r} is not ID=URL")
        out[source_id.strip()] = url.strip()
    return out


def _limits(settings: Settings) -> FetchLimits:
    return FetchLimits(
        timeout_s=float(settings.get("update.timeout_s", 60)),
        max_bytes=int(settings.get("update.max_download_mb", 200)) * 1024 * 1024,
    )


def _transit(
    settings: Settings,
    staging: Path,
    workdir: Path,
    options: UpdateOptions,
    state: dict[str, dict[str, Any]],
    now: datetime,
    echo: Callable[[str], None],
) -> tuple[TransitRebuild, list[Path]]:
    downloads: dict[str, Path] = {}
    failures: dict[str, str] = {}
    fetched: dict[str, Download] = {}
    for source in transit_sources_from_settings(settings):
        url = options.source_urls.get(source.feed_id, source.url)
        record = state.setdefault(source.feed_id, {})
        record.update(kind="transit", url=url or None, last_attempt=now.isoformat())
        if not url:
            record["last_error"] = "no URL configured"
            continue
        try:
            fetched[source.feed_id] = download_to_file(
                url, workdir / f"{source.feed_id}.zip", limits=_limits(settings)
            )
            downloads[source.feed_id] = fetched[source.feed_id].path
        except GeoserviceError as e:
            failures[source.feed_id] = str(e)
    out_subdir = str(settings.get("transit.out_subdir", "transit"))
    rebuild = rebuild_transit(
        settings, staging / out_subdir, staging / out_subdir, downloads, failures, echo=echo
    )
    for feed in rebuild.feeds:
        record = state.setdefault(feed.feed_id, {"kind": "transit"})
        if feed.status == "updated":
            record.update(last_success=now.isoformat(), last_error=None)
            record["sha256"] = fetched[feed.feed_id].sha256
        elif feed.reason:
            record["last_error"] = feed.reason
    return rebuild, rebuild.written


def _osm(
    settings: Settings,
    workdir: Path,
    options: UpdateOptions,
    state: dict[str, dict[str, Any]],
    now: datetime,
) -> dict[str, Any]:
    from geoservice.io import osm

    url = options.source_urls.get("osm", str(settings.get("update.osm_url", "")))
    record = state.setdefault("osm", {})
    record.update(kind="osm", url=url or None, last_attempt=now.isoformat())
    out: dict[str, Any] = {
        "url": url or None,
        "applied": False,
        "note": (
            "the service's road network is the embedded Travel Mapping graph (or the GraphML / "
            "OSM file named by [network] source); `data update` does not rebuild or switch it. "
            "To use the checked extract: `geoservice network fetch --osm-file FILE -o "
            "data/networks/nievre-drive.graphml`, then set [network] source and restart."
        ),
    }
    if not url:
        record["last_error"] = out["error"] = "no URL configured ([update] osm_url)"
        return out
    try:
        name = "osm.osm.pbf" if url.split("?")[0].endswith(".pbf") else "osm.osm"
        download = download_to_file(url, workdir / name, limits=_limits(settings))
        G = osm.graph_from_osm_file(download.path, network_type="drive")
    except (GeoserviceError, ValueError, OSError) as e:
        record["last_error"] = out["error"] = str(e)
        return out
    out.update(checked=True, sha256=download.sha256, summary=list(osm.iter_graph_summary(G)))
    record.update(last_success=now.isoformat(), last_error=None, sha256=download.sha256)
    return out


def _shrinks(name: str, before: Any, after: Any, share: float) -> str | None:
    ints = isinstance(before, int) and isinstance(after, int)
    if ints and before > 0 and after < before * (1.0 - share):
        return f"{name} would fall from {before:,} to {after:,} (more than {share:.0%} removed)"
    return None


def _rewrite_manifest(staging: Path, written: Iterable[Path], downloads: Mapping[str, Any]) -> None:
    path = staging / MANIFEST_NAME
    manifest = json.loads(path.read_text(encoding="utf-8"))
    outputs = dict(manifest.get("outputs", {}))
    for p in written:
        outputs[p.relative_to(staging).as_posix()] = ""
    manifest["outputs"] = {k: sha256_file(staging / k) for k in sorted(outputs)}
    manifest["downloads"] = {**dict(manifest.get("downloads", {})), **downloads}
    path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def run_update(
    settings: Settings,
    options: UpdateOptions,
    *,
    posted_keys: Iterable[DedupKey] = (),
    echo: Callable[[str], None] = print,
    now: datetime | None = None,
) -> UpdateReport:
    """Run one update (see the module docstring) under the folder's update lock.

    A failing source never raises: it is in the report. Raises
    :class:`~geoservice.io.swap.UpdateRunningError` when another update is running.
    """
    if options.only is not None and options.only not in ONLY_CHOICES:
        raise InvalidParameterError("--only", f"unknown part {options.only!r}", ONLY_CHOICES)
    known = {s.feed_id for s in transit_sources_from_settings(settings)} | {"osm"}
    known |= {s.source_id for s in agenda_sources(settings)}
    unknown = sorted(set(options.source_urls) - known)
    if unknown:
        raise InvalidParameterError("--source", f"unknown source id(s) {unknown}", sorted(known))
    with update_lock(settings.data_dir):
        return _run_update(settings, options, posted_keys=posted_keys, echo=echo, now=now)


def _run_update(
    settings: Settings,
    options: UpdateOptions,
    *,
    posted_keys: Iterable[DedupKey] = (),
    echo: Callable[[str], None] = print,
    now: datetime | None = None,
) -> UpdateReport:
    now = now or datetime.now(UTC)
    data_dir = settings.data_dir
    report = UpdateReport(started_at=now.isoformat())
    report.recovered = recover_interrupted_swap(data_dir)
    staging = staging_path(data_dir)
    workdir = data_dir.with_name(data_dir.name + ".download")
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    shutil.copytree(data_dir, staging)
    state = read_update_state(data_dir)
    share = float(settings.get("update.max_removed_share", 0.5))
    written: list[Path] = []
    downloads: dict[str, Any] = {}
    try:
        if options.only in (None, "transit"):
            rebuild, files = _transit(settings, staging, workdir, options, state, now, echo)
            written += files
            report.transit = {
                "before": rebuild.before,
                "after": rebuild.after,
                "feeds": [vars(f) for f in rebuild.feeds],
            }
            for feed in rebuild.feeds:
                if feed.status != "updated" and feed.reason and feed.reason != "no URL configured":
                    report.failures.append(f"transit {feed.feed_id}: {feed.reason}")
                if feed.status == "updated":
                    rec = state[feed.feed_id]
                    downloads[feed.feed_id] = {"url": rec.get("url"), "sha256": rec.get("sha256")}
            for key in ("stops", "trips"):
                why = _shrinks(
                    f"transit {key}", rebuild.before.get(key), rebuild.after.get(key), share
                )
                if why:
                    report.refused.append(why)
        if options.only in (None, "agenda"):
            outcome = update_agendas(
                settings,
                staging,
                workdir,
                state,
                url_overrides=options.source_urls,
                limits=_limits(settings),
                posted_keys=posted_keys,
                now=now,
                echo=echo,
            )
            state.update(outcome.sources)
            written += outcome.written
            report.agenda = _agenda_dict(outcome)
            report.failures += [
                f"agenda {k}: {v['last_error']}"
                for k, v in outcome.sources.items()
                if v.get("last_error")
            ]
            why = _shrinks(
                "imported events", outcome.before["events"], outcome.after["events"], share
            )
            if why:
                report.refused.append(why)
        if options.only in (None, "osm") and (
            options.only == "osm" or "osm" in options.source_urls
        ):
            report.osm = _osm(settings, workdir, options, state, now)
            if report.osm.get("error"):
                report.failures.append(f"osm: {report.osm['error']}")
        if report.refused and not options.force:
            report.status = "refused"
            shutil.rmtree(staging)
            return report
        _rewrite_manifest(staging, written, downloads)
        write_update_state(staging, state)
        verify_outputs(staging, json.loads((staging / MANIFEST_NAME).read_text(encoding="utf-8")))
        if options.dry_run:
            report.status = "dry-run"
            shutil.rmtree(staging)
            return report
        pause_s = float(os.environ.get(PAUSE_ENV, "0") or 0)
        if pause_s > 0:
            echo(f"pausing {pause_s:g} s before the swap ({PAUSE_ENV})")
            time.sleep(pause_s)
        swap_in(data_dir)
        report.status = "swapped"
        logger.info("data update swapped in %s", data_dir)
        return report
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _agenda_dict(outcome: AgendaOutcome) -> dict[str, Any]:
    return {
        "before": outcome.before,
        "after": outcome.after,
        "added": outcome.added,
        "replaced": outcome.replaced,
        "removed": outcome.removed,
        "notes": outcome.notes,
        "sources": outcome.sources,
    }


def report_lines(report: UpdateReport) -> list[str]:
    """The human-readable report (stdout)."""
    lines = [f"data update: {report.status}"]
    lines += [f"  recovered: {r}" for r in report.recovered]
    if report.transit is not None:
        b, a = report.transit["before"], report.transit["after"]
        lines.append(
            f"  transit: stops {b.get('stops', 0):,} → {a.get('stops', 0):,}, trips "
            f"{b.get('trips', 0):,} → {a.get('trips', 0):,}, validity {b.get('validity')} → "
            f"{a.get('validity')}"
        )
        for feed in report.transit["feeds"]:
            why = f" ({feed['reason']})" if feed["reason"] else ""
            lines.append(f"    {feed['feed_id']}: {feed['status']}{why}")
        if report.status == "swapped" and any(
            f["status"] == "updated" for f in report.transit["feeds"]
        ):
            lines.append(
                "    the stored accessibility tables now predate the timetable: run "
                "`geoservice accessibility compute` (until then the service recomputes them "
                "in memory at start-up)"
            )
    if report.agenda is not None:
        ag = report.agenda
        lines.append(
            f"  agenda: events {ag['before']['events']} → {ag['after']['events']}: "
            f"{len(ag['added'])} added, {len(ag['replaced'])} updated, {len(ag['removed'])} removed"
        )
        lines += [f"    note: {n}" for n in ag["notes"]]
    if report.osm is not None:
        lines.append(
            f"  osm: {report.osm.get('error') or 'checked'}; not applied: {report.osm['note']}"
        )
        lines += [f"    {s}" for s in report.osm.get("summary", [])]
    lines += [f"  refused: {r} (use --force to accept)" for r in report.refused]
    lines += [f"  FAILED: {f}" for f in report.failures]
    return lines
