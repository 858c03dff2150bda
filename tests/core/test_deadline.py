"""The cooperative time limit of expensive computations."""

from __future__ import annotations

import pytest

from geoservice.core.deadline import Deadline
from geoservice.core.isochrones import compute_isochrones
from geoservice.errors import DeadlineExceededError, ServiceUnavailableError
from geoservice.runtime import Runtime

NEVERS = (3.1586, 46.9910)


def test_no_limit_never_raises() -> None:
    Deadline(None).check("anything")


def test_a_spent_limit_raises_naming_the_work_and_the_limit() -> None:
    with pytest.raises(DeadlineExceededError, match=r"isochrones stopped .*compute_timeout_s = 0"):
        Deadline(0.0, started=0.0).check("isochrones")


def test_the_error_is_a_service_unavailable_and_a_timeout() -> None:
    error = DeadlineExceededError("x", limit_s=1.0)
    assert isinstance(error, ServiceUnavailableError)
    assert isinstance(error, TimeoutError)
    assert error.limit_s == 1.0


def test_isochrones_stop_at_the_deadline(runtime: Runtime) -> None:
    assert runtime.network is not None
    with pytest.raises(DeadlineExceededError):
        compute_isochrones(runtime.network, [NEVERS], [3600.0], "drive", deadline=Deadline(0.0))
    # A generous deadline changes nothing.
    features = compute_isochrones(
        runtime.network, [NEVERS], [600.0], "drive", deadline=Deadline(60.0)
    )
    assert len(features) == 1
    assert features[0].area_km2 > 0
