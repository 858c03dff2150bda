"""Pluggable executors that spread an :class:`~geoservice.analytics.traveltimes.OriginTask`
over chunks of origins: in this process, local processes, or a Dask distributed cluster.

Every executor returns the same matrix (rows stitched back in origin order), so the result
never depends on where it ran; chunk boundaries do not change any value because each origin's
search is independent.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np

from geoservice.analytics.traveltimes import OriginTask
from geoservice.core.routing import FloatArray, IntArray
from geoservice.errors import InvalidParameterError, ServiceUnavailableError

K = TypeVar("K", bound=Hashable)

#: Called once per finished chunk with the number of origins it held.
ProgressCallback = Callable[[int], None]


def origin_chunks(origin_count: int, chunk_size: int) -> list[IntArray]:
    """Consecutive origin indices in chunks of at most `chunk_size`."""
    if chunk_size < 1:
        raise InvalidParameterError("chunk_size", f"chunk_size {chunk_size} must be ≥ 1")
    return [
        np.arange(start, min(start + chunk_size, origin_count), dtype=np.int64)
        for start in range(0, origin_count, chunk_size)
    ]


def _run_chunk(task: OriginTask, rows: IntArray) -> FloatArray:
    return task.run(rows)


#: One unit of work: a task and the origins (rows) to compute.
Job = tuple[OriginTask, IntArray]


class OriginExecutor(Protocol):
    """Runs jobs (task, origin rows); yields ``(job index, rows of times)`` as they finish."""

    def map_jobs(self, jobs: Sequence[Job]) -> Iterator[tuple[int, FloatArray]]:
        """Results of ``task.run(rows)`` for every job, in any order."""
        ...


def run_tasks(
    tasks: Mapping[K, OriginTask],
    executor: OriginExecutor,
    *,
    chunk_size: int = 64,
    progress: ProgressCallback | None = None,
) -> dict[K, FloatArray]:
    """The full origins × destinations matrix of every task, all chunks submitted at once."""
    keys = list(tasks)
    jobs: list[Job] = []
    owners: list[tuple[K, IntArray]] = []
    for key in keys:
        for rows in origin_chunks(tasks[key].origin_count, chunk_size):
            jobs.append((tasks[key], rows))
            owners.append((key, rows))
    results = {
        key: np.full((tasks[key].origin_count, tasks[key].destination_count), np.inf)
        for key in keys
    }
    for i, times in executor.map_jobs(jobs):
        key, rows = owners[i]
        results[key][rows] = times
        if progress is not None:
            progress(len(rows))
    return results


def run_task(
    task: OriginTask,
    executor: OriginExecutor,
    *,
    chunk_size: int = 64,
    progress: ProgressCallback | None = None,
) -> FloatArray:
    """The full origins × destinations matrix of one task."""
    return run_tasks({0: task}, executor, chunk_size=chunk_size, progress=progress)[0]


@dataclass(frozen=True)
class SerialExecutor:
    """Everything in the calling process (the service's in-memory recomputation)."""

    def map_jobs(self, jobs: Sequence[Job]) -> Iterator[tuple[int, FloatArray]]:
        """Run each job in turn."""
        for i, (task, rows) in enumerate(jobs):
            yield i, task.run(rows)


@dataclass(frozen=True)
class ProcessExecutor:
    """Local worker processes (:class:`concurrent.futures.ProcessPoolExecutor`).

    ``spawn`` start method: workers import the package afresh, which is safe whatever threads
    the parent runs (a web server, a Dask client).
    """

    max_workers: int | None = None

    def map_jobs(self, jobs: Sequence[Job]) -> Iterator[tuple[int, FloatArray]]:
        """Submit every job, yield them as they complete."""
        context = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(max_workers=self.max_workers, mp_context=context) as pool:
            futures = {
                pool.submit(_run_chunk, task, rows): i for i, (task, rows) in enumerate(jobs)
            }
            for future in cf.as_completed(futures):
                yield futures[future], future.result()


@dataclass(frozen=True)
class DaskExecutor:
    """A Dask distributed cluster, given by its scheduler address (``tcp://host:8786``).

    Each distinct task is scattered once to the workers, then one Dask task per job.
    """

    address: str
    timeout_s: float = 30.0

    def map_jobs(self, jobs: Sequence[Job]) -> Iterator[tuple[int, FloatArray]]:
        """Submit every job to the cluster, yield them as they complete."""
        # Imported here, not at the top: `distributed` adds 0.4 s, 10 MiB and 248 modules to
        # every process that imports this module (each web worker does, through the
        # accessibility model), measured after `import geoservice.web`; only
        # `geoservice accessibility compute --scheduler` uses it.
        from distributed import Client

        try:
            client = Client(self.address, timeout=self.timeout_s, set_as_default=False)
        except (OSError, TimeoutError) as e:
            msg = f"cannot reach the Dask scheduler at {self.address!r}: {e}"
            raise ServiceUnavailableError(msg) from e
        try:
            scattered: dict[int, Any] = {}
            futures = []
            for task, rows in jobs:
                if id(task) not in scattered:
                    [scattered[id(task)]] = client.scatter([task], broadcast=True, hash=False)
                futures.append(client.submit(_run_chunk, scattered[id(task)], rows, pure=False))
            # In submission order: the cluster runs them concurrently all the same.
            for i, future in enumerate(futures):
                yield i, np.asarray(future.result(), dtype=np.float64)
        finally:
            client.close()


def executor_from_options(
    scheduler: str | None, workers: int | None, *, timeout_s: float = 30.0
) -> OriginExecutor:
    """Dask when a scheduler address is given, else local processes (``workers`` ≤ 1: serial)."""
    if scheduler:
        return DaskExecutor(scheduler, timeout_s=timeout_s)
    if workers is not None and workers <= 1:
        return SerialExecutor()
    return ProcessExecutor(max_workers=workers)
