"""Set-up of the Valhalla peer benchmark (``benchmarks/peers/valhalla.py``).

1. ``pip download --no-deps --only-binary=:all: --python-version 3.12 pyvalhalla==3.9.1``
   into a scratch folder, unzipped: its ``valhalla/bin`` holds standalone
   ``valhalla_build_tiles`` and ``valhalla_service`` (run with ``LD_LIBRARY_PATH`` on the
   wheel's ``pyvalhalla.libs``).
2. The embedded network is written as an OSM PBF with pyosmium: one node per network node at
   its coordinates, one two-way way per node pair (the fastest of parallel edges), tagged with
   its ``highway``, ``ref`` and ``maxspeed`` (our drive speed of the class). Our edge lengths
   are chords × a detour factor, longer than the straight line Valhalla measures, so each way
   gets one extra node offset sideways from the chord's middle: the two legs add up to our
   length. The agreement of Valhalla's lengths and times with ours is measured (shortest
   distance and fastest time between network nodes) and reported.
3. Tiles are built (admin database off, sockets in the scratch folder), ``valhalla_service``
   and our gunicorn (2 workers each way: 2 threads for Valhalla) listen on free ports of
   127.0.0.1, and requests alternate between the two services:

   - the 309 communes × 176 offers car matrix (Valhalla ``sources_to_targets``, costing
     ``auto``; ours ``POST /api/v1/matrix``);
   - one to all offers from the 12 largest towns (Valhalla ``sources_to_targets`` 1 × 176;
     ours ``GET /api/v1/reachable`` within 60 min, limit 200);
   - 4-band 15/30/45/60-min car, bike and walk isochrones from the 12 largest towns
     (Valhalla ``/isochrone``; ours ``GET /api/v1/isochrones``), p50 / p95 per service, and
     the intersection over union of each band's polygons (EPSG:2154).
"""

from __future__ import annotations

import http.client
import json
import math
import os
import re
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import osmium

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- peers-valhalla:start -->", "<!-- peers-valhalla:end -->"
WHEEL = "pyvalhalla==3.9.1"
BANDS_MIN = (15, 30, 45, 60)
COSTING = {"drive": "auto", "bike": "bicycle", "walk": "pedestrian"}
EARTH_RADIUS_M = 6_371_008.8


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def fetch_valhalla(scratch: Path) -> Path:
    """Download and unzip the wheel; the folder holding ``valhalla/`` and its libs."""
    unzipped = scratch / "pyvalhalla"
    if (unzipped / "valhalla" / "bin" / "valhalla_service").exists():
        return unzipped
    wheels = scratch / "wheels"
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    cmd += ["--python-version", "3.12", WHEEL, "-d", str(wheels), "-q"]
    subprocess.run(cmd, check=True)
    wheel = next(wheels.glob("pyvalhalla-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        z.extractall(unzipped)
    for binary in (unzipped / "valhalla" / "bin").iterdir():
        binary.chmod(0o755)
    return unzipped


def write_pbf(G: nx.MultiDiGraph, speeds: dict[str, float], path: Path) -> dict[str, Any]:
    """The network as OSM (see the module docstring); returns node ids and way count."""
    ids = {node: i + 1 for i, node in enumerate(G.nodes)}
    best: dict[tuple[Any, Any], dict[str, Any]] = {}
    for u, v, data in G.edges(data=True):
        key = (u, v) if ids[u] < ids[v] else (v, u)
        if key not in best or float(data["length"]) < float(best[key]["length"]):
            best[key] = data
    next_id = len(ids) + 1
    path.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(path))
    ways = []
    extra_nodes = []
    for way_id, ((u, v), data) in enumerate(best.items(), start=1):
        lon1, lat1 = G.nodes[u]["x"], G.nodes[u]["y"]
        lon2, lat2 = G.nodes[v]["x"], G.nodes[v]["y"]
        chord = haversine_m(lon1, lat1, lon2, lat2)
        length = float(data["length"])
        refs = [ids[u]]
        if length > chord + 0.01:
            # Middle node offset sideways by h: 2·sqrt((c/2)² + h²) = L.
            h = math.sqrt(max((length / 2) ** 2 - (chord / 2) ** 2, 0.0))
            mid_lat = (lat1 + lat2) / 2
            m_per_deg_lat = math.pi * EARTH_RADIUS_M / 180
            m_per_deg_lon = m_per_deg_lat * math.cos(math.radians(mid_lat))
            dx = (lon2 - lon1) * m_per_deg_lon
            dy = (lat2 - lat1) * m_per_deg_lat
            norm = math.hypot(dx, dy) or 1.0
            ox, oy = -dy / norm * h, dx / norm * h
            mid = ((lon1 + lon2) / 2 + ox / m_per_deg_lon, mid_lat + oy / m_per_deg_lat)
            extra_nodes.append((next_id, mid))
            refs.append(next_id)
            next_id += 1
        refs.append(ids[v])
        highway = str(data.get("highway", "secondary"))
        tags = {"highway": highway, "oneway": "no"}
        if data.get("ref"):
            tags["ref"] = str(data["ref"])
        tags["maxspeed"] = str(round(speeds.get(highway, 40.0)))
        ways.append((way_id, refs, tags))
    for node, i in ids.items():
        writer.add_node(
            osmium.osm.mutable.Node(id=i, location=(G.nodes[node]["x"], G.nodes[node]["y"]))
        )
    for i, (lon, lat) in extra_nodes:
        writer.add_node(osmium.osm.mutable.Node(id=i, location=(lon, lat)))
    for way_id, refs, tags in ways:
        writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=refs, tags=tags))
    writer.close()
    return {"ids": ids, "ways": len(ways), "extra_nodes": len(extra_nodes)}


