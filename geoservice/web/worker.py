"""What a served worker does once its app is loaded, and when it stops (the gunicorn hooks
of ``config/gunicorn.conf.py``).

Once loaded, a worker holds ≈ 500,000 long-lived Python objects (the graph, the tables, the
modules). Python's full garbage collection walks all of them: ≈ 240 ms, added to whichever
request triggers it (measured in-process: one in 120 car isochrone requests). They never become
garbage while the worker lives (new data mean new workers, ``docs/operations.md``), so they
are collected once and frozen out of every later collection (``gc.freeze``, as the Python
documentation advises for pre-fork servers); what requests allocate is collected as before.
Then the worker's band helper starts (:mod:`geoservice.web.band_helpers`).
"""

from __future__ import annotations

import gc
import logging

from flask import Flask

from geoservice.web.band_helpers import start_band_helper, stop_band_helper

logger = logging.getLogger(__name__)


def worker_ready(app: Flask) -> None:
    """gunicorn's ``post_worker_init``: freeze the loaded objects, start the band helper."""
    gc.collect()
    gc.freeze()
    logger.info("worker ready: %d objects frozen out of the collections", gc.get_freeze_count())
    start_band_helper(app)


def worker_stopping(app: Flask) -> None:
    """gunicorn's ``worker_exit``: stop the band helper."""
    stop_band_helper(app)
