"""Executors: local processes and a Dask cluster give exactly the serial result."""

from __future__ import annotations

import numpy as np
import pytest

from geoservice.analytics.accessibility_tables import points_m
from geoservice.analytics.executors import (
    DaskExecutor,
    ProcessExecutor,
    SerialExecutor,
    origin_chunks,
    run_task,
)
from geoservice.analytics.traveltimes import RoadOriginTask, RoadTimeSource
from geoservice.core.commune_origins import commune_origins_m
from geoservice.errors import InvalidParameterError
from geoservice.runtime import Runtime


@pytest.fixture(scope="module")
def task(runtime: Runtime) -> RoadOriginTask:
    assert runtime.network is not None
    x, y = commune_origins_m(runtime.communes)
    ox, oy = points_m(runtime.offers)
    source = RoadTimeSource.from_points(runtime.network.mode("bike"), x, y)
    return source.task_to(ox, oy)


def test_chunks_cover_every_origin_once() -> None:
    chunks = origin_chunks(309, 64)
    assert np.array_equal(np.concatenate(chunks), np.arange(309))
    assert max(len(c) for c in chunks) == 64
    with pytest.raises(InvalidParameterError):
        origin_chunks(10, 0)


def test_chunking_does_not_change_values(task: RoadOriginTask) -> None:
    whole = run_task(task, SerialExecutor(), chunk_size=1000)
    assert np.isfinite(whole).all()
    assert np.array_equal(run_task(task, SerialExecutor(), chunk_size=7), whole)


@pytest.mark.slow
def test_dask_and_process_results_equal_serial(task: RoadOriginTask, runtime: Runtime) -> None:
    from distributed import LocalCluster

    assert runtime.accessibility is not None
    transit_source = runtime.accessibility.source("transit")
    ox, oy = points_m(runtime.offers)
    transit_task = transit_source.task_to(ox[:40], oy[:40])
    serial = run_task(task, SerialExecutor(), chunk_size=100)
    transit_serial = run_task(transit_task, SerialExecutor(), chunk_size=309)
    with LocalCluster(
        n_workers=1, processes=False, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        executor = DaskExecutor(cluster.scheduler_address)
        dask = run_task(task, executor, chunk_size=100)
        transit_dask = run_task(transit_task, executor, chunk_size=50)
    assert np.array_equal(dask, serial)
    assert np.array_equal(transit_dask, transit_serial)
    assert np.isfinite(transit_serial).all()
    local = run_task(task, ProcessExecutor(max_workers=2), chunk_size=160)
    assert np.array_equal(local, serial)
