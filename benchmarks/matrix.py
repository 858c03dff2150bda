"""Travel-time matrices: 309 communes × 176 offers by car, and by transit over a 2-hour window.

Run: ``.venv/bin/python benchmarks/matrix.py`` (or ``make bench``). Writes its section of
``docs/benchmarks.md`` (between the ``matrix`` markers).

- *car, in process*: :func:`geoservice.core.matrix.road_matrix` (times and distances), per
  origin (forward) and per destination (reverse, on the reversed graph), 309 × 176;
- *car, HTTP*: ``POST /api/v1/matrix`` with the same pairs through the Flask test client
  (JSON encoding included);
- *baseline, same run*: ``/reachable``'s own call (:func:`offer_travel_times`) once per
  commune, which is what a planner scripts today (without the HTTP round trips);
- *transit*: :func:`geoservice.core.transit_matrix.transit_matrix` 309 × 176, departures
  every minute 08:00–10:00 on Tuesday 2025-02-04, median, walk access, 120-min limit.

The Valhalla comparison on the same roads is ``benchmarks/peers/valhalla.py`` (``make
bench-peers``).
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

from geoservice.core.matrix import road_matrix
from geoservice.core.reachable import offer_travel_times
from geoservice.core.transit_matrix import transit_matrix
from geoservice.runtime import load_runtime
from geoservice.settings import load_settings
from geoservice.web import create_app

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- matrix:start -->", "<!-- matrix:end -->"
REPEATS = 5
DAY = date(2025, 2, 4)


def timed(fn: object, repeats: int = REPEATS) -> list[float]:
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append(time.perf_counter() - t0)
    return out


def write_section(text: str) -> None:
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    block = f"{START}\n{text.rstrip()}\n{END}"
    if START in doc:
        doc = re.sub(re.escape(START) + r".*?" + re.escape(END), block, doc, flags=re.S)
    else:
        doc = doc.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(doc, encoding="utf-8")


def main() -> int:
    settings = load_settings()
    runtime = load_runtime(settings)
    reachable, tt = runtime.reachable, runtime.transit
    if reachable is None or tt is None or runtime.network is None:
        print("no network or timetable loaded", file=sys.stderr)
        return 1
    points = runtime.communes.geometry.to_crs("EPSG:2154").representative_point()
    origins = [(float(p.x), float(p.y)) for p in points]
    codes = [str(c) for c in runtime.communes["code"]]
    n_o, n_d = len(origins), len(reachable.offers)
    road_matrix(reachable, "drive", origins[:2])  # warm-up

    forward = timed(lambda: road_matrix(reachable, "drive", origins, direction="forward"))
    reverse = timed(lambda: road_matrix(reachable, "drive", origins, direction="reverse"))
    baseline = timed(lambda: [offer_travel_times(reachable, "drive", *o) for o in origins])
    m = road_matrix(reachable, "drive", origins)
    client = create_app(runtime=runtime).test_client()
    body = {
        "origins": [{"commune": c} for c in codes],
        "destinations": [{"offer": str(o)} for o in reachable.offers["offer_id"]],
        "mode": "drive",
    }
    assert client.post("/api/v1/matrix", json=body).status_code == 200  # warm-up
    http = timed(lambda: client.post("/api/v1/matrix", json=body), repeats=3)

    transit_matrix(tt, reachable, "walk", origins[:2], 8 * 3600, DAY, window_minutes=5)
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        tm = transit_matrix(
            tt, reachable, "walk", origins, 8 * 3600, DAY, window_minutes=120,
            statistics=("median", "best"), limit_s=7200,
        )  # fmt: skip
        runs.append(time.perf_counter() - t0)
    med = tm.travel_time_s["median"]
    best = tm.travel_time_s["best"]

    rev = road_matrix(reachable, "drive", origins, direction="reverse").travel_time_s
    agree_s = float(np.nanmax(np.abs(rev - m.travel_time_s)))
    verdict = "met" if statistics.median(runs) < 5 else "missed"
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []

    def row(label: str, samples: list[float]) -> str:
        return (
            f"| {label} | {len(samples)} | {statistics.median(samples) * 1000:.0f} | "
            f"{min(samples) * 1000:.0f} |"
        )

    text = f"""## Travel-time matrices (`benchmarks/matrix.py`)

Command: `.venv/bin/python benchmarks/matrix.py`. {n_o} communes (representative points) ×
{n_d} offers = {n_o * n_d:,} pairs, door to door (the `/reachable` model). Machine:
{platform.machine()}, Python {platform.python_version()}, {os.cpu_count()} cores shared with
other jobs; load average before the run ended: {" ".join(load)}.

| what | runs | median (ms) | best (ms) |
|---|---:|---:|---:|
{row("car matrix, per origin (forward), times + distances", forward)}
{row("car matrix, per destination (reverse graph), times + distances", reverse)}
{row("baseline: `/reachable`'s offer_travel_times once per commune (times only)", baseline)}
{row("car matrix over HTTP: POST /api/v1/matrix (Flask test client, JSON)", http)}
{row("transit matrix, 08:00–10:00 window (120 departures), median + best", runs)}

- Car: {int(np.isfinite(m.travel_time_s).sum()):,} of {n_o * n_d:,} pairs reached (no
  limit); forward and reverse agree (max difference
  {agree_s:.1e} s).
- Transit (walk access, 120-min limit, Tuesday 2025-02-04): {tm.searches:,} RAPTOR searches
  in all (one per useful departure per origin); pairs reached at the median
  {int(np.isfinite(med).sum()):,}, at best {int(np.isfinite(best).sum()):,} (most communes
  have no stop within walking reach). Target < 5 s: {verdict}.
"""
    write_section(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
