"""The service as deployed (gunicorn with ``config/gunicorn.conf.py``): one band helper per
worker, the same isochrones as the app alone, and no helper left behind when it stops."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parents[2]
QUERY = "/api/v1/isochrones?lon=3.159&lat=46.9904&mode=drive&minutes=15,30,45,60"


def children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.mark.slow
def test_each_worker_has_a_helper_and_answers_the_same(client: FlaskClient, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = dict(os.environ, GEOSERVICE_STORE__URL=f"sqlite:///{tmp_path / 'offers.sqlite'}")
    log = (tmp_path / "gunicorn.log").open("wb")
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "--config", "config/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "geoservice.wsgi:create_app()"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    helpers: list[int] = []
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "gunicorn did not start"
            try:
                if get(port, "/health")[0] == 200:
                    workers = children(server.pid)
                    helpers = [
                        c
                        for w in workers
                        for c in children(w)
                        if "geoservice.io.band_helper" in cmdline(c)
                    ]
                    if len(workers) == 2 and len(helpers) == 2:
                        break
            except OSError:
                pass
            time.sleep(0.5)
        expected = client.get(QUERY).get_json()
        for _ in range(6):  # both workers, helpers ready or not: the same bands
            status, body = get(port, QUERY)
            assert status == 200
            served = json.loads(body)
            assert [f["geometry"] for f in served["features"]] == [
                f["geometry"] for f in expected["features"]
            ]
            assert [f["properties"]["population"] for f in served["features"]] == [
                f["properties"]["population"] for f in expected["features"]
            ]
            time.sleep(0.5)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        log.close()
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{h}").exists() and "band_helper" in cmdline(h) for h in helpers):
        assert time.monotonic() < deadline, "band helpers left running after gunicorn stopped"
        time.sleep(0.2)
