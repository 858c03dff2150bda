"""Load test, the heavy mix people actually send, on gunicorn (loopback, bounded).

Run: ``.venv/bin/python benchmarks/load_heavy.py [--workers 2] [--requests 1500]
[--seconds 60] [--concurrency 8] [--worker-models sync,gthread:4] [--rounds 3]``. Same
server set-up and client as ``benchmarks/load.py`` (its helpers are reused), one server per
worker model, run in turn in interleaved rounds; writes the ``load-heavy`` section of
``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import (
    DOC,
    ROOT,
    Load,
    fmt_row,
    free_port,
    run_load,
    start_server,
    stop_server,
    summarise,
)


def commune_origins() -> list[tuple[float, float]]:
    """The 309 communes' origins (town halls), lon/lat, from ``data/communes.geojson``."""
    data = json.loads((ROOT / "data" / "communes.geojson").read_text(encoding="utf-8"))
    return [
        (float(f["properties"]["origin_lon"]), float(f["properties"]["origin_lat"]))
        for f in data["features"]
    ]


COMMUNES: list[tuple[float, float]] = []


def heavy_request(rng: random.Random, n: int = 0) -> tuple[str, str, str, dict | None]:
    """One request of the heavy mix people send: 4-band car isochrones from a random commune,
    2-band transit isochrones over a 60-min window, ``/reachable`` with route geometry,
    offer searches."""
    lon, lat = rng.choice(COMMUNES)
    r = rng.random()
    if r < 0.30:
        path = f"/api/v1/isochrones?lon={lon:.5f}&lat={lat:.5f}&minutes=15,30,45,60&mode=drive"
        return ("isochrones car 4 bands", "GET", path, None)
    if r < 0.50:
        hour = rng.choice([7, 8, 9, 14, 17])
        path = (
            f"/api/v1/isochrones?lon={lon:.5f}&lat={lat:.5f}&minutes=30,60&mode=transit"
            f"&departure=2025-02-04T{hour:02d}:00&window_minutes=60"
        )
        return ("isochrones transit 2 bands, 60-min window", "GET", path, None)
    if r < 0.75:
        mode = rng.choice(["drive", "bike", "walk"])
        path = (
            f"/api/v1/reachable?lon={lon:.5f}&lat={lat:.5f}&mode={mode}&max_minutes=60"
            "&limit=20&geometry=true"
        )
        return ("reachable with geometry", "GET", path, None)
    query = rng.choice(
        [
            "q=cinema",
            "category=library&limit=20",
            "theme=music",
            f"near={lon:.4f},{lat:.4f}&within_minutes=30&mode=drive",
            "bbox=3.0,46.8,3.4,47.1",
        ]
    )
    return ("offers", "GET", f"/api/v1/offers?{query}", None)


HEAVY_START, HEAVY_END = "<!-- load-heavy:start -->", "<!-- load-heavy:end -->"


