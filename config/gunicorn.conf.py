"""gunicorn settings of ``make serve-prod`` (docs/operations.md explains the choice).

Threaded workers (``gthread``): a slow client holds at most one thread of one worker, and
only while it sends (a thread waits at most 5 s for data, then hands the connection back
to the worker's poller), so a few slow or idle sockets cannot stall the service as they
stalled the two single-request ``sync`` workers. The data loaded per worker is read-only
and the node R-tree is locked, so threads share it safely.

Threads also raise the throughput of this CPU-bound load: while one request of a worker is
in GEOS, numpy, scipy or the database (code that releases the GIL), another runs. The heavy
mix of ``benchmarks/load_heavy.py`` (2 workers, 8 clients, the models interleaved in one run
on a loaded machine) gave 62 req/s with 16 threads, 61 with 4 and 54 with ``sync``
workers; short requests no longer wait behind a car isochrone (offers p95 93 ms against
214), while the car isochrones themselves, sharing the GIL, take longer (p95 479 against
319 ms). On a quiet machine (2026-12-07, integrated code) the same run gave 151 req/s,
p95 146 ms with 16 threads and 146 req/s, p95 96 ms with ``sync``: both within the target;
threads stay for the slow-client protection above. See docs/benchmarks.md, "Load, heavy mix".

Once its app is loaded, each worker freezes the loaded objects out of Python's garbage
collections (a full collection walked them in ≈ 240 ms) and starts a band helper process
(``[isochrones] band_helper`` of ``config/limits.toml``, ``geoservice/io/band_helper.py``): a
large isochrone's bands are unioned on two cores; the helper stops with its worker
(``geoservice/web/worker.py``).
"""

from typing import Any

worker_class = "gthread"
workers = 2
threads = 16
# A request running longer than this is cut off (the heaviest endpoints have their own,
# shorter, deadlines).
timeout = 30
graceful_timeout = 30
# Idle kept-alive connections are closed after this many seconds.
keepalive = 5
# Request line and headers limits (gunicorn's defaults, stated).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190


# The hooks import the app's module when they run, in a worker: importing it at the top of
# this file would load the whole package (≈ 400 MB) into the master, which serves nothing.


def post_worker_init(worker: Any) -> None:
    from geoservice.web.worker import worker_ready

    worker_ready(worker.wsgi)


def worker_exit(server: Any, worker: Any) -> None:
    from geoservice.web.worker import worker_stopping

    if getattr(worker, "wsgi", None) is not None:
        worker_stopping(worker.wsgi)
