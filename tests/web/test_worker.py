"""A served worker once loaded: its objects frozen out of the garbage collections, its band
helper started; and stopped with it."""

from __future__ import annotations

import gc
import time
from dataclasses import replace

from geoservice.runtime import Runtime
from geoservice.web import create_app
from geoservice.web.band_helpers import BAND_HELPER_KEY
from geoservice.web.worker import worker_ready, worker_stopping


def test_worker_ready_freezes_the_loaded_objects_and_starts_a_helper(runtime: Runtime) -> None:
    app = create_app(runtime=runtime)
    assert gc.get_freeze_count() == 0
    try:
        worker_ready(app)
        # The loaded data (graph, tables, modules): hundreds of thousands of objects that a
        # full collection no longer walks.
        assert gc.get_freeze_count() > 100_000
        t0 = time.perf_counter()
        gc.collect()
        assert time.perf_counter() - t0 < 0.1  # ≈ 0.24 s before the freeze
        helper = app.extensions[BAND_HELPER_KEY]
        assert helper.process is not None
        assert helper.process.poll() is None
    finally:
        worker_stopping(app)
        gc.unfreeze()
    assert BAND_HELPER_KEY not in app.extensions
    assert helper.process is None


def test_no_helper_when_the_settings_say_so(runtime: Runtime) -> None:
    settings = runtime.settings.with_overrides({"isochrones.band_helper": False})
    app = create_app(runtime=replace(runtime, settings=settings))
    try:
        worker_ready(app)
        assert BAND_HELPER_KEY not in app.extensions
    finally:
        worker_stopping(app)
        gc.unfreeze()
