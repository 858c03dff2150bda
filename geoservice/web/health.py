"""``GET /health``: status, data versions and sizes."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from geoservice.web.blueprint import Blueprint
from geoservice.web.context import get_runtime
from geoservice.web.contributions import describe_store
from geoservice.web.openapi_docs import HEALTH, HEALTH_EXAMPLE, json_response_doc
from geoservice.web.transit_coverage import transit_networks

blp = Blueprint("health", __name__, url_prefix="/health", description="Service status")


@blp.route("")
class Health(MethodView):
    @blp.response(200)
    @blp.doc(**json_response_doc(HEALTH, HEALTH_EXAMPLE))
    def get(self) -> dict[str, Any]:
        """Status, data build and checksums, loaded networks and their limits, and the
        offers database (engine, migration revision, posted offers per status), and the
        public-transport networks loaded and known to be missing (``transit_networks``)."""
        document = get_runtime().describe()
        runtime = get_runtime()
        document["transit_networks"] = transit_networks(
            runtime.settings, loaded=runtime.transit is not None
        )
        document["store"] = describe_store()
        if document["store"]["status"] != "ok":
            document["status"] = "degraded"
        return document
