"""The band helper process: same polygons as the request alone, and never a wrong or lost
answer when it is busy, slow, broken or killed."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import numpy as np
import pytest
import shapely

from geoservice.core.band_offload import OffloadError, helper_share
from geoservice.core.band_pieces import BandPieces, band_ends
from geoservice.core.band_polygons import band_geometries, culled_union
from geoservice.core.deadline import Deadline
from geoservice.core.network import ModeNetwork, Reach
from geoservice.core.snapping import lambert93_from_wgs84
from geoservice.errors import DeadlineExceededError
from geoservice.io import band_helper
from geoservice.io.band_helper import BandHelper, decode_request, encode_request
from geoservice.runtime import Runtime

BUDGETS_S = [900.0, 1800.0, 2700.0, 3600.0]
NEVERS = (3.1590, 46.9904)  # the town hall square, EPSG:4326


def wait_ready(helper: BandHelper, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not helper.ready():
        assert time.monotonic() < deadline, "the band helper did not start"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def drive(runtime: Runtime) -> ModeNetwork:
    assert runtime.network is not None
    return runtime.network.mode("drive")


@pytest.fixture(scope="module")
def reach(drive: ModeNetwork) -> Reach:
    x, y = lambert93_from_wgs84(*NEVERS)
    return drive.reach_from_xy(float(x), float(y), limit_s=BUDGETS_S[-1])


@pytest.fixture(scope="module")
def alone(drive: ModeNetwork, reach: Reach) -> list[shapely.Geometry]:
    """The four bands unioned in the request only."""
    return band_geometries(drive, reach, BUDGETS_S)


@pytest.fixture(scope="module")
def shared_helper() -> Iterator[BandHelper]:
    helper = BandHelper(min_pieces=1, timeout_s=30.0)
    helper.launch()
    wait_ready(helper)
    yield helper
    helper.close()


@pytest.fixture
def helper(shared_helper: BandHelper) -> BandHelper:
    """The module's helper, started again if a test stopped it."""
    if shared_helper.process is None:
        shared_helper.launch()
    wait_ready(shared_helper)
    return shared_helper


def same(a: list[shapely.Geometry], b: list[shapely.Geometry]) -> bool:
    if len(a) != len(b):
        return False
    return all(shapely.equals_exact(x, y, 0.0) for x, y in zip(a, b, strict=True))


def test_request_frame_round_trip_is_bit_for_bit(drive: ModeNetwork, reach: Reach) -> None:
    pieces = BandPieces(drive, reach, 3600.0)
    bands = [band_ends(pieces, reach, b) for b in (900.0, 3600.0)]
    decoded, quad_segs, cells = decode_request(encode_request(bands, 3, 64))
    assert (quad_segs, cells) == (3, 64)
    assert len(decoded) == 2
    for sent, got in zip(bands, decoded, strict=True):
        for a, b in zip(sent, got, strict=True):
            assert a.tobytes() == b.tobytes()


def test_helper_share_balances_and_keeps_a_band_here() -> None:
    # The 4-band car isochrone from Nevers: pieces 256 / 936 / 1,966 / 3,099.
    assert helper_share([256, 936, 1966, 3099]) == [0, 3]
    assert helper_share([10, 10]) == [0]
    assert helper_share([5]) == []
    assert helper_share([]) == []
    taken = helper_share([7, 7, 7, 7])
    assert 0 < len(taken) < 4


def test_helper_gives_the_same_polygons(
    drive: ModeNetwork, reach: Reach, alone: list[shapely.Geometry], helper: BandHelper
) -> None:
    before = helper.answered
    shared = band_geometries(drive, reach, BUDGETS_S, offload=helper)
    assert helper.answered == before + 1  # it did take bands
    assert same(shared, alone)
    # And again (the helper is free after each request).
    assert same(band_geometries(drive, reach, BUDGETS_S, offload=helper), alone)
    assert helper.answered == before + 2


def test_small_requests_stay_here(drive: ModeNetwork, reach: Reach, helper: BandHelper) -> None:
    helper.min_pieces = 10**9
    try:
        before = helper.answered
        band_geometries(drive, reach, BUDGETS_S, offload=helper)
        assert helper.answered == before
    finally:
        helper.min_pieces = 1


def test_busy_helper_is_not_waited_for(
    drive: ModeNetwork, reach: Reach, alone: list[shapely.Geometry], helper: BandHelper
) -> None:
    with helper.lock:  # another thread of the worker is using it
        assert helper.start([], 3, 64) is None
        before = helper.answered
        assert same(band_geometries(drive, reach, BUDGETS_S, offload=helper), alone)
        assert helper.answered == before