def valhalla_config(unzipped: Path, scratch: Path, port: int, matrix_algorithm: str) -> Path:
    env = dict(os.environ, LD_LIBRARY_PATH=str(unzipped / "pyvalhalla.libs"))
    tiles = scratch / "tiles"
    out = subprocess.run(
        [sys.executable, str(unzipped / "valhalla" / "valhalla_build_config.py"),
         "--mjolnir-tile-dir", str(tiles), "--mjolnir-tile-extract", str(scratch / "tiles.tar"),
         "--mjolnir-timezone", str(scratch / "tz.sqlite"),
         "--mjolnir-admin", str(scratch / "admin.sqlite")],
        check=True, capture_output=True, text=True, env=env,
    )  # fmt: skip
    config = json.loads(out.stdout)
    config["mjolnir"]["data_processing"]["use_admin_db"] = False
    config["thor"]["source_to_target_algorithm"] = matrix_algorithm
    config["mjolnir"].pop("tile_extract", None)
    config["httpd"]["service"]["listen"] = f"tcp://127.0.0.1:{port}"
    config["httpd"]["service"]["loopback"] = f"ipc://{scratch}/loopback"
    config["httpd"]["service"]["interrupt"] = f"ipc://{scratch}/interrupt"
    limits = config["service_limits"]
    for costing in ("auto", "bicycle", "pedestrian"):
        limits[costing]["max_matrix_location_pairs"] = 200_000
        limits[costing]["max_matrix_distance"] = 1_000_000.0
    limits["isochrone"]["max_time_contour"] = 120
    limits["isochrone"]["max_distance"] = 1_000_000.0
    limits["isochrone"]["max_locations"] = 1
    path = scratch / "valhalla.json"
    path.write_text(json.dumps(config, indent=1), encoding="utf-8")
    return path


def post(port: int, path: str, body: Any) -> tuple[int, Any, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    data = json.dumps(body)
    t0 = time.perf_counter()
    conn.request("POST", path, body=data, headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    raw = resp.read()
    elapsed = time.perf_counter() - t0
    conn.close()
    return resp.status, json.loads(raw) if raw else None, elapsed


def get(port: int, path: str) -> tuple[int, Any, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    t0 = time.perf_counter()
    conn.request("GET", path)
    resp = conn.getresponse()
    raw = resp.read()
    elapsed = time.perf_counter() - t0
    conn.close()
    return resp.status, json.loads(raw) if raw else None, elapsed


def wait_for(check: Callable[[], bool], what: str, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(f"{what} did not start")


def pct(samples: list[float], q: float) -> float:
    return float(np.percentile(np.array(samples) * 1000, q))


def write_section(text: str) -> None:
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    block = f"{START}\n{text.rstrip()}\n{END}"
    if START in doc:
        doc = re.sub(re.escape(START) + r".*?" + re.escape(END), block, doc, flags=re.S)
    else:
        doc = doc.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(doc, encoding="utf-8")
