"""Nothing acknowledged is lost: a server killed with SIGKILL in the middle of a burst of
posts keeps every post it answered 201 to (SQLite and PostgreSQL)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from geoservice.store.auth import add_user
from geoservice.store.db import open_store
from geoservice.store.offers import get_offer
from geoservice.store.policy import ANONYMOUS_ACTOR

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(base: str, server: subprocess.Popen[bytes], timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(base + "/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("server did not start")


@pytest.mark.slow
def test_sigkill_during_a_burst_loses_no_acknowledged_post(database_url: str) -> None:
    store = open_store(database_url)
    with store.write() as session:
        token = add_user(session, "mjc", "organisation")[1]
    store.dispose()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOSERVICE_")}
    env["GEOSERVICE_STORE__URL"] = database_url
    server = subprocess.Popen(
        [sys.executable, "-m", "geoservice.cli", "serve", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    acknowledged: list[tuple[str, str]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def burst(worker: int) -> None:
        n = 0
        while not stop.is_set():
            title = f"post {worker}-{n}"
            body = json.dumps({"kind": "event", "title": title, "commune_code": "58194"})
            request = urllib.request.Request(
                base + "/api/v1/offers",
                data=body.encode(),
                method="POST",
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    if response.status == 201:
                        offer_id = json.loads(response.read())["id"]
                        with lock:
                            acknowledged.append((offer_id, title))
            except (OSError, http.client.HTTPException, ValueError):
                # The server is gone: refused, reset, or killed while answering (an answer
                # cut short is no acknowledgement: the client never learnt the id).
                return
            n += 1

    try:
        _wait_until_up(base, server)
        threads = [threading.Thread(target=burst, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 20
        while len(acknowledged) < 60 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.send_signal(signal.SIGKILL)  # mid-burst: requests are in flight
        server.wait(timeout=10)
        stop.set()
        for t in threads:
            t.join(timeout=15)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert len(acknowledged) >= 60
    reopened = open_store(database_url)
    try:
        with reopened.read() as session:
            for offer_id, title in acknowledged:
                assert get_offer(session, offer_id, ANONYMOUS_ACTOR).title == title
    finally:
        reopened.dispose()
