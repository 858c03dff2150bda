"""The Flask application factory."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import flask_smorest
from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import AnyConverter

from geoservice import __version__
from geoservice.errors import GeoserviceError
from geoservice.runtime import Runtime, load_runtime
from geoservice.settings import Settings, load_settings
from geoservice.store.db import Store
from geoservice.web import (
    accessibility,
    accounts,
    claims,
    communes,
    contributions,
    coverage,
    event_calendar,
    frontend,
    health,
    impact,
    impact_map,
    isochrones,
    maps,
    matrix,
    my_offers,
    offers,
    ors_routing,
    project_matches,
    projects,
    reachable,
    rides,
    route,
    transit,
    trips,
)
from geoservice.web.context import EXTENSION_KEY
from geoservice.web.json_limits import check_json_body
from geoservice.web.json_provider import OrjsonProvider
from geoservice.web.middleware import install_middleware
from geoservice.web.problems import (
    ProblemSchema,
    handle_geoservice_error,
    handle_http_exception,
    handle_unexpected_error,
    problem_response_doc,
)

API_PREFIX = "/api/v1"


class Api(flask_smorest.Api):
    """flask-smorest Api whose HTTP errors are RFC 9457 problem documents."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException) -> Any:
        return handle_http_exception(error)

    def _register_responses(self) -> None:
        """Document every error response as ``application/problem+json`` (RFC 9457)."""
        for status in HTTPStatus:
            if status < 400:
                continue
            self.spec.components.response(status.name, problem_response_doc(status), lazy=True)
        self.spec.components.response("DEFAULT_ERROR", problem_response_doc(None), lazy=True)


def create_app(
    settings: Settings | None = None,
    runtime: Runtime | None = None,
    *,
    store: Store | None = None,
) -> Flask:
    """Build the WSGI application.

    Parameters
    ----------
    settings
        Configuration; default :func:`~geoservice.settings.load_settings`.
    runtime
        Already loaded data (tests share one across apps); default loaded from
        ``settings.data_dir``.
    store
        The offers database (tests pass one); default opened from ``[store]`` settings,
        with pending migrations applied.
    """
    settings = settings or (runtime.settings if runtime else load_settings())
    runtime = runtime or load_runtime(settings)

    # The page's static files are served by the frontend blueprint, not by the app.
    app = Flask(__name__, static_folder=None)
    # Never the debugger from the environment (FLASK_DEBUG=1): only `geoservice serve --debug`
    # with GEOSERVICE_ENV=development turns it on, for the development server.
    app.debug = False
    app.config.update(
        API_TITLE="geoservice",
        API_VERSION=__version__,
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=int(settings.get("api.max_body_bytes", 1_000_000)),
        API_SPEC_OPTIONS={
            "info": {
                "description": (
                    "Which cultural activities can people in the Nièvre reach, how and how "
                    "fast. Coordinates are WGS 84 (EPSG:4326) longitude, latitude. Errors are "
                    "RFC 9457 application/problem+json documents."
                )
            }
        },
    )
    app.json = OrjsonProvider(app)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions[EXTENSION_KEY] = runtime
    app.extensions[contributions.STORE_EXTENSION_KEY] = contributions.contributions_state_from(
        settings, runtime, store
    )
    app.extensions[accounts.ACCOUNTS_EXTENSION_KEY] = accounts.accounts_state_from(settings)

    api = Api(app)
    # ``<any(geojson, png, html):fmt>`` path parameters are documented as enums.
    api.register_converter(AnyConverter, _any_converter_schema)
    api.register_blueprint(health.blp)
    for blp in _resource_blueprints():
        api.register_blueprint(blp, url_prefix=API_PREFIX + (blp.url_prefix or ""))
    for blp in _root_blueprints():
        api.register_blueprint(blp)
    app.register_blueprint(frontend.blp)

    install_middleware(
        app,
        cors_origins=tuple(settings.get("api.cors_origins", ())),
        tile_url=str(settings.get("frontend.tile_url", "") or ""),
    )
    proxy_hops = int(settings.get("api.proxy_hops", 0))
    if proxy_hops > 0:
        # Behind that many trusted reverse proxies, the client address (per-IP rate limits of
        # anonymous posts, request logs) is read from X-Forwarded-For; never without them, or
        # any client could pick a fresh address per request.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxy_hops, x_proto=proxy_hops, x_host=proxy_hops
        )
    app.before_request(check_json_body)
    app.register_error_handler(GeoserviceError, handle_geoservice_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected_error)
    return app


def _any_converter_schema(converter: AnyConverter) -> dict[str, Any]:
    return {"type": "string", "enum": sorted(converter.items)}


def _resource_blueprints() -> list[flask_smorest.Blueprint]:
    """The /api/v1 resources, one blueprint each."""
    return [
        communes.blp,
        impact.blp,
        impact_map.blp,
        offers.blp,
        contributions.blp,
        event_calendar.blp,
        my_offers.blp,
        claims.blp,
        accounts.blp,
        isochrones.blp,
        transit.blp,
        reachable.blp,
        accessibility.blp,
        maps.blp,
        trips.blp,
        matrix.blp,
        route.blp,
        coverage.blp,
        projects.blp,
        project_matches.blp,
        rides.blp,
    ]


def _root_blueprints() -> list[flask_smorest.Blueprint]:
    """Blueprints mounted at their own prefix (the openrouteservice URL scheme, /ors/v2)."""
    return [isochrones.ors_blp, ors_routing.ors_routing_blp]
