"""The offers database goes away and comes back: 503 problems meanwhile, no restart needed.

A PostgreSQL cluster of its own (not the session's shared one) is stopped and started under a
running app. (SIGKILL of the server during a burst of posts is tested by
``tests/web/test_durability.py``.)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from geoservice.runtime import Runtime
from geoservice.store.db import open_store
from geoservice.web import create_app
from tests.conftest import _free_port, _postgres_bindir, _run_as_postgres
from tests.web.test_contributions import offer_body


class Cluster:
    """A throw-away PostgreSQL cluster that the test can stop and start."""

    def __init__(self, bindir: Path) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="geoservice-pg-fault-"))
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self.port = _free_port()
        data = self.root / "data"
        _run_as_postgres([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"])
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self.pg_ctl = [str(bindir / "pg_ctl"), "-D", str(data), "-o", options]
        self.pg_ctl += ["-l", str(self.root / "log")]
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        _run_as_postgres([*self.pg_ctl, "-w", "start"])

    def stop(self) -> None:
        _run_as_postgres([*self.pg_ctl, "-m", "fast", "-w", "stop"])


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    bindir = _postgres_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server not installed: `apt-get install postgresql` (.ci/run)")
    c = Cluster(bindir)
    c.start()
    try:
        yield c
    finally:
        with contextlib.suppress(Exception):  # already stopped by a failing test
            c.stop()
        shutil.rmtree(c.root, ignore_errors=True)


def _assert_503_problem(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"]
    problem = response.get_json()
    assert problem["status"] == 503
    assert "database unavailable" in problem["detail"]


@pytest.mark.slow
def test_database_outage_gives_503_and_recovers_without_restart(
    runtime: Runtime, cluster: Cluster
) -> None:
    store = open_store(cluster.url)
    client: FlaskClient = create_app(runtime=runtime, store=store).test_client()
    try:
        created = client.post("/api/v1/offers", json=offer_body())
        assert created.status_code == 201
        offer_id = created.get_json()["id"]
        # Anonymous posts wait for moderation: not public (404), but looked up in the database.
        before = client.get(f"/api/v1/offers/{offer_id}").status_code
        assert client.get("/health").get_json()["store"]["status"] == "ok"

        cluster.stop()
        _assert_503_problem(client.post("/api/v1/offers", json=offer_body(title="Pendant")))
        _assert_503_problem(client.get(f"/api/v1/offers/{offer_id}"))
        health = client.get("/health")
        assert health.status_code == 200  # the service itself answers...
        assert health.get_json()["status"] == "degraded"  # ...and says what is wrong
        assert health.get_json()["store"]["status"] == "unavailable"
        # Open-data offers are served from memory meanwhile.
        opendata = runtime.offers["offer_id"].iloc[0]
        assert client.get(f"/api/v1/offers/{opendata}").status_code == 200

        cluster.start()
        # Same app, same engine: the pool's stale connections are replaced (pre-ping).
        assert client.get("/health").get_json()["store"]["status"] == "ok"
        assert client.get(f"/api/v1/offers/{offer_id}").status_code == before
        again = client.post("/api/v1/offers", json=offer_body(title="Après"))
        assert again.status_code == 201
    finally:
        store.dispose()
