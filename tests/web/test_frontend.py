"""The page at / and its static files (no browser: see tests/e2e for that)."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from geoservice.runtime import Runtime
from geoservice.web import create_app
from geoservice.web.frontend import STATIC_DIR, FrontendConfig


class _Collector(HTMLParser):
    """Tags and attributes of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.script_text.append(data)


def _parse(html: str) -> _Collector:
    c = _Collector()
    c.feed(html)
    return c


def test_page_is_french_and_has_no_inline_script_or_style(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    page = _parse(response.get_data(as_text=True))
    html = next(attrs for tag, attrs in page.tags if tag == "html")
    assert html["lang"] == "fr"
    scripts = [attrs for tag, attrs in page.tags if tag == "script"]
    assert scripts
    assert all((s.get("src") or "").startswith("/static/") for s in scripts)
    assert page.script_text == []  # the CSP would block inline code
    assert not [tag for tag, _ in page.tags if tag == "style"]
    assert not [tag for tag, attrs in page.tags if "style" in attrs]
    assert not [a for _, attrs in page.tags for a in attrs if a.startswith("on")]


def test_every_form_control_has_a_label(client: FlaskClient) -> None:
    page = _parse(client.get("/").get_data(as_text=True))
    labelled = {attrs["for"] for tag, attrs in page.tags if tag == "label" and attrs.get("for")}
    controls = [
        attrs
        for tag, attrs in page.tags
        if tag in {"input", "select", "textarea"} and attrs.get("type") != "hidden"
    ]
    assert controls
    unlabelled = [c.get("id") for c in controls if c.get("id") not in labelled]
    assert unlabelled == []


def test_page_carries_the_configuration(client: FlaskClient) -> None:
    page = _parse(client.get("/").get_data(as_text=True))
    body = next(attrs for tag, attrs in page.tags if tag == "body")
    assert body["data-tile-url"] == ""  # no tiles by default: the page works offline
    themes = json.loads(body["data-themes"] or "")
    assert {"id": "cinema", "label": "Cinéma, audiovisuel"} in themes
    assert json.loads(body["data-center"] or "") == [3.5, 47.1]


def test_tile_url_from_configuration(runtime: Runtime) -> None:
    url = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    settings = runtime.settings.with_overrides({"frontend.tile_url": url})
    app = create_app(runtime=Runtime(**{**runtime.__dict__, "settings": settings}))
    page = _parse(app.test_client().get("/").get_data(as_text=True))
    body = next(attrs for tag, attrs in page.tags if tag == "body")
    assert body["data-tile-url"] == url


@pytest.mark.parametrize(
    ("path", "mimetype"),
    [
        ("/static/js/main.js", "text/javascript"),
        ("/static/css/app.css", "text/css"),
        ("/static/favicon.svg", "image/svg+xml"),
    ],
)
def test_static_files(client: FlaskClient, path: str, mimetype: str) -> None:
    with client.get(path) as response:  # a file response: close it
        assert response.status_code == 200
        assert response.mimetype == mimetype
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_every_module_imported_by_the_page_exists(client: FlaskClient) -> None:
    """Relative ES-module imports resolve to files that the service serves."""
    js_dir = STATIC_DIR / "js"
    for module in js_dir.glob("*.js"):
        for line in module.read_text(encoding="utf-8").splitlines():
            if line.startswith("import ") and ' from "./' in line:
                target = line.split(' from "./')[1].split('"')[0]
                assert (js_dir / target).is_file(), f"{module.name} imports missing {target}"
                with client.get(f"/static/js/{target}") as response:
                    assert response.status_code == 200


def test_leaflet_is_served_from_npm(client: FlaskClient, runtime: Runtime) -> None:
    vendor = FrontendConfig.from_settings(runtime.settings).vendor_dir
    assert (vendor / "leaflet" / "package.json").is_file(), "run `make install` (npm ci)"
    version = json.loads((vendor / "leaflet" / "package.json").read_text())["version"]
    lock = json.loads((runtime.settings.root / "package-lock.json").read_text())
    assert version == lock["packages"]["node_modules/leaflet"]["version"]
    for name, mimetype in [("leaflet-src.esm.js", "text/javascript"), ("leaflet.css", "text/css")]:
        with client.get(f"/vendor/leaflet/{name}") as response:
            assert response.status_code == 200
            assert response.mimetype == mimetype


def test_missing_leaflet_is_a_problem_saying_what_to_run(runtime: Runtime, tmp_path: Path) -> None:
    settings = runtime.settings.with_overrides({"frontend.vendor_dir": str(tmp_path)})
    app = create_app(runtime=Runtime(**{**runtime.__dict__, "settings": settings}))
    response = app.test_client().get("/vendor/leaflet/leaflet.css")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert "make install" in response.get_json()["detail"]
    assert str(tmp_path) not in response.get_json()["detail"]  # no server path leaked
