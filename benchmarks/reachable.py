"""Reachable-offer ranking latency vs. one networkx shortest path per offer.

Run: ``.venv/bin/python benchmarks/reachable.py`` (or ``make bench``). Writes its section of
``docs/benchmarks.md`` (between the ``reachable`` markers).

- *ranking*: :func:`geoservice.core.reachable.rank_reachable_offers` (one bounded scipy
  Dijkstra run, then the precomputed egress nodes), all offers, 60 min by car, top 20 with
  their routes (legs, distance, refs), no path geometry;
- *baseline*, same origins, same run: for every offer ``nx.shortest_path_length`` on the
  mode graph from the origin's nearest node to the offer's nearest node (``weight=
  "travel_time"``), plus both access legs, then sort — what one writes without a kernel;
- *nearest of each kind*: :func:`nearest_offer_per_kind` per request (unbounded search).
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np
import shapely

from geoservice.core.nearest_offers import nearest_table_from_egress
from geoservice.core.offer_routes import routes_to_offers
from geoservice.core.reachable import (
    nearest_offer_per_kind,
    offer_travel_times,
    rank_reachable_offers,
    route_to_offer,
)
from geoservice.core.reachable_offers import ReachableOffers
from geoservice.core.snapping import wgs84_from_lambert93
from geoservice.runtime import load_runtime
from geoservice.settings import load_settings
from geoservice.web import create_app

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- reachable:start -->", "<!-- reachable:end -->"
ORIGINS = 100
SEED = 2026
MODE = "drive"
MAX_MINUTES = 60.0
LIMIT = 20


def random_origins(dept: shapely.Geometry, n: int, seed: int) -> list[tuple[float, float]]:
    """`n` seeded random points of the département (EPSG:2154)."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = dept.bounds
    out: list[tuple[float, float]] = []
    while len(out) < n:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shapely.contains_xy(dept, x, y):
            out.append((float(x), float(y)))
    return out


def baseline_ranking(
    reachable: ReachableOffers, origin: tuple[float, float]
) -> list[tuple[float, str]]:
    """One networkx shortest path per offer (nearest nodes + access legs), then sort."""
    net = reachable.network.mode(MODE)
    egress, _ = reachable.tables(MODE)
    o_snap = net.index.nearest(*origin, 1)
    source = net.router.nodes[int(o_snap.positions[0])]
    access_s = float(net.access_time_s(o_snap.distances_m[0]))
    found: list[tuple[float, str]] = []
    for offer_id, x, y in zip(egress.offer_ids, egress.x_m, egress.y_m, strict=True):
        d_snap = net.index.nearest(float(x), float(y), 1)
        target = net.router.nodes[int(d_snap.positions[0])]
        try:
            network_s = nx.shortest_path_length(net.G, source, target, weight="travel_time")
        except nx.NetworkXNoPath:
            continue
        t = access_s + float(network_s) + float(net.access_time_s(d_snap.distances_m[0]))
        if t <= MAX_MINUTES * 60:
            found.append((t, str(offer_id)))
    return sorted(found)[:LIMIT]


def nearest_by_forward_search(
    reachable: ReachableOffers, origin: tuple[float, float], members: np.ndarray
) -> list[tuple[str, str, str, float] | None]:
    """The alternative for "nearest of each kind": one forward search per request."""
    times = offer_travel_times(reachable, MODE, *origin).travel_time_s
    masked = np.where(members, times[None, :], np.inf)
    best = np.argmin(masked, axis=1)
    offers = reachable.offers
    ids, names = offers["offer_id"].to_numpy(), offers["name"].to_numpy()
    communes = offers["commune_code"].to_numpy()
    return [
        (str(ids[i]), str(names[i]), str(communes[i]), float(masked[k, i]))
        if np.isfinite(masked[k, i])
        else None
        for k, i in enumerate(best.tolist())
    ]


def percentile_ms(samples: list[float], q: float) -> float:
    return float(np.percentile(np.array(samples) * 1000, q))


