"""Access to the per-app state kept in ``app.extensions``."""

from __future__ import annotations

from flask import current_app

from geoservice.core.network import RoadNetwork
from geoservice.errors import InvalidParameterError
from geoservice.runtime import Runtime

EXTENSION_KEY = "geoservice"


def get_runtime() -> Runtime:
    """The :class:`~geoservice.runtime.Runtime` of the current app."""
    runtime: Runtime = current_app.extensions[EXTENSION_KEY]
    return runtime


def road_network_or_error(runtime: Runtime) -> RoadNetwork:
    """The loaded road network (400 naming ``network`` when there is none)."""
    if runtime.network is None:
        raise InvalidParameterError("network", "no road network is loaded")
    return runtime.network
