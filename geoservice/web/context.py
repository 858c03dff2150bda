"""Access to the per-app state kept in ``app.extensions``."""

from __future__ import annotations

from flask import current_app

from geoservice.runtime import Runtime

EXTENSION_KEY = "geoservice"


def get_runtime() -> Runtime:
    """The :class:`~geoservice.runtime.Runtime` of the current app."""
    runtime: Runtime = current_app.extensions[EXTENSION_KEY]
    return runtime