def main() -> int:
    """The heavy mix alone, after a warm-up, with ``/health`` as the same run's baseline."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument(
        "--worker-models",
        default="sync,gthread:4",
        help="gunicorn worker models to run in turn, comma-separated: sync, gthread:N, "
        "each maybe with +helper (a band helper per worker, as config/gunicorn.conf.py)",
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="interleaved rounds over the worker models"
    )
    parser.add_argument("--no-write", action="store_true", help="do not update the docs")
    args = parser.parse_args()
    COMMUNES[:] = commune_origins()
    models = [m.strip() for m in args.worker_models.split(",") if m.strip()]
    load_before = os.getloadavg()
    servers: dict[str, tuple[int, subprocess.Popen[bytes], Path]] = {}
    base = {m: Load() for m in models}
    heavy = {m: Load() for m in models}
    base_s = dict.fromkeys(models, 0.0)
    heavy_s = dict.fromkeys(models, 0.0)
    try:
        for model in models:
            tmp = Path(tempfile.mkdtemp(prefix="geoservice-load-"))
            port = free_port()
            servers[model] = (port, start_server(args.workers, port, tmp, model), tmp)
        for port, _, _ in servers.values():
            run_load(
                port, requests=100, seconds=30, concurrency=4, seed=1, make_request=heavy_request
            )
        # Interleaved: each round runs every model in turn on the same seeded requests, so
        # that a change of the machine's load during the run falls on all of them.
        for r in range(args.rounds):
            for model, (port, _, _) in servers.items():
                done, wall = run_load(
                    port,
                    requests=args.requests // 3 // args.rounds,
                    seconds=args.seconds / 3 / args.rounds,
                    concurrency=args.concurrency,
                    seed=args.seed + r,
                    make_request=lambda rng, n: ("health", "GET", "/health", None),
                )
                base[model].results.extend(done.results)
                base_s[model] += wall
                done, wall = run_load(
                    port,
                    requests=args.requests // args.rounds,
                    seconds=args.seconds / args.rounds,
                    concurrency=args.concurrency,
                    seed=args.seed + r,
                    make_request=heavy_request,
                )
                heavy[model].results.extend(done.results)
                heavy_s[model] += wall
    finally:
        for _, server, tmp in servers.values():
            stop_server(server, tmp)
    runs = [
        (
            m,
            summarise(f"{m}: baseline /health only", base[m], base_s[m]),
            summarise(f"{m}: heavy mix", heavy[m], heavy_s[m]),
        )
        for m in models
    ]
    load_after = os.getloadavg()
    lines = [
        HEAVY_START,
        "## Load, heavy mix (`benchmarks/load_heavy.py`)",
        "",
        f"Command: `.venv/bin/python benchmarks/load_heavy.py --workers {args.workers} "
        f"--requests {args.requests} --seconds {args.seconds:g} "
        f"--concurrency {args.concurrency} --worker-models {','.join(models)} --rounds "
        f"{args.rounds}`; gunicorn on 127.0.0.1, {args.workers} workers, one server per "
        f"worker model, run in turn in {args.rounds} interleaved rounds (`sync`: one "
        "request at a time per worker; `gthread:N`: N threads per worker, the model of "
        "`config/gunicorn.conf.py`; `+helper`: with that file's hooks, a band helper process "
        "per worker as deployed), "
        f"{args.concurrency} client threads on the same machine (a new connection per "
        f"request; the client's own CPU time is taken from the same {os.cpu_count()} cores, "
        f"shared with other work), Python "
        f"{platform.python_version()}; load average (1/5/15 min) "
        f"{' / '.join(f'{v:.2f}' for v in load_before)} before, "
        f"{' / '.join(f'{v:.2f}' for v in load_after)} after.",
        "",
        "Mix (seeded): 30 % 4-band car isochrones (15/30/45/60 min) from random communes' town "
        "halls, 20 % 2-band transit isochrones (30/60 min, departures 07:00–17:00 on "
        "2025-02-04, 60-min window), 25 % `/reachable` (drive/bike/walk, 60 min, top 20, "
        "`geometry=true`), 25 % offer searches. Target (issue #18): ≥ 60 req/s, p95 ≤ 250 ms, "
        "0 errors on 2 workers.",
        "",
        "| run | requests | s | req/s | p50 ms | p95 ms | p99 ms | errors (5xx, failed) | "
        "statuses |",
        "|---|---|---|---|---|---|---|---|---|",
        *[fmt_row(s) for _, base, heavy in runs for s in (base, heavy)],
    ]
    for model, _, heavy in runs:
        lines += [
            "",
            f"Per kind, {model}:",
            "",
            "| kind | n | p50 ms | p95 ms | statuses |",
            "|---|---|---|---|---|",
            *[
                f"| {k} | {v['n']} | {v['p50']:.1f} | {v['p95']:.1f} | "
                f"{', '.join(f'{s}: {c}' for s, c in v['statuses'].items())} |"
                for k, v in heavy["by_kind"].items()
            ],
        ]
    lines.append(HEAVY_END)
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        doc = DOC.read_text(encoding="utf-8")
        pattern = re.compile(re.escape(HEAVY_START) + ".*?" + re.escape(HEAVY_END), re.DOTALL)
        doc = pattern.sub(lambda _: text, doc) if pattern.search(doc) else doc + "\n" + text + "\n"
        DOC.write_text(doc, encoding="utf-8")
    return 0 if all(heavy["errors"] == 0 for _, _, heavy in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
