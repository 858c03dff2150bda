"""Slow clients cannot stall the service: the exact command line of ``make serve-prod``
(read from the Makefile) on a free loopback port, with slow sockets sending their headers
byte by byte, still answers ``/health`` within 1 s. Bounded: a few sockets, ~10 s."""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parents[2]
SLOW_SOCKETS = 8
START_TIMEOUT_S = 240.0


def serve_prod_command(host: str, port: int) -> list[str]:
    """The recipe of ``make serve-prod``, its variables filled in."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^serve-prod:.*\n\t(.+)$", makefile, re.MULTILINE)
    assert match, "no serve-prod recipe in the Makefile"
    venv = str(Path(sys.executable).parent.parent)
    line = match.group(1).replace("$(VENV)", venv)
    line = line.replace("$(HOST)", host).replace("$(PORT)", str(port))
    assert "$(" not in line, line
    return shlex.split(line)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _health_s(base: str, timeout_s: float) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(base + "/health", timeout=timeout_s) as response:
        assert response.status in {200, 503}
    return time.perf_counter() - started


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOSERVICE_")}
    env["GEOSERVICE_STORE__URL"] = f"sqlite:///{tmp_path / 'offers.sqlite'}"
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        serve_prod_command("127.0.0.1", port),
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
            try:
                _health_s(base, 5)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"serve-prod did not answer within {START_TIMEOUT_S} s")
                time.sleep(0.5)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the process group this test started
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()


def test_slow_clients_do_not_stall_health(server: str) -> None:
    port = int(server.rsplit(":", 1)[1])
    stop = threading.Event()
    request = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200

    def trickle() -> None:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            for byte in request:
                if stop.is_set():
                    return
                try:
                    sock.sendall(bytes([byte]))
                except OSError:
                    return  # the server closed it: fine
                time.sleep(0.05)

    threads = [threading.Thread(target=trickle, daemon=True) for _ in range(SLOW_SOCKETS)]
    for t in threads:
        t.start()
    try:
        time.sleep(1.0)  # every slow socket is connected and sending
        durations = []
        for _ in range(8):
            durations.append(_health_s(server, 1.0))  # a timeout fails the test
            time.sleep(0.5)
        assert max(durations) < 1.0, durations
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=5)
