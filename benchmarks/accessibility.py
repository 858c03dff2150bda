"""Accessibility tables: the batched engine against one networkx search per commune and mode.

Run: ``.venv/bin/python benchmarks/accessibility.py`` (writes its section of
docs/benchmarks.md between the ``accessibility`` markers).

Workload: the full table, 309 communes × every theme and category × drive, bike and walk, on
the embedded network and offers. Ours: :func:`geoservice.analytics.batch.compute_accessibility`
in this process (snapping, one batched multi-source Dijkstra per mode, egress and direct legs,
commune and zone tables, indicators). Baseline, same run: for each commune and mode, a virtual
origin node joined to the commune's snap nodes by its access legs is added to the networkx
graph, ``nx.single_source_dijkstra_path_length`` runs from it, then the same egress/direct legs
and the same table code. Both matrices must agree to 1e-6 s.
"""

from __future__ import annotations

import dataclasses
import platform
import statistics
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np

from geoservice.analytics.accessibility_params import AccessibilityParams
from geoservice.analytics.accessibility_tables import commune_origins_m, compute_tables, points_m
from geoservice.analytics.batch import compute_accessibility
from geoservice.analytics.executors import SerialExecutor
from geoservice.analytics.mode_sources import travel_time_sources
from geoservice.analytics.traveltimes import snap_points, times_from_node_times
from geoservice.core.offers import ThemeConfig
from geoservice.runtime import load_runtime
from geoservice.settings import load_settings

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
BEGIN, END = "<!-- accessibility:begin -->", "<!-- accessibility:end -->"
REPEATS = 5
TARGET_S = 5.0
TARGET_SPEEDUP = 10.0


def baseline_matrices(runtime, params):  # type: ignore[no-untyped-def]
    """communes × offers per mode with networkx, one single-source search per commune."""
    x, y = commune_origins_m(runtime.communes)
    ox, oy = points_m(runtime.offers)
    out = {}
    for mode in params.modes:
        net = runtime.network.mode(mode)
        G = nx.DiGraph()
        for u, v, w in zip(
            net.router.edge_u, net.router.edge_v, net.router.edge_weight, strict=True
        ):
            G.add_edge(int(u), int(v), weight=float(w))
        origins = snap_points(net, x, y)
        dests = snap_points(net, ox, oy)
        node_times = np.full((len(x), net.router.node_count), np.inf)
        virtual = -1
        for i in range(len(x)):
            for pos, acc in zip(origins.positions[i], origins.access_s[i], strict=True):
                if np.isfinite(acc):
                    G.add_edge(virtual, int(pos), weight=float(acc))
            dist = nx.single_source_dijkstra_path_length(G, virtual, weight="weight")
            G.remove_node(virtual)
            for node, t in dist.items():
                if node != virtual:
                    node_times[i, node] = t
        out[mode] = times_from_node_times(
            node_times,
            origins,
            dests,
            access_speed_mps=net.access_speed_mps,
            access_detour_factor=net.access_detour_factor,
        )
    return out


def main() -> int:
    settings = load_settings(environ={})
    runtime = load_runtime(settings)
    all_params = AccessibilityParams.from_section(settings.section("accessibility"))
    params = dataclasses.replace(all_params, modes=("drive", "bike", "walk"))
    vocabulary = ThemeConfig.from_section(settings.section("themes")).vocabulary
    n_targets = len(vocabulary) + 4

    def ours():  # type: ignore[no-untyped-def]
        return compute_accessibility(
            runtime.network,
            runtime.communes,
            runtime.offers,
            vocabulary,
            params,
            executor=SerialExecutor(),
        )

    def baseline():  # type: ignore[no-untyped-def]
        times = baseline_matrices(runtime, params)
        return times, compute_tables(times, runtime.communes, runtime.offers, vocabulary, params)

    ours()  # warm-up (imports, caches)
    ours_s, base_s = [], []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        result = ours()
        ours_s.append(time.perf_counter() - t0)
    for _ in range(2):
        t0 = time.perf_counter()
        base_times, _tables = baseline()
        base_s.append(time.perf_counter() - t0)
    worst = max(
        float(np.max(np.abs(result.times_by_mode[m] - base_times[m]))) for m in params.modes
    )
    if worst > 1e-6:
        print(f"matrices differ by {worst} s", file=sys.stderr)
        return 1
    # Transit: the whole 2-hour window table (sources, RAPTOR per commune, tables).
    window = all_params.transit_window
    transit_s = []
    for _ in range(2):
        t0 = time.perf_counter()
        sources = travel_time_sources(
            runtime.network,
            runtime.communes,
            ["transit"],
            transit=runtime.transit,
            transit_window=window,
        )
        x, y = points_m(runtime.offers)
        times = {"transit": sources["transit"].times_to(x, y)}
        compute_tables(times, runtime.communes, runtime.offers, vocabulary, all_params)
        transit_s.append(time.perf_counter() - t0)
    transit_med = statistics.median(transit_s)
    ours_med, base_med = statistics.median(ours_s), statistics.median(base_s)
    speedup = base_med / ours_med
    rows = len(result.tables.communes)
    lines = [
        BEGIN,
        "## Accessibility tables (`benchmarks/accessibility.py`)",
        "",
        "Command: `.venv/bin/python benchmarks/accessibility.py` "
        f"(Python {platform.python_version()}, {platform.machine()}, shared 2-core machine).",
        "",
        f"Workload: the full table, {len(runtime.communes)} communes × {n_targets} targets "
        f"({len(vocabulary)} themes, 4 categories) × {', '.join(params.modes)} "
        f"= {rows:,} commune rows, plus zone tables and indicators; {len(runtime.offers)} "
        "offers. Ours: `compute_accessibility` in-process (serial executor; one batched "
        "multi-source Dijkstra per mode with scipy). Baseline (same run): one "
        "`nx.single_source_dijkstra_path_length` per commune and mode from a virtual origin "
        "node, then the same egress legs and table code. Both matrices agree "
        f"(largest difference {worst:.1e} s).",
        "",
        "| run | repeats | median (s) | min (s) |",
        "|---|---:|---:|---:|",
        f"| ours | {REPEATS} | {ours_med:.3f} | {min(ours_s):.3f} |",
        f"| baseline (networkx) | {len(base_s)} | {base_med:.3f} | {min(base_s):.3f} |",
        f"| transit table, {window.window_minutes}-min window ({window.statistic}) "
        f"| {len(transit_s)} | {transit_med:.3f} | {min(transit_s):.3f} |",
        "",
        f"Speed-up: {speedup:.1f}x. Targets: ≤ {TARGET_S:g} s — "
        f"{'met' if ours_med <= TARGET_S else 'MISSED'}; ≥ {TARGET_SPEEDUP:g}x — "
        f"{'met' if speedup >= TARGET_SPEEDUP else 'MISSED'}; transit for a 2-hour window "
        f"≤ 60 s — {'met' if transit_med <= 60 else 'MISSED'} (309 communes × "
        f"{n_targets} targets, RAPTOR over departures every minute "
        f"{window.start_s // 3600:02d}:{window.start_s % 3600 // 60:02d} + "
        f"{window.window_minutes} min on {window.day}, walk access/egress over the road "
        "network).",
        END,
    ]
    section = "\n".join(lines)
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(text, encoding="utf-8")
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
