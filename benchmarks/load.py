"""Load test of the production set-up: gunicorn with several workers on loopback.

Run: ``.venv/bin/python benchmarks/load.py [--workers 2] [--requests 3000] [--seconds 60]
[--concurrency 8]``. Writes its section of ``docs/benchmarks.md`` (between the ``load``
markers).

The server is ``gunicorn 'geoservice.wsgi:create_app()'`` (as ``make serve-prod``) on a free
port of 127.0.0.1, with the offers database (when the store is installed) in a throw-away
SQLite file of a temporary folder. Client threads send a fixed, seeded mix of requests,
bounded by a request count *and* a wall-clock limit:

- *read mix*: isochrones (GET, 10–20 min by car / bike / walk from communes of the Nièvre),
  reachable-offer rankings, nearest offers, offer searches (text, category, bbox, near=), and
  ``/health``;
- *write mix* (when ``POST /api/v1/offers`` exists): offer posts by a contributor (bearer
  token of a user added to the throw-away database; anonymous posts are rate limited per
  address), interleaved with reads, reported separately.

The baseline of the same run is the cheapest request (``/health``) alone, so the figures can
be read against the server's fixed cost per request on this machine.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- load:start -->", "<!-- load:end -->"

#: Commune centres of the Nièvre (lon, lat), origins of the generated requests.
ORIGINS = [
    (3.1586, 46.9910),  # Nevers
    (3.9064, 47.0638),  # Château-Chinon
    (3.5206, 47.4616),  # Clamecy
    (2.9319, 47.4116),  # Cosne-Cours-sur-Loire
    (3.4842, 46.8570),  # Decize
    (3.2417, 47.3789),  # Donzy
    (3.7547, 47.2258),  # Corbigny
    (3.4519, 47.1581),  # Prémery
]


@dataclass
class Result:
    kind: str
    status: int
    latency_ms: float


@dataclass
class Load:
    results: list[Result] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def read_request(rng: random.Random, n: int = 0) -> tuple[str, str, str, dict | None]:
    """One request of the read mix: (kind, method, path, body)."""
    lon, lat = rng.choice(ORIGINS)
    lon += rng.uniform(-0.01, 0.01)
    lat += rng.uniform(-0.01, 0.01)
    r = rng.random()
    if r < 0.25:
        mode, minutes = rng.choice([("drive", 15), ("bike", 20), ("walk", 15), ("drive", 10)])
        return (
            "isochrones",
            "GET",
            f"/api/v1/isochrones?lon={lon:.5f}&lat={lat:.5f}&minutes={minutes}&mode={mode}",
            None,
        )
    if r < 0.50:
        mode = rng.choice(["drive", "bike", "walk"])
        return (
            "reachable",
            "GET",
            f"/api/v1/reachable?lon={lon:.5f}&lat={lat:.5f}&mode={mode}&max_minutes=30&limit=10",
            None,
        )
    if r < 0.60:
        return ("nearest", "GET", f"/api/v1/reachable/nearest?lon={lon:.5f}&lat={lat:.5f}", None)
    if r < 0.95:
        query = rng.choice(
            [
                "q=cinema",
                "category=library&limit=20",
                "category=museum",
                "bbox=3.0,46.8,3.4,47.1",
                f"near={lon:.4f},{lat:.4f}&within_minutes=20&mode=drive",
                "theme=music",
            ]
        )
        return ("offers", "GET", f"/api/v1/offers?{query}", None)
    return ("health", "GET", "/health", None)


def post_request(rng: random.Random, n: int) -> tuple[str, str, str, dict | None]:
    lon, lat = rng.choice(ORIGINS)
    body = {
        "kind": "event",
        "title": f"Concert de charge {n}",
        "description": "Offre de test de charge (base jetable).",
        "lon": round(lon + rng.uniform(-0.01, 0.01), 5),
        "lat": round(lat + rng.uniform(-0.01, 0.01), 5),
        "themes": ["music"],
    }
    return ("post", "POST", "/api/v1/offers", body)


#: Bearer token of the contributor the posts are made as (set by ``main``): anonymous posts
#: are rate limited per address (5 at once), which would make the write mix measure 429s.
TOKEN: dict[str, str] = {}


def send(port: int, method: str, path: str, body: dict | None, forwarded: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"X-Forwarded-For": forwarded}
        if method != "GET" and TOKEN:
            headers["Authorization"] = f"Bearer {TOKEN['value']}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def run_load(
    port: int,
    *,
    requests: int,
    seconds: float,
    concurrency: int,
    seed: int,
    make_request,  # type: ignore[no-untyped-def]
) -> tuple[Load, float]:
    load = Load()
    counter = iter(range(requests))
    counter_lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        while time.monotonic() < stop_at:
            with counter_lock:
                n = next(counter, None)
            if n is None:
                return
            kind, method, path, body = make_request(rng, n)
            started = time.perf_counter()
            try:
                status = send(port, method, path, body, f"10.0.{index}.{n % 250}")
            except (OSError, http.client.HTTPException):
                status = 0
            elapsed = (time.perf_counter() - started) * 1000
            with load.lock:
                load.results.append(Result(kind, status, elapsed))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return load, time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def summarise(label: str, load: Load, wall_s: float) -> dict:
    latencies = [r.latency_ms for r in load.results]
    statuses = Counter(r.status for r in load.results)
    errors = sum(n for s, n in statuses.items() if s == 0 or s >= 500)
    return {
        "label": label,
        "requests": len(load.results),
        "wall_s": wall_s,
        "rps": len(load.results) / wall_s if wall_s else float("nan"),
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "p99": percentile(latencies, 99),
        "statuses": dict(sorted(statuses.items())),
        "errors": errors,
        "by_kind": {
            kind: {
                "n": len(ls),
                "p50": percentile(ls, 50),
                "p95": percentile(ls, 95),
                "statuses": dict(
                    sorted(Counter(r.status for r in load.results if r.kind == kind).items())
                ),
            }
            for kind in sorted({r.kind for r in load.results})
            for ls in [[r.latency_ms for r in load.results if r.kind == kind]]
        },
    }


def stop_server(server: subprocess.Popen[bytes], tmp: Path) -> None:
    """Stop a gunicorn of :func:`start_server` (killed after 30 s) and remove its folder."""
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
    shutil.rmtree(tmp, ignore_errors=True)


def worker_model_args(worker_model: str) -> list[str]:
    """gunicorn arguments of ``sync`` or ``gthread:N``, each maybe with ``+helper``: then
    with ``config/gunicorn.conf.py`` too (its hooks start a band helper per worker,
    ``geoservice/io/band_helper.py``; the command line's settings win over the file's)."""
    model = worker_model.removesuffix("+helper")
    extra = ["--config", str(ROOT / "config" / "gunicorn.conf.py")] if model != worker_model else []
    kind, _, threads = model.partition(":")
    if kind == "sync":
        return [*extra, "--worker-class", "sync"]
    if kind == "gthread":
        return [*extra, "--worker-class", "gthread", "--threads", str(int(threads or "4"))]
    raise SystemExit(f"unknown worker model {worker_model!r}: sync or gthread:N [+helper]")


def start_server(
    workers: int, port: int, tmp: Path, worker_model: str = "sync"
) -> subprocess.Popen[bytes]:
    """gunicorn on 127.0.0.1:`port`; `worker_model` ``sync`` or ``gthread:N`` (N threads
    per worker, as ``config/gunicorn.conf.py`` runs the service)."""
    env = dict(os.environ)
    env["GEOSERVICE_STORE__URL"] = f"sqlite:///{tmp / 'load-offers.sqlite'}"
    env.pop("GEOSERVICE_ENV", None)
    # A contributor in the throw-away database, for the write mix.
    cli = Path(sys.executable).parent / "geoservice"
    added = subprocess.run(
        [str(cli), "users", "add", "banc de charge", "--role", "contributor"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    TOKEN["value"] = added.stdout.strip().splitlines()[-1]
    gunicorn = Path(sys.executable).parent / "gunicorn"
    args = [
        str(gunicorn),
        "--workers",
        str(workers),
        "--timeout",
        "30",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        *worker_model_args(worker_model),
        "geoservice.wsgi:create_app()",
    ]
    log = (tmp / "gunicorn.log").open("wb")
    server = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    ready = 0
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if send(port, "GET", "/health", None, "127.0.0.1") == 200:
                ready += 1
                if ready >= workers * 2:  # every worker answered at least once, very likely
                    return server
        except OSError:
            pass
        time.sleep(0.5)
    server.kill()
    log.close()
    sys.exit(f"gunicorn did not start: {(tmp / 'gunicorn.log').read_text()[-2000:]}")


def has_post_offers(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/api/v1/openapi.json")
    doc = json.loads(conn.getresponse().read())
    conn.close()
    return "post" in doc.get("paths", {}).get("/api/v1/offers", {})


def fmt_row(s: dict) -> str:
    return (
        f"| {s['label']} | {s['requests']} | {s['wall_s']:.1f} | {s['rps']:.0f} | "
        f"{s['p50']:.1f} | {s['p95']:.1f} | {s['p99']:.1f} | {s['errors']} | "
        f"{', '.join(f'{k}: {v}' for k, v in s['statuses'].items())} |"
    )


def write_section(text: str) -> None:
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    block = f"{START}\n{text.rstrip()}\n{END}"
    if START in doc:
        doc = re.sub(re.escape(START) + r".*?" + re.escape(END), block, doc, flags=re.S)
    else:
        doc = doc.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(doc, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--no-write", action="store_true", help="do not update the docs")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="geoservice-load-"))
    port = free_port()
    load_before = os.getloadavg()
    server = start_server(args.workers, port, tmp)
    try:
        run_load(port, requests=200, seconds=20, concurrency=4, seed=1, make_request=read_request)
        base, base_s = run_load(
            port,
            requests=args.requests // 3,
            seconds=args.seconds / 3,
            concurrency=args.concurrency,
            seed=args.seed,
            make_request=lambda rng, n: ("health", "GET", "/health", None),
        )
        reads, reads_s = run_load(
            port,
            requests=args.requests,
            seconds=args.seconds,
            concurrency=args.concurrency,
            seed=args.seed,
            make_request=read_request,
        )
        summaries = [summarise("baseline: /health only", base, base_s)]
        summaries.append(summarise("read mix", reads, reads_s))
        if has_post_offers(port):

            def mixed(rng: random.Random, n: int) -> tuple[str, str, str, dict | None]:
                return post_request(rng, n) if rng.random() < 0.2 else read_request(rng, n)

            writes, writes_s = run_load(
                port,
                requests=args.requests // 3,
                seconds=args.seconds / 2,
                concurrency=args.concurrency,
                seed=args.seed + 1,
                make_request=mixed,
            )
            summaries.append(summarise("read + post mix (20 % posts)", writes, writes_s))
    finally:
        stop_server(server, tmp)
    load_after = os.getloadavg()

    lines = [
        "## Load (`benchmarks/load.py`)",
        "",
        f"Command: `.venv/bin/python benchmarks/load.py --workers {args.workers} "
        f"--requests {args.requests} --seconds {args.seconds:g} "
        f"--concurrency {args.concurrency}`; gunicorn sync workers on 127.0.0.1, "
        f"{args.concurrency} client threads in the same machine (a new connection per request), "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; load average "
        f"{load_before[0]:.2f} before, {load_after[0]:.2f} after the run (other work on the "
        "machine shares the cores).",
        "",
        "| run | requests | s | req/s | p50 ms | p95 ms | p99 ms | errors (5xx, failed) | "
        "statuses |",
        "|---|---|---|---|---|---|---|---|---|",
        *[fmt_row(s) for s in summaries],
        "",
        "Per kind (read mix):",
        "",
        "| kind | n | p50 ms | p95 ms | statuses |",
        "|---|---|---|---|---|",
        *[
            f"| {k} | {v['n']} | {v['p50']:.1f} | {v['p95']:.1f} | "
            f"{', '.join(f'{s}: {c}' for s, c in v['statuses'].items())} |"
            for k, v in summaries[1]["by_kind"].items()
        ],
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section(text)
    read = summaries[1]
    return 0 if read["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
