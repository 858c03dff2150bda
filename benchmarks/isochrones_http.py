"""Benchmark: 4-band isochrones over HTTP (gunicorn on loopback), car, bike and walk.

Run: ``.venv/bin/python benchmarks/isochrones_http.py [--repeats 3] [--without-helper]
[--baseline-tree DIR --baseline-label TEXT]`` (e.g. ``git archive <commit> | tar -x -C DIR``,
with the shared data folder reachable at ``DIR/../shared`` as for a worktree).
Writes its section of ``docs/benchmarks.md`` (between the ``isochrones-http`` markers).

gunicorn serves the app with ``config/gunicorn.conf.py`` (2 workers) on a free port of
127.0.0.1; ``GET /api/v1/isochrones?lon=…&lat=…&mode=…&minutes=15,30,45,60`` from the
representative points of the 12 most populated communes, one request at a time (the answer
counts the population of every band). With ``--baseline-tree`` a second gunicorn runs the
code of another source tree (e.g. ``git archive`` of an earlier commit, same data) and the
two are asked in turn, request by request: the comparison of one run. With
``--without-helper`` the second gunicorn runs this tree with its band helpers off
(``GEOSERVICE_ISOCHRONES__BAND_HELPER=false``, ``geoservice/io/band_helper.py``).
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from doc_section import write_section  # noqa: E402

from geoservice.runtime import load_runtime  # noqa: E402
from geoservice.settings import load_settings  # noqa: E402

MINUTES = (15, 30, 45, 60)
MODES = ("drive", "bike", "walk")
START, END = "<!-- isochrones-http:start -->", "<!-- isochrones-http:end -->"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(port: int, path: str) -> tuple[int, float, int, float]:
    """Status, time (ms, connection to last byte), body size and the application's own time
    (ms, its ``Server-Timing`` header; NaN without one) of one GET."""
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    timing = response.getheader("Server-Timing") or ""
    app_ms = float(timing.partition("dur=")[2]) if "dur=" in timing else float("nan")
    return response.status, (time.perf_counter() - t0) * 1000.0, len(body), app_ms


def start(
    tree: Path, port: int, scratch: Path, name: str, extra_env: dict[str, str]
) -> subprocess.Popen[bytes]:
    env = dict(os.environ, GEOSERVICE_STORE__URL=f"sqlite:///{scratch / f'{name}.sqlite'}")
    env.update(extra_env)
    env.pop("GEOSERVICE_ENV", None)
    if tree != ROOT:
        env["PYTHONPATH"] = str(tree)
    log = (scratch / f"{name}.log").open("wb")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--config",
         str(tree / "config" / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "geoservice.wsgi:create_app()"],
        cwd=tree, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 240
    ready = 0
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if get(port, "/health")[0] == 200:
                ready += 1
                if ready >= 4:
                    return server
        except OSError:
            pass
        time.sleep(0.5)
    server.kill()
    sys.exit(f"gunicorn ({name}) did not start: {(scratch / f'{name}.log').read_text()[-2000:]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline-tree", type=Path, default=None)
    parser.add_argument(
        "--baseline-label", default=None, help="what the baseline tree is, for the doc"
    )
    parser.add_argument(
        "--without-helper",
        action="store_true",
        help="also run this tree with its band helpers off, interleaved",
    )
    args = parser.parse_args()
    runtime = load_runtime(load_settings())
    communes = runtime.communes.sort_values("population", ascending=False).head(12)
    points = communes.geometry.to_crs("EPSG:2154").representative_point().to_crs("EPSG:4326")
    trees = {"this tree": ROOT}
    envs: dict[str, dict[str, str]] = {"this tree": {}}
    if args.baseline_tree is not None:
        trees["baseline"] = args.baseline_tree.resolve()
        envs["baseline"] = {}
    if args.without_helper:
        trees["this tree, band helpers off"] = ROOT
        envs["this tree, band helpers off"] = {"GEOSERVICE_ISOCHRONES__BAND_HELPER": "false"}
    load_before = os.getloadavg()
    times: dict[tuple[str, str], list[float]] = {}
    sizes: dict[tuple[str, str], list[int]] = {}
    app_times: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        ports = {name: free_port() for name in trees}
        servers = [
            start(t, ports[n], Path(tmp), n.replace(" ", "-").replace(",", ""), envs[n])
            for n, t in trees.items()
        ]
        try:
            time.sleep(3.0)  # each worker's band helper gets ready (≈ 1 s after the worker)
            for mode in MODES:
                queries = [
                    urlencode(
                        {
                            "lon": p.x,
                            "lat": p.y,
                            "mode": mode,
                            "minutes": ",".join(str(m) for m in MINUTES),
                        }
                    )
                    for p in points
                ]
                for port in ports.values():  # warm-up: both workers, every kernel
                    for q in queries[:4]:
                        get(port, f"/api/v1/isochrones?{q}")
                for _ in range(args.repeats):
                    for q in queries:
                        for name, port in ports.items():  # interleaved
                            status, ms, size, app_ms = get(port, f"/api/v1/isochrones?{q}")
                            assert status == 200, (name, status)
                            times.setdefault((name, mode), []).append(ms)
                            sizes.setdefault((name, mode), []).append(size)
                            app_times.setdefault((name, mode), []).append(app_ms)
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=30)
    load_after = os.getloadavg()
    rows = []
    for (name, mode), values in times.items():
        p50 = statistics.median(values)
        line = (
            f"| {mode} | {name} | {len(values)} | {p50:.1f} | "
            f"{float(np.percentile(values, 95)):.1f} | "
            f"{statistics.median(app_times[(name, mode)]):.1f} | "
            f"{statistics.median(sizes[(name, mode)]) / 1000:.1f} |"
        )
        print(line)
        rows.append(line)
    baseline = (
        " Baseline: the same requests to a second gunicorn running another source tree "
        f"({args.baseline_label or args.baseline_tree.name}; same data, same virtualenv), "
        "interleaved request by request."
        if args.baseline_tree is not None
        else ""
    )
    if args.without_helper:
        baseline += (
            " 'band helpers off': the same requests to a second gunicorn of this tree with "
            "`GEOSERVICE_ISOCHRONES__BAND_HELPER=false`, interleaved request by request."
        )
    section = "\n".join(
        [
            START,
            "## Isochrones over HTTP (`benchmarks/isochrones_http.py`)",
            "",
            f"Command: `.venv/bin/python benchmarks/isochrones_http.py --repeats {args.repeats}"
            f"{' --without-helper' if args.without_helper else ''}"
            f"{' --baseline-tree DIR --baseline-label …' if args.baseline_tree else ''}`. "
            "gunicorn with "
            "`config/gunicorn.conf.py` on 127.0.0.1, one request at a time, "
            "`GET /api/v1/isochrones` with 4 bands (15/30/45/60 min, population counted) from "
            "the 12 most populated communes (representative points); time = connection to "
            "last byte; 'application': the app's own time, from its `Server-Timing` header "
            f"(request parsed to answer serialised; the rest is gunicorn, loopback and the "
            f"client).{baseline} Machine: {platform.machine()}, Python "
            f"{platform.python_version()}, 2 cores shared with other jobs, run "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average (1/5/15 min) "
            f"{' / '.join(f'{v:.2f}' for v in load_before)} before, "
            f"{' / '.join(f'{v:.2f}' for v in load_after)} after. Target (issue #18): car "
            "p50 ≤ 25 ms.",
            "",
            "| mode | server | requests | p50 (ms) | p95 (ms) | application, median (ms) | "
            "answer (kB, median) |",
            "|---|---|---:|---:|---:|---:|---:|",
            *rows,
            END,
        ]
    )
    write_section(section, START, END)
    return 0


if __name__ == "__main__":
    sys.exit(main())
