"""The band helper of a served worker: started by ``config/gunicorn.conf.py``, used by the
isochrones (:mod:`geoservice.io.band_helper` explains it).

``[isochrones] band_helper`` of ``config/limits.toml`` turns it on; the development server
and the tests run without one (the same polygons, one core per request).
"""

from __future__ import annotations

import logging

from flask import Flask, current_app

from geoservice.core.band_offload import BandOffload
from geoservice.io.band_helper import BandHelper
from geoservice.runtime import Runtime
from geoservice.web.context import EXTENSION_KEY

logger = logging.getLogger(__name__)

BAND_HELPER_KEY = "geoservice.band_helper"


def start_band_helper(app: Flask) -> BandHelper | None:
    """Start this worker's band helper when the settings ask for one (None otherwise).

    Called once per worker process, after the app is loaded (gunicorn's
    ``post_worker_init``); the helper is ready a second or two later, requests before then
    union every band themselves.
    """
    runtime: Runtime = app.extensions[EXTENSION_KEY]
    section = runtime.settings.section("isochrones")
    if not bool(section.get("band_helper", False)):
        return None
    timeout = runtime.settings.section("limits").get("compute_timeout_s")
    helper = BandHelper(
        min_pieces=int(section["band_helper_min_pieces"]),
        timeout_s=float(timeout) if timeout is not None else 60.0,
    )
    helper.launch()
    app.extensions[BAND_HELPER_KEY] = helper
    logger.info("band helper started (pid %s)", helper.process.pid if helper.process else "-")
    return helper


def stop_band_helper(app: Flask) -> None:
    """Stop this worker's band helper, if it has one (gunicorn's ``worker_exit``)."""
    helper = app.extensions.pop(BAND_HELPER_KEY, None)
    if helper is not None:
        helper.close()


def band_offload() -> BandOffload | None:
    """The current app's band helper, or None."""
    helper: BandHelper | None = current_app.extensions.get(BAND_HELPER_KEY)
    return helper
