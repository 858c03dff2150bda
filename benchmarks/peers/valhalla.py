"""Side by side with Valhalla 3.9.1 on the same roads, over HTTP on loopback.

Run: ``make bench-peers`` (``.venv/bin/python benchmarks/peers/valhalla.py [--scratch DIR]
[--repeats 3]``). Needs PyPI (pip downloads the ``pyvalhalla`` wheel). Writes its section of
``docs/benchmarks.md`` (between the ``peers-valhalla`` markers). What is set up and how is
in ``benchmarks/peers/valhalla_setup.py``.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import networkx as nx
import numpy as np
import shapely
from pyproj import Transformer
from valhalla_setup import (
    BANDS_MIN,
    COSTING,
    ROOT,
    fetch_valhalla,
    free_port,
    get,
    pct,
    post,
    valhalla_config,
    wait_for,
    write_pbf,
    write_section,
)

from geoservice.runtime import load_runtime
from geoservice.settings import load_settings

TO_METRIC = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)
#: The settings of `make serve-prod`: the service is measured as it is deployed.
GUNICORN_CONF = ROOT / "config" / "gunicorn.conf.py"


def metric(geojson: dict[str, Any]) -> shapely.Geometry:
    geom = shapely.geometry.shape(geojson)
    return shapely.transform(
        geom, lambda xy: np.column_stack(TO_METRIC.transform(xy[:, 0], xy[:, 1]))
    )


def iou(a: shapely.Geometry, b: shapely.Geometry) -> float:
    union = shapely.union(a, b).area
    return float(shapely.intersection(a, b).area / union) if union > 0 else 1.0


def start_services(unz: Path, config: Path, scratch: Path, v_port: int, o_port: int) -> list[Any]:
    env = dict(os.environ, LD_LIBRARY_PATH=str(unz / "pyvalhalla.libs"))
    v_log = (scratch / "valhalla.log").open("wb")
    valhalla = subprocess.Popen(
        [str(unz / "valhalla" / "bin" / "valhalla_service"), str(config), "2"],
        env=env, stdout=v_log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    o_env = dict(os.environ, GEOSERVICE_STORE__URL=f"sqlite:///{scratch / 'offers.sqlite'}")
    o_env.pop("GEOSERVICE_ENV", None)
    o_log = (scratch / "gunicorn.log").open("wb")
    ours = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--config", str(GUNICORN_CONF),
         "--timeout", "120", "--bind", f"127.0.0.1:{o_port}", "--log-level", "warning",
         "geoservice.wsgi:create_app()"],
        cwd=ROOT, env=o_env, stdout=o_log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    wait_for(lambda: get(v_port, "/status")[0] == 200, "valhalla_service")
    wait_for(lambda: get(o_port, "/health")[0] == 200, "gunicorn")
    for _ in range(4):  # both workers loaded
        get(o_port, "/health")
    return [valhalla, ours]


def agreement(G: nx.MultiDiGraph, drive_G: nx.MultiDiGraph, v_port: int) -> dict[str, float]:
    """Valhalla's shortest distances and fastest times between network nodes vs. ours."""
    rng = random.Random(18)
    nodes = list(G.nodes)
    src, dst = rng.sample(nodes, 15), rng.sample(nodes, 15)
    loc = [{"lat": G.nodes[n]["y"], "lon": G.nodes[n]["x"]} for n in (*src, *dst)]
    body: dict[str, Any] = {"sources": loc[:15], "targets": loc[15:], "costing": "auto"}
    _, fast, _ = post(v_port, "/sources_to_targets", body)
    body["costing_options"] = {"auto": {"shortest": True}}
    _, short, _ = post(v_port, "/sources_to_targets", body)
    d_ratio, t_ratio = [], []
    for i, s in enumerate(src):
        lengths = nx.single_source_dijkstra_path_length(G, s, weight="length")
        times = nx.single_source_dijkstra_path_length(drive_G, s, weight="travel_time")
        for j, t in enumerate(dst):
            if s == t:
                continue
            vs = short["sources_to_targets"][i][j]
            vf = fast["sources_to_targets"][i][j]
            if vs.get("distance") and t in lengths:
                d_ratio.append(vs["distance"] * 1000 / lengths[t])
            if vf.get("time") and t in times:
                t_ratio.append(vf["time"] / times[t])
    return {
        "pairs": len(d_ratio),
        "dist_median": statistics.median(d_ratio),
        "dist_max_dev": max(abs(r - 1) for r in d_ratio),
        "time_median": statistics.median(t_ratio),
        "time_p05": float(np.percentile(t_ratio, 5)),
        "time_p95": float(np.percentile(t_ratio, 95)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scratch", help="scratch folder (default: a temporary one)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--valhalla-matrix",
        default="timedistancematrix",
        choices=["timedistancematrix", "costmatrix", "select_optimal"],
        help="Valhalla's thor.source_to_target_algorithm (default timedistancematrix)",
    )
    args = parser.parse_args()
    scratch = Path(args.scratch or tempfile.mkdtemp(prefix="valhalla-peer-"))
    scratch.mkdir(parents=True, exist_ok=True)
    settings = load_settings()
    runtime = load_runtime(settings)
    network, reachable = runtime.network, runtime.reachable
    assert network is not None
    assert reachable is not None
    G = network.G
    speeds = dict(settings.section("network")["modes"]["drive"]["speed_kph"])
    unz = fetch_valhalla(scratch)
    written = write_pbf(G, speeds, scratch / "nievre.osm.pbf")
    v_port, o_port = free_port(), free_port()
    config = valhalla_config(unz, scratch, v_port, args.valhalla_matrix)
    env = dict(os.environ, LD_LIBRARY_PATH=str(unz / "pyvalhalla.libs"))
    t0 = time.perf_counter()
    build = subprocess.run(
        [str(unz / "valhalla" / "bin" / "valhalla_build_tiles"), "-c", str(config),
         str(scratch / "nievre.osm.pbf")],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    build_s = time.perf_counter() - t0
    if build.returncode != 0:
        sys.exit(f"valhalla_build_tiles failed: {build.stderr[-3000:]}")
    services = start_services(unz, config, scratch, v_port, o_port)
    try:
        agree = agreement(G, network.mode("drive").G, v_port)
        communes = runtime.communes
        reps = communes.geometry.to_crs("EPSG:2154").representative_point().to_crs("EPSG:4326")
        codes = [str(c) for c in communes["code"]]
        c_loc = [{"lat": p.y, "lon": p.x} for p in reps]
        offers = reachable.offers
        o_loc = [{"lat": p.y, "lon": p.x} for p in offers.geometry]
        ids = [str(o) for o in offers["offer_id"]]
        # 1. the 309 × 176 car matrix
        ours_body = {
            "origins": [{"commune": c} for c in codes],
            "destinations": [{"offer": o} for o in ids],
            "mode": "drive",
        }
        v_body = {"sources": c_loc, "targets": o_loc, "costing": "auto", "verbose": False}
        m_ours, m_v = [], []
        for _ in range(args.repeats):
            status, ours_m, dt = post(o_port, "/api/v1/matrix", ours_body)
            assert status == 200, ours_m
            m_ours.append(dt)
            status, v_m, dt = post(v_port, "/sources_to_targets", v_body)
            assert status == 200, v_m
            m_v.append(dt)
        v_times = np.array(v_m["sources_to_targets"]["durations"], dtype=float)
        o_times = np.array(
            [[np.nan if t is None else t for t in row] for row in ours_m["travel_time_s"]]
        )
        ok = np.isfinite(v_times) & np.isfinite(o_times) & (o_times > 0)
        m_ratio = float(np.median(v_times[ok] / o_times[ok]))
        # 2. one to all offers from the 12 largest towns
        top = communes.sort_values("population", ascending=False).head(12)
        top_idx = [codes.index(str(c)) for c in top["code"]]
        r_ours, r_v, r_matrix = [], [], []
        for _ in range(args.repeats):
            for k in top_idx:
                q = urlencode(
                    {"commune": codes[k], "mode": "drive", "max_minutes": 60, "limit": 200}
                )
                status, _, dt = get(o_port, f"/api/v1/reachable?{q}")
                assert status == 200
                r_ours.append(dt)
                body = {
                    "sources": [c_loc[k]],
                    "targets": o_loc,
                    "costing": "auto",
                    "verbose": False,
                }
                status, _, dt = post(v_port, "/sources_to_targets", body)
                assert status == 200
                r_v.append(dt)
                one = {**ours_body, "origins": [{"commune": codes[k]}]}
                status, _, dt = post(o_port, "/api/v1/matrix", one)
                assert status == 200
                r_matrix.append(dt)
        # 3. isochrones, 4 bands, car / bike / walk
        iso: dict[str, dict[str, Any]] = {}
        walk_kph = float(settings.get("network.modes.walk.access_speed_kph", 4.5))
        bike_kph = float(settings.get("network.modes.bike.default_speed_kph", 15.0))
        options = {
            "bicycle": {"cycling_speed": bike_kph},
            "pedestrian": {"walking_speed": walk_kph},
        }
        for mode, costing in COSTING.items():
            t_ours, t_v = [], []
            ious: dict[int, list[float]] = {b: [] for b in BANDS_MIN}
            areas: dict[int, list[float]] = {b: [] for b in BANDS_MIN}
            for rep in range(args.repeats):
                for k in top_idx:
                    loc = c_loc[k]
                    q = urlencode({"lon": loc["lon"], "lat": loc["lat"], "mode": mode,
                                   "minutes": ",".join(str(b) for b in BANDS_MIN)})  # fmt: skip
                    status, ours_iso, dt = get(o_port, f"/api/v1/isochrones?{q}")
                    assert status == 200, ours_iso
                    t_ours.append(dt)
                    body = {"locations": [loc], "costing": costing, "polygons": True,
                            "contours": [{"time": b} for b in BANDS_MIN]}  # fmt: skip
                    if costing in options:
                        body["costing_options"] = {costing: options[costing]}
                    status, v_iso, dt = post(v_port, "/isochrone", body)
                    assert status == 200, v_iso
                    t_v.append(dt)
                    if rep == 0:
                        mine = {
                            round(f["properties"]["value"] / 60): f for f in ours_iso["features"]
                        }
                        theirs = {round(f["properties"]["contour"]): f for f in v_iso["features"]}
                        for b in BANDS_MIN:
                            if b in mine and b in theirs:
                                a = metric(mine[b]["geometry"])
                                v = shapely.make_valid(metric(theirs[b]["geometry"]))
                                ious[b].append(iou(a, v))
                                areas[b].append(a.area / v.area if v.area > 0 else np.inf)
            iso[mode] = {"ours": t_ours, "valhalla": t_v, "iou": ious, "area": areas}
    finally:
        for proc in services:
            proc.terminate()
        for proc in services:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    load = Path("/proc/loadavg").read_text().split()[:3]

    def line(label: str, ours: list[float], theirs: list[float]) -> str:
        ratio = pct(theirs, 50) / pct(ours, 50)
        return (
            f"| {label} | {len(ours)} | {pct(ours, 50):.1f} | {pct(ours, 95):.1f} | "
            f"{pct(theirs, 50):.1f} | {pct(theirs, 95):.1f} | {ratio:.2f} |"
        )

    rows = [
        line(
            "car matrix 309 × 176 (ours POST /api/v1/matrix; Valhalla sources_to_targets)",
            m_ours,
            m_v,
        ),
        line(
            "one to all 176 offers, car (ours GET /reachable 60 min; Valhalla 1 × 176)", r_ours, r_v
        ),
        line("one to all 176 offers, car (ours POST /api/v1/matrix 1 × 176)", r_matrix, r_v),
    ]
    iou_rows = []
    for mode, found in iso.items():
        rows.append(
            line(f"4-band isochrone, {mode} (15/30/45/60 min)", found["ours"], found["valhalla"])
        )
        cells = " | ".join(
            f"{statistics.median(v):.2f}" if v else "–" for v in found["iou"].values()
        )
        ratios = " | ".join(
            f"{statistics.median(v):.2f}" if v else "–" for v in found["area"].values()
        )
        iou_rows.append(f"| {mode} | {cells} | {ratios} |")
    table = "\n".join(rows)
    iou_table = "\n".join(iou_rows)
    text = f"""## Valhalla 3.9.1 on the same roads (`benchmarks/peers/valhalla.py`)

Command: `make bench-peers` (`.venv/bin/python benchmarks/peers/valhalla.py --repeats
{args.repeats} --valhalla-matrix {args.valhalla_matrix}`). Valhalla: the `pyvalhalla` 3.9.1
wheel's `valhalla_service` (2 threads);
ours: gunicorn with the service's settings (`config/gunicorn.conf.py`: 2 workers, threaded); both
on 127.0.0.1, requests sent one at a time,
alternating; ratio = Valhalla p50 / ours p50.
Machine: {platform.machine()}, Python {platform.python_version()}, {os.cpu_count()} cores
shared with other jobs; load average at the end: {" ".join(load)}.

Network given to Valhalla: {G.number_of_nodes()} nodes, {written["ways"]} two-way ways
(+{written["extra_nodes"]} mid-way nodes that give each way our edge length), `maxspeed` =
our drive speed of the class; tiles built in {build_s:.1f} s. Agreement with ours on
{agree["pairs"]} random node pairs: shortest distance Valhalla / ours median
{agree["dist_median"]:.4f} (largest deviation {agree["dist_max_dev"] * 100:.2f} %); fastest
car time median {agree["time_median"]:.3f} (p5 {agree["time_p05"]:.3f}, p95
{agree["time_p95"]:.3f}) — Valhalla adds turn and intersection costs our network model
does not have. Door to door the models differ too: Valhalla snaps a point to the nearest
road, ours walks/drives a straight access leg to its nearest nodes (×1.3 detour, access
speed); on the 309 × 176 matrix Valhalla's times / ours: median {m_ratio:.3f}.

| request | n | ours p50 (ms) | ours p95 | Valhalla p50 (ms) | Valhalla p95 | ratio (p50) |
|---|---:|---:|---:|---:|---:|---:|
{table}

Isochrone polygons per band (median over the 12 towns; EPSG:2154): intersection over union
(IoU), then our area / Valhalla's area:

| mode | IoU 15 | IoU 30 | IoU 45 | IoU 60 | area 15 | area 30 | area 45 | area 60 |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
{iou_table}

The 12 towns are the 12 most populated communes (their representative points). Bike and
walk: Valhalla `cycling_speed` {bike_kph:g} km/h and `walking_speed` {walk_kph:g} km/h (our
speeds); Valhalla keeps its own rules for which roads each mode may use.
"""
    write_section(text)
    print(text)
    if not args.scratch:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
