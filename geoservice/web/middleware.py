"""Cross-cutting HTTP behaviour: request logs, security headers, CORS on the API."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from urllib.parse import urlsplit

from flask import Flask, Response, g, request

logger = logging.getLogger("geoservice.requests")

#: Served on every response. The page loads its scripts and styles from this origin only.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def content_security_policy(tile_url: str = "") -> str:
    """The page's CSP: everything from this origin; images also from the tile host of
    `tile_url` (``[frontend] tile_url``), and from nowhere else, so that an image smuggled
    into the page by data could not call an outside host."""
    images = ["'self'"]
    parts = urlsplit(tile_url.replace("{s}", "*"))  # Leaflet's subdomains: a wildcard
    if parts.scheme in {"http", "https"} and parts.hostname:
        images.append(f"{parts.scheme}://{parts.netloc}")
    return (
        f"default-src 'self'; img-src {' '.join(images)}; style-src 'self'; "
        "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
    )


def install_middleware(app: Flask, *, cors_origins: Sequence[str], tile_url: str = "") -> None:
    """Add request logging, security headers and CORS (``/api/*`` and ``/ors/*`` only).

    Parameters
    ----------
    cors_origins
        Origins allowed to call the API from a browser; ``"*"`` allows any.
    tile_url
        URL template of the background tiles; its host is the only outside image source.
    """
    headers = {**SECURITY_HEADERS, "Content-Security-Policy": content_security_policy(tile_url)}
    allowed = tuple(cors_origins)

    @app.before_request
    def _start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _decorate(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        origin = request.headers.get("Origin")
        on_api = request.path.startswith(("/api/", "/ors/"))
        if origin and on_api and ("*" in allowed or origin in allowed):
            response.headers["Access-Control-Allow-Origin"] = "*" if "*" in allowed else origin
            response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, PATCH, DELETE, OPTIONS"
            response.headers["Vary"] = "Origin"
        started = g.get("request_started")
        duration_ms = (time.perf_counter() - started) * 1000 if started else None
        if duration_ms is not None:  # the application's own time (W3C Server Timing)
            response.headers["Server-Timing"] = f"app;dur={duration_ms:.2f}"
        if logger.isEnabledFor(logging.INFO):  # the JSON line is built only when written
            logger.info(
                json.dumps(
                    {
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": round(duration_ms, 2) if duration_ms is not None else None,
                        "remote": request.remote_addr,
                    }
                )
            )
        return response