def test_killed_helper_loses_no_band_and_comes_back(
    drive: ModeNetwork,
    reach: Reach,
    alone: list[shapely.Geometry],
    helper: BandHelper,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pieces = BandPieces(drive, reach, 3600.0)
    pending = helper.start([band_ends(pieces, reach, 3600.0)], 3, 64)
    assert pending is not None
    assert helper.process is not None
    helper.process.kill()
    with pytest.raises(OffloadError):
        pending.result()
    assert helper.process is None
    assert not helper.lock.locked()
    failures = helper.failures
    # Killed between two requests: the next request unions every band itself.
    monkeypatch.setattr(band_helper, "RESTART_AFTER_S", 3600.0)
    assert same(band_geometries(drive, reach, BUDGETS_S, offload=helper), alone)
    assert helper.failures == failures
    # Started again once RESTART_AFTER_S has passed.
    monkeypatch.setattr(band_helper, "RESTART_AFTER_S", 0.0)
    wait_ready(helper)
    assert same(band_geometries(drive, reach, BUDGETS_S, offload=helper), alone)


def test_helper_killed_during_a_request(
    drive: ModeNetwork,
    reach: Reach,
    alone: list[shapely.Geometry],
    helper: BandHelper,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    start = helper.start

    def start_then_die(*args: object, **kwargs: object) -> object:
        pending = start(*args, **kwargs)  # type: ignore[arg-type]
        assert helper.process is not None
        helper.process.kill()
        return pending

    monkeypatch.setattr(helper, "start", start_then_die)
    failures = helper.failures
    assert same(band_geometries(drive, reach, BUDGETS_S, offload=helper), alone)
    assert helper.failures == failures + 1


def test_helper_that_stops_reading_is_stopped(
    drive: ModeNetwork, reach: Reach, alone: list[shapely.Geometry], helper: BandHelper
) -> None:
    assert helper.process is not None
    helper.process.send_signal(signal.SIGSTOP)  # alive, but reads nothing
    timeout, helper.timeout_s = helper.timeout_s, 0.5
    try:
        failures = helper.failures
        t0 = time.monotonic()
        # The 60-min band (≈ 150 kB) cannot fit in the pipe: the write times out.
        assert same(band_geometries(drive, reach, BUDGETS_S, offload=helper), alone)
        assert time.monotonic() - t0 < 10
        assert helper.failures == failures + 1
        assert helper.process is None
    finally:
        helper.timeout_s = timeout


def test_helper_that_stops_answering_is_stopped(
    drive: ModeNetwork, reach: Reach, helper: BandHelper
) -> None:
    pieces = BandPieces(drive, reach, 900.0)
    small = band_ends(pieces, reach, 900.0)  # a few kB: fits in the pipe, written at once
    assert helper.process is not None
    helper.process.send_signal(signal.SIGSTOP)
    pending = helper.start([small], 3, 64)
    assert pending is not None
    timeout, helper.timeout_s = helper.timeout_s, 0.5
    try:
        failures = helper.failures
        with pytest.raises(OffloadError, match="did not answer in time"):
            pending.result()
        assert helper.failures == failures + 1
        assert helper.process is None
        assert not helper.lock.locked()
    finally:
        helper.timeout_s = timeout


def test_helper_reporting_an_error_stays_in_step(helper: BandHelper) -> None:
    assert helper.lock.acquire(blocking=False)
    assert helper.process is not None
    assert helper.process.stdin is not None
    band_helper._write_frame(helper.process.stdin.fileno(), b"not a request")
    with pytest.raises(OffloadError, match="helper failed: error"):
        band_helper.PendingHelperBands(helper, 1).result()
    assert helper.process is not None  # it answered: kept, and free
    assert not helper.lock.locked()
    ends = (np.zeros(1), np.zeros(1), np.full(1, 100.0), np.zeros(1), np.zeros(1), np.ones(1))
    again = helper.start([ends], 3, 64)
    assert again is not None
    (polygon,) = again.result()
    assert shapely.equals_exact(polygon, culled_union(ends, 3, 64), 0.0)


def test_deadline_in_the_request_still_frees_the_helper(
    drive: ModeNetwork, reach: Reach, helper: BandHelper
) -> None:
    before = helper.answered
    with pytest.raises(DeadlineExceededError):
        band_geometries(drive, reach, BUDGETS_S, offload=helper, deadline=Deadline(0.0))
    assert not helper.lock.locked()
    assert helper.answered == before + 1  # its answer was read, the pipe is in step


def test_helper_that_prints_instead_of_its_ready_frame_is_never_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nothing waits for it either: the request asking goes on at once."""
    helper = BandHelper(min_pieces=1, timeout_s=30.0)
    monkeypatch.setattr(band_helper, "RESTART_AFTER_S", 3600.0)
    # A "helper" whose first output is not the ready frame (a stray print).
    helper.process = subprocess.Popen(
        [sys.executable, "-c", "print('hello from an import'); import time; time.sleep(30)"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while helper.process is not None:
            assert time.monotonic() < deadline
            t0 = time.monotonic()
            assert helper.start([], 3, 64) is None
            assert time.monotonic() - t0 < 2.0
            time.sleep(0.05)
        assert helper.failures == 1
    finally:
        helper.close()
