"""The web page at ``/``: a French single page over the API, with Leaflet from npm.

The page is plain HTML, CSS and ES modules in ``geoservice/web/static`` (no build step).
Leaflet is installed by ``make install`` (``npm ci``) and served from
``<vendor_dir>/leaflet/dist`` at ``/vendor/leaflet/``. Everything the page needs to know
about the configuration (tile server, themes) is written into ``data-*`` attributes of the
page, so there is no inline script (the Content-Security-Policy forbids them).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, render_template, send_from_directory

from geoservice.core.offers import ThemeConfig
from geoservice.errors import NotFoundError
from geoservice.settings import Settings
from geoservice.web.context import get_runtime

STATIC_DIR = Path(__file__).parent / "static"
#: Sub-folder of the npm package served at /vendor/leaflet/.
LEAFLET_DIST = Path("leaflet") / "dist"

blp = Blueprint(
    "frontend",
    __name__,
    static_folder="static",
    static_url_path="/static",
    template_folder="templates",
)


@dataclass(frozen=True)
class FrontendConfig:
    """The ``[frontend]`` table.

    Attributes
    ----------
    tile_url
        XYZ tile URL template (``{z}/{x}/{y}``); empty: no tile layer, the page works offline.
    tile_attribution
        Attribution shown with the tiles.
    vendor_dir
        Folder where npm installs the browser libraries (``node_modules``), absolute.
    center_lonlat
        Initial map centre, degrees (EPSG:4326).
    zoom
        Initial zoom level.
    """

    tile_url: str
    tile_attribution: str
    vendor_dir: Path
    center_lonlat: tuple[float, float]
    zoom: int

    @classmethod
    def from_settings(cls, settings: Settings) -> FrontendConfig:
        """Read ``[frontend]`` (defaults: no tiles, ``node_modules``, centre of the Nièvre)."""
        t = settings.section("frontend")
        center = t.get("center", (3.5, 47.1))
        return cls(
            tile_url=str(t.get("tile_url", "")),
            tile_attribution=str(t.get("tile_attribution", "")),
            vendor_dir=settings.path("frontend.vendor_dir")
            if "vendor_dir" in t
            else (settings.root / "node_modules").resolve(),
            center_lonlat=(float(center[0]), float(center[1])),
            zoom=int(t.get("zoom", 9)),
        )


def page_data(settings: Settings) -> dict[str, str]:
    """The ``data-*`` attributes of the page body (strings; JSON for structured values)."""
    config = FrontendConfig.from_settings(settings)
    themes = ThemeConfig.from_section(settings.section("themes"))
    theme_items = [{"id": t, "label": themes.labels.get(t, t)} for t in themes.vocabulary]
    return {
        "tile-url": config.tile_url,
        "tile-attribution": config.tile_attribution,
        "center": json.dumps(list(config.center_lonlat)),
        "zoom": str(config.zoom),
        "themes": json.dumps(theme_items, ensure_ascii=False),
    }


@blp.route("/")
def index() -> str:
    """The single page (French)."""
    data: Mapping[str, Any] = page_data(get_runtime().settings)
    return render_template("index.html", data=data)


@blp.route("/vendor/leaflet/<path:filename>")
def leaflet(filename: str) -> Response:
    """Leaflet's ``dist`` folder as installed by npm."""
    config = FrontendConfig.from_settings(get_runtime().settings)
    folder = config.vendor_dir / LEAFLET_DIST
    if not folder.is_dir():
        msg = (
            f"Leaflet is not installed ({config.vendor_dir.name}/{LEAFLET_DIST.as_posix()} "
            "is missing): run `make install` (npm ci)"
        )
        raise NotFoundError(msg)
    return send_from_directory(folder, filename, max_age=3600)
