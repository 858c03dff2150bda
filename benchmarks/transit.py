"""Transit routing benchmark: RAPTOR vs a time-expanded networkx Dijkstra, same queries.

Run: ``.venv/bin/python benchmarks/transit.py`` (writes its section of docs/benchmarks.md).
"""

from __future__ import annotations

import os
import platform
import random
import re
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

from geoservice.core import raptor_kernel
from geoservice.core.raptor import earliest_arrival, earliest_arrival_window, warm_kernel
from geoservice.core.raptor_reference import earliest_arrival_reference
from geoservice.core.reachable import offer_travel_times
from geoservice.core.timeexpanded import (
    earliest_arrival_dijkstra,
    offer_travel_times_dijkstra,
    time_expanded_graph,
)
from geoservice.core.timetable import transit_params_from_settings
from geoservice.core.timetable_build import timetable_from_tables
from geoservice.core.transit_access import road_access_s
from geoservice.core.transit_reachable import (
    rank_transit_offers,
    stop_offer_walk_s,
    transit_offer_times,
)
from geoservice.io.gtfs import read_gtfs_dir
from geoservice.runtime import load_runtime
from geoservice.settings import Settings, load_settings

DAY = date(2025, 2, 4)  # a Tuesday inside the feed validity
SEED = 42
N_QUERIES = 50
N_PASSES = 5
N_WINDOWS = 10
N_RANKINGS = 30
RANKING_MINUTES = 120
WINDOW_MINUTES = 120
DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
BEGIN, END = "<!-- transit:begin -->", "<!-- transit:end -->"


