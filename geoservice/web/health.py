"""``GET /health``: status, data versions and sizes."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from geoservice.web.blueprint import Blueprint
from geoservice.web.context import get_runtime

blp = Blueprint("health", __name__, url_prefix="/health", description="Service status")


@blp.route("")
class Health(MethodView):
    @blp.response(200)
    def get(self) -> dict[str, Any]:
        """Status, data build and checksums, loaded networks and their limits."""
        return get_runtime().describe()