def main() -> int:
    settings = load_settings()
    t0 = time.perf_counter()
    runtime = load_runtime(settings)
    load_s = time.perf_counter() - t0
    if runtime.network is None or runtime.reachable is None:
        print("no road network loaded", file=sys.stderr)
        return 1
    t0 = time.perf_counter()
    ReachableOffers(runtime.network, runtime.offers)  # the start-up precomputation, timed
    build_s = time.perf_counter() - t0
    reachable = runtime.reachable
    dept = runtime.zones["departement"].to_crs("EPSG:2154").geometry.iloc[0]
    origins = random_origins(dept, ORIGINS, SEED)
    vocabulary = tuple(settings.get("themes.vocabulary"))
    categories = ("museum", "cinema", "library", "festival")

    members = reachable.members(vocabulary, categories)
    t0 = time.perf_counter()
    for mode in runtime.network.modes:
        nearest_table_from_egress(runtime.network.mode(mode), reachable.tables(mode)[0], members)
    tables_s = time.perf_counter() - t0

    # Warm-up (first calls allocate).
    rank_reachable_offers(reachable, MODE, origins[0], max_minutes=MAX_MINUTES, limit=LIMIT)

    client = create_app(runtime=runtime).test_client()
    http: list[float] = []
    fast: list[float] = []
    slow: list[float] = []
    nearest: list[float] = []
    nearest_forward: list[float] = []
    per_mode: dict[str, list[float]] = {"bike": [], "walk": []}
    one_to_all: list[float] = []
    routes_all: list[float] = []
    routes_each: list[float] = []
    load_before = os.getloadavg()
    agree = 0
    for origin in origins:
        t0 = time.perf_counter()
        ranked = rank_reachable_offers(
            reachable, MODE, origin, max_minutes=MAX_MINUTES, limit=LIMIT
        )
        fast.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        base = baseline_ranking(reachable, origin)
        slow.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        nearest_offer_per_kind(reachable, MODE, origin, themes=vocabulary, categories=categories)
        nearest.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        nearest_by_forward_search(reachable, origin, members)
        nearest_forward.append(time.perf_counter() - t0)
        lon, lat = wgs84_from_lambert93(*origin)
        t0 = time.perf_counter()
        response = client.get(
            f"/api/v1/reachable?lon={float(lon):.6f}&lat={float(lat):.6f}&mode={MODE}"
            f"&max_minutes={MAX_MINUTES:g}&limit={LIMIT}&geometry=true"
        )
        http.append(time.perf_counter() - t0)
        if response.status_code != 200:
            print(f"HTTP {response.status_code} from {origin}", file=sys.stderr)
            return 1
        # One to all offers (the peer benchmark's request): every offer within 60 min.
        t0 = time.perf_counter()
        response = client.get(
            f"/api/v1/reachable?lon={float(lon):.6f}&lat={float(lat):.6f}&mode={MODE}"
            f"&max_minutes={MAX_MINUTES:g}&limit=200"
        )
        one_to_all.append(time.perf_counter() - t0)
        if response.status_code != 200:
            print(f"HTTP {response.status_code} from {origin}", file=sys.stderr)
            return 1
        times = offer_travel_times(reachable, MODE, *origin, limit_s=MAX_MINUTES * 60)
        reached = np.flatnonzero(np.isfinite(times.travel_time_s))
        t0 = time.perf_counter()
        routes_to_offers(times, reached)
        routes_all.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for i in reached.tolist():
            route_to_offer(times, i)
        routes_each.append(time.perf_counter() - t0)
        for mode, samples in per_mode.items():
            t0 = time.perf_counter()
            rank_reachable_offers(reachable, mode, origin, max_minutes=MAX_MINUTES, limit=LIMIT)
            samples.append(time.perf_counter() - t0)
        # The baseline joins offers at their nearest node only (no mid-edge egress, no
        # direct leg): its times are ≥ ours; count origins whose first offer is the same.
        first = str(reachable.offers["offer_id"].iloc[ranked.rows[0]]) if ranked.total else None
        agree += bool(base) and first == base[0][1]

    p50, p95 = percentile_ms(fast, 50), percentile_ms(fast, 95)
    b50, b95 = percentile_ms(slow, 50), percentile_ms(slow, 95)
    speedup = statistics.median(slow) / statistics.median(fast)
    rows = [
        ("ranking, drive (ours)", p50, p95),
        ("baseline: nx.shortest_path_length per offer", b50, b95),
        ("ranking, bike (ours)", percentile_ms(per_mode["bike"], 50),
         percentile_ms(per_mode["bike"], 95)),
        ("ranking, walk (ours)", percentile_ms(per_mode["walk"], 50),
         percentile_ms(per_mode["walk"], 95)),
        ("GET /api/v1/reachable, drive, geometry=true (Flask test client, JSON included)",
         percentile_ms(http, 50), percentile_ms(http, 95)),
        ("GET /api/v1/reachable, drive, 60 min, limit 200: one to all offers (Flask test "
         "client, JSON included)", percentile_ms(one_to_all, 50), percentile_ms(one_to_all, 95)),
        ("routes of every offer reached in 60 min, all at once (routes_to_offers)",
         percentile_ms(routes_all, 50), percentile_ms(routes_all, 95)),
        ("routes of every offer reached in 60 min, one by one (route_to_offer, the reference)",
         percentile_ms(routes_each, 50), percentile_ms(routes_each, 95)),
        ("nearest of each kind, drive: precomputed tables (ours)", percentile_ms(nearest, 50),
         percentile_ms(nearest, 95)),
        ("nearest of each kind, drive: forward search per request (alternative)",
         percentile_ms(nearest_forward, 50), percentile_ms(nearest_forward, 95)),
    ]  # fmt: skip
    offers = len(runtime.offers)
    net = runtime.network.mode(MODE)
    n50, f50 = percentile_ms(nearest, 50), percentile_ms(nearest_forward, 50)
    verdict = (
        f"tables {f50 / n50:.1f}× faster" if n50 < f50 else "no gain from the tables at this size"
    )
    lines = [
        START,
        "## Reachable offers (`benchmarks/reachable.py`)",
        "",
        "Command: `.venv/bin/python benchmarks/reachable.py` (also run by `make bench`).",
        "",
        f"{ORIGINS} random origins in the département (seed {SEED}), {offers} offers, mode "
        f"{MODE}, max_minutes {MAX_MINUTES:g}, top {LIMIT} with routes (no path geometry); "
        f"network {net.router.node_count} nodes / {len(net.router.edge_u)} directed edges. "
        f"Machine: {platform.machine()}, Python {platform.python_version()}, shared 2-core "
        "host (figures vary with its load); load average (1/5/15 min) "
        f"{' / '.join(f'{v:.2f}' for v in load_before)} before the timed loop, "
        f"{' / '.join(f'{v:.2f}' for v in os.getloadavg())} after.",
        "",
        "| what | p50 (ms) | p95 (ms) |",
        "|---|---:|---:|",
        *[f"| {name} | {a:.2f} | {b:.2f} |" for name, a, b in rows],
        "",
        f"- Speed-up of the ranking over the baseline (median / median): **{speedup:.0f}×** "
        f"(targets: p50 ≤ 10 ms: {'met' if p50 <= 10 else 'NOT met'}; ≥ 20×: "
        f"{'met' if speedup >= 20 else 'NOT met'}).",
        f"- Same first offer as the baseline from {agree} of {ORIGINS} origins (the baseline "
        "joins offers at their nearest node only, so it misses mid-edge egress and the direct "
        "off-network leg).",
        f"- Start-up precomputation (egress nodes of every offer, 3 modes): {build_s:.2f} s; "
        f"whole runtime load: {load_s:.2f} s.",
        "- Nearest of each kind: answered from precomputed tables (pandana `nearest_pois` "
        "style: per kind, one multi-source Dijkstra run on the reversed graph seeded at the "
        "offers' egress nodes; per request only the origin's snap nodes and the direct legs "
        f"are read). Building them for {len(members)} kinds × 3 modes takes {tables_s:.3f} s "
        f"at start-up. Per request: tables p50 {n50:.2f} ms vs. forward search p50 "
        f"{f50:.2f} ms on this {net.router.node_count}-node network ({verdict}). The tables "
        "were kept: their per-request cost does not grow with the graph (a full OSM graph "
        "has 10–100× the nodes), while the forward search does. Both give the same answers "
        "(tests/core/test_reachable.py).",
        END,
    ]
    section = "\n".join(lines)
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    if START in text and END in text:
        text = re.sub(re.escape(START) + r".*?" + re.escape(END), section, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(text, encoding="utf-8")
    print(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