def _ms(seconds: list[float]) -> tuple[float, float]:
    values = sorted(s * 1000 for s in seconds)
    return statistics.median(values), values[int(0.9 * (len(values) - 1))]


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def main() -> int:
    load_before = _load()
    settings = load_settings()
    t = time.perf_counter()
    tables = read_gtfs_dir(settings.data_dir / "transit")
    tt = timetable_from_tables(tables, transit_params_from_settings(settings))
    load_s = time.perf_counter() - t
    warm_s = warm_kernel(tt)  # as the runtime does at start-up
    compiled = sum(raptor_kernel.raptor_kernel.stats.cache_misses.values())
    kernel_how = (
        "compile the kernel (numba had no cached copy yet)"
        if compiled
        else "load the compiled kernel from numba's on-disk cache"
    )
    tt.active_rows(DAY)  # per-date activity masks, cached like in the service
    earliest_arrival(tt, {}, 0, DAY)

    rng = random.Random(SEED)
    queries = [
        (rng.randrange(tt.n_stops), rng.randrange(6 * 3600, 20 * 3600)) for _ in range(N_QUERIES)
    ]
    t = time.perf_counter()
    teg = time_expanded_graph(tt, DAY)
    teg_build_s = time.perf_counter() - t

    # The same queries N_PASSES times (both engines in every pass): at ~10 µs against
    # ~0.1 ms a call, one pass's p50 ratio moves by ±10 % from run to run, so the table gives
    # the p50 over all passes and the text each pass's ratio.
    raptor_s: list[float] = []
    dijkstra_s: list[float] = []
    pass_ratios: list[float] = []
    reached: list[int] = []
    for k in range(N_PASSES):
        fast_pass: list[float] = []
        slow_pass: list[float] = []
        for origin, t0 in queries:
            access = {tt.stop_ids[origin]: 0}
            t = time.perf_counter()
            fast = earliest_arrival(tt, access, t0, DAY)
            fast_pass.append(time.perf_counter() - t)
            t = time.perf_counter()
            slow = earliest_arrival_dijkstra(tt, teg, {origin: 0}, t0)
            slow_pass.append(time.perf_counter() - t)
            # max_rides caps RAPTOR, the baseline has no cap: RAPTOR may only be later.
            if (fast.arrival_s < slow).any():
                print("MISMATCH", origin, t0, file=sys.stderr)
                return 1
            if k == 0:
                reached.append(int((fast.arrival_s < 10**9).sum()))
        raptor_s += fast_pass
        dijkstra_s += slow_pass
        pass_ratios.append(statistics.median(slow_pass) / statistics.median(fast_pass))

    # Second pass over the same queries: the pure-Python reference (same answers), and the
    # compiled kernel call alone (arguments prepared beforehand); the rest of a search is
    # Python-level overhead.
    reference_s: list[float] = []
    kernel_only_s: list[float] = []
    flat = tt.flat
    day_arrays = raptor_kernel.day_arrays(tt, flat, DAY)
    for origin, t0 in queries:
        access = {tt.stop_ids[origin]: 0}
        t = time.perf_counter()
        ref = earliest_arrival_reference(tt, access, t0, DAY)
        reference_s.append(time.perf_counter() - t)
        acc = np.array([origin, 0], dtype=np.int64)
        t = time.perf_counter()
        times, _labels, _rounds = raptor_kernel.raptor_kernel(
            *flat.kernel_args, day_arrays, acc, t0, tt.params.max_rides
        )
        kernel_only_s.append(time.perf_counter() - t)
        if not np.array_equal(ref.arrival_s, times[0]):
            print("MISMATCH with the reference", origin, t0, file=sys.stderr)
            return 1

    # Same measure from train stations only (hubs reach more of the network).
    trains = [i for i, sid in enumerate(tt.stop_ids) if "OCETrain" in sid]
    station_queries = [
        (rng.choice(trains), rng.randrange(6 * 3600, 20 * 3600)) for _ in range(N_QUERIES)
    ]
    st_raptor_s: list[float] = []
    st_dijkstra_s: list[float] = []
    for origin, t0 in station_queries:
        t = time.perf_counter()
        fast = earliest_arrival(tt, {tt.stop_ids[origin]: 0}, t0, DAY)
        st_raptor_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        slow = earliest_arrival_dijkstra(tt, teg, {origin: 0}, t0)
        st_dijkstra_s.append(time.perf_counter() - t)
        if (fast.arrival_s < slow).any():
            print("MISMATCH", origin, t0, file=sys.stderr)
            return 1

    window_s: list[float] = []
    window_base_s: list[float] = []
    searches: list[int] = []
    for origin, t0 in queries[:N_WINDOWS]:
        access = {tt.stop_ids[origin]: 0}
        t = time.perf_counter()
        w = earliest_arrival_window(tt, access, t0, WINDOW_MINUTES, DAY)
        window_s.append(time.perf_counter() - t)
        searches.append(len(w.searches))
        t = time.perf_counter()
        for m in range(WINDOW_MINUTES):
            earliest_arrival_dijkstra(tt, teg, {origin: 0}, t0 + 60 * m)
        window_base_s.append(time.perf_counter() - t)

    ranking = _ranking_rows(settings)
    if ranking is None:
        return 1

    r50, r90 = _ms(raptor_s)
    d50, d90 = _ms(dijkstra_s)
    w50, w90 = _ms(window_s)
    wb50, wb90 = _ms(window_base_s)
    p50, p90 = _ms(reference_s)
    k50, _k90 = _ms(kernel_only_s)
    s50, s90 = _ms(st_raptor_s)
    sd50, sd90 = _ms(st_dijkstra_s)
    rows = [
        (
            f"one-to-all earliest arrival ({N_PASSES} passes)",
            N_QUERIES * N_PASSES,
            r50,
            r90,
            d50,
            d90,
        ),
        ("one-to-all, pure-Python reference RAPTOR", N_QUERIES, p50, p90, d50, d90),
        ("one-to-all, from train stations", N_QUERIES, s50, s90, sd50, sd90),
        (f"{WINDOW_MINUTES}-min window (every minute)", N_WINDOWS, w50, w90, wb50, wb90),
    ]
    lines = [
        BEGIN,
        "## Transit routing (`benchmarks/transit.py`)",
        "",
        "Command: `.venv/bin/python benchmarks/transit.py` "
        f"(Python {platform.python_version()}, {platform.machine()}, shared 2-core machine; "
        f"load average 1 / 5 / 15 min: {load_before} at start, {_load()} at the end).",
        "",
        "RAPTOR is the compiled kernel (`geoservice/core/raptor_kernel.py`, numba, flat numpy "
        "arrays built once per timetable and per service day); `earliest_arrival_reference` "
        "is the pure-Python RAPTOR it is tested identical to (arrivals, rides, itinerary "
        f"labels). Start-up: {warm_s * 1000:.0f} ms to {kernel_how} and build the flat arrays "
        "of the timetable and of its reverse (`warm_kernel`, once, when the runtime loads the "
        "timetable).",
        "",
        f"Timetable: the committed Nièvre ± 30 km TER subset ({tt.n_stops} stops, "
        f"{len(tt.patterns)} patterns, {len(tt.instance_trip)} trips), service day "
        f"{DAY.isoformat()} (Tuesday). Origins: {N_QUERIES} random stops and departure times "
        f"06:00–20:00 (seed {SEED}), timed {N_PASSES} times over for the first row, each "
        f"query by both engines in turn; the window runs use the first {N_WINDOWS}. Baseline: "
        "Dijkstra (`networkx.single_source_dijkstra_path_length`) on a time-expanded graph of "
        f"the same day ({teg.G.number_of_nodes():,} nodes, {teg.G.number_of_edges():,} edges, "
        f"built once in {teg_build_s * 1000:.0f} ms, not counted per query); the baseline "
        "window runs one Dijkstra per departure minute. RAPTOR is checked never earlier than "
        f"the baseline. Loading and building the timetable: {load_s * 1000:.0f} ms "
        "(once at start-up).",
        "",
        "| query | n | RAPTOR p50 (ms) | RAPTOR p90 (ms) | baseline p50 (ms) | "
        "baseline p90 (ms) | speed-up (p50) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, n, a50, a90, b50, b90 in rows:
        lines.append(
            f"| {name} | {n} | {a50:.3f} | {a90:.3f} | {b50:.2f} | {b90:.2f} | {b50 / a50:.1f}x |"
        )
    lines += [
        "",
        f"Per-call cost of a one-to-all search (p50): {r50 * 1000:.1f} µs; the compiled "
        f"kernel call alone (argument dispatch, allocation, rounds; timed in a second pass "
        f"over the same queries) {k50 * 1000:.1f} µs, so about "
        f"{max(r50 - k50, 0) * 1000:.1f} µs of Python (access check, memoised service date "
        "and day arrays, result object).",
        "",
        f"One-to-all speed-up (p50) of each of the {N_PASSES} passes over the {N_QUERIES} "
        f"queries: {', '.join(f'{x:.1f}x' for x in pass_ratios)}.",
        "",
        f"Stops reached per one-to-all query: median {statistics.median(reached):.0f}. "
        f"Searches per window query (one per useful departure time): median "
        f"{statistics.median(searches):.0f}.",
        "",
        f"Targets: one-to-all ≤ 20 ms p50 — {'met' if r50 <= 20 else 'MISSED'}; 2-h window "
        f"≤ 500 ms p50 — {'met' if w50 <= 500 else 'MISSED'}; ≥ 10x the baseline — one-to-all "
        f"{'met' if d50 / r50 >= 10 else 'MISSED'} ({d50 / r50:.1f}x), window "
        f"{'met' if wb50 / w50 >= 10 else 'MISSED'} ({wb50 / w50:.1f}x).",
    ]
    if d50 / r50 < 10:
        lines += [
            "",
            "Why the one-to-all speed-up is missed: one day of this subset is a time-expanded "
            f"graph of only {teg.G.number_of_nodes():,} nodes, so a networkx Dijkstra on it "
            "(graph built beforehand) is already far below a millisecond at p50, and the "
            "fixed cost of a call (Python and kernel dispatch, above) is a large share of "
            "a search this small.",
        ]
    rk50, rk90, rb50, rb90, ranked, table_ms = ranking
    lines += [
        "",
        f"Transit ranking of the offers (`/reachable?mode=transit`): {N_RANKINGS} random "
        f"origins within 1.5 km of a stop, departures 06:00–18:00, budget {RANKING_MINUTES} "
        "min, walk access: `transit_offer_times` (road access to the stops, RAPTOR, direct "
        "walk, min over the stop × offer walk table) + `rank_transit_offers`. Baseline: the "
        "same answer by `offer_travel_times_dijkstra` (the day's time-expanded graph extended "
        "with the origin and an edge from every alighting event to every offer) plus the same "
        "direct walk search, on the same walk table, timed without its access legs; checked "
        "equal to 1e-6 s. The stop × offer walk table is built once "
        f"({table_ms:.0f} ms, not counted per query). Offers reached per query: median "
        f"{ranked:.0f}.",
        "",
        "| query | n | ranking p50 (ms) | ranking p90 (ms) | baseline p50 (ms) | "
        "baseline p90 (ms) | speed-up (p50) |",
        "|---|---|---|---|---|---|---|",
        f"| transit ranking, {RANKING_MINUTES} min | {N_RANKINGS} | {rk50:.2f} | {rk90:.2f} | "
        f"{rb50:.2f} | {rb90:.2f} | {rb50 / rk50:.1f}x |",
    ]
    lines.append(END)
    section = "\n".join(lines) + "\n"
    print(section)
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n\n"
    if BEGIN in text and END in text:
        text = re.sub(
            re.escape(BEGIN) + ".*?" + re.escape(END) + "\n?", lambda _: section, text, flags=re.S
        )
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOC.write_text(text, encoding="utf-8")
    return 0


def _ranking_rows(settings: Settings) -> tuple[float, float, float, float, float, float] | None:
    """Time the transit offer ranking against the time-expanded baseline (None on mismatch)."""
    runtime = load_runtime(settings)
    tt, reachable = runtime.transit, runtime.reachable
    if tt is None or reachable is None:
        print("no timetable or network loaded", file=sys.stderr)
        return None
    t = time.perf_counter()
    walk = stop_offer_walk_s(tt, reachable)
    table_ms = (time.perf_counter() - t) * 1000
    teg = time_expanded_graph(tt, DAY)
    ids = reachable.tables("walk")[0].offer_ids
    rng = np.random.default_rng(SEED)
    stops = np.flatnonzero(np.isfinite(walk).any(axis=1))
    limit_s = RANKING_MINUTES * 60.0
    fast_s: list[float] = []
    slow_s: list[float] = []
    reached: list[int] = []
    walk_net = reachable.network.mode("walk")
    while len(fast_s) < N_RANKINGS:
        s = int(rng.choice(stops))
        x = float(tt.stop_x[s] + rng.uniform(-1500, 1500))
        y = float(tt.stop_y[s] + rng.uniform(-1500, 1500))
        departure = int(rng.integers(6 * 3600, 18 * 3600))
        try:
            t = time.perf_counter()
            times = transit_offer_times(
                tt, reachable, "walk", x, y, departure, DAY, limit_s=limit_s
            )
            ranked = rank_transit_offers(times, ids)
            fast_s.append(time.perf_counter() - t)
        except LookupError:  # outside the road network's coverage
            continue
        access = road_access_s(tt, walk_net, x, y, limit_s=min(limit_s, tt.params.max_access_s))
        t = time.perf_counter()
        direct = offer_travel_times(reachable, "walk", x, y, limit_s=limit_s).travel_time_s
        slow = offer_travel_times_dijkstra(
            tt, teg, {tt.stop_index[k]: v for k, v in access.items()}, departure, walk, direct
        )
        slow_s.append(time.perf_counter() - t)
        slow = np.where(slow <= limit_s, slow, np.inf)
        same = np.array_equal(np.isfinite(slow), np.isfinite(times.travel_time_s))
        ok = np.isfinite(slow)
        if not same or np.abs(slow[ok] - times.travel_time_s[ok]).max(initial=0) > 1e-6:
            print("MISMATCH in the transit ranking", x, y, departure, file=sys.stderr)
            return None
        reached.append(ranked.total)
    f50, f90 = _ms(fast_s)
    b50, b90 = _ms(slow_s)
    return f50, f90, b50, b90, float(statistics.median(reached)), table_ms


if __name__ == "__main__":
    sys.exit(main())
