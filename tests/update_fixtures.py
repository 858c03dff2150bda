"""A loopback HTTP server for the ``data update`` tests, and a temporary copy of ``data/``.

It serves the staged SNCF TER zip, a copy of it whose service dates are shifted by 104 weeks
(made here, in a temporary folder), a broken zip, the staged OSM XML export, two hand-made
OpenAgenda pages and an .ics file (``tests/data/update/``). No test needs the internet.
"""

from __future__ import annotations

import http.server
import shutil
import threading
import urllib.parse
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from geoservice.settings import Settings
from tests.conftest import TEST_DATA

TER_ZIP = "sncf-ter-gtfs/export-ter-gtfs-last.zip"
#: A real OSM XML export (Gretz-Armainvilliers, 77; ../shared/data/raw/SOURCES.md §8).
OSM_XML = "osm-fallback-not-nievre/gretz-armainvilliers-77_map.osm"
SHIFT = timedelta(weeks=104)  # same weekdays
FIXTURES = TEST_DATA / "update"
OA_KEY = "test-key-not-secret"


def _shift_gtfs_date(text: str) -> str:
    day = date(int(text[:4]), int(text[4:6]), int(text[6:8])) + SHIFT
    return day.strftime("%Y%m%d")


def _shifted_zip(src: Path, dest: Path) -> None:
    """A copy of a GTFS zip whose calendar dates and feed_info dates are SHIFT later."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name in ("calendar_dates.txt", "calendar.txt", "feed_info.txt"):
                lines = data.decode("utf-8-sig").splitlines()
                header = lines[0].split(",")
                cols = [
                    i
                    for i, c in enumerate(header)
                    if c.strip()
                    in ("date", "start_date", "end_date", "feed_start_date", "feed_end_date")
                ]
                out = [lines[0]]
                for line in lines[1:]:
                    cells = line.split(",")
                    for i in cols:
                        if len(cells) > i and cells[i].strip().isdigit():
                            cells[i] = _shift_gtfs_date(cells[i].strip())
                    out.append(",".join(cells))
                data = ("\n".join(out) + "\n").encode()
            zout.writestr(name, data)


class _Handler(http.server.SimpleHTTPRequestHandler):
    requests_seen: list[str]

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self.requests_seen.append(self.path)
        parts = urllib.parse.urlsplit(self.path)
        if parts.path.startswith("/v2/agendas/424242/events"):
            query = urllib.parse.parse_qs(parts.query)
            if query.get("key") != [OA_KEY]:
                self.send_error(403)
                return
            page = "openagenda-page2.json" if "after[]" in query else "openagenda-page1.json"
            body = (FIXTURES / page).read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


@pytest.fixture(scope="module", name="server")
def server_fixture(
    raw_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, list[str]]]:
    """Base URL of a loopback server, and the request paths it saw."""
    www = tmp_path_factory.mktemp("www")
    shutil.copy(raw_dir / TER_ZIP, www / "ter.zip")
    _shifted_zip(raw_dir / TER_ZIP, www / "ter-later.zip")
    (www / "broken.zip").write_bytes(b"PK\x03\x04 this is not a complete zip file")
    shutil.copy(FIXTURES / "events.ics", www / "events.ics")
    shutil.copy(raw_dir / OSM_XML, www / "map.osm")
    seen: list[str] = []
    handler = type("Handler", (_Handler,), {"requests_seen": seen})
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), lambda *a: handler(*a, directory=str(www))
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(name="data_copy")
def data_copy_fixture(settings: Settings, tmp_path: Path) -> Settings:
    """Settings whose data_dir is a fresh copy of the committed data/."""
    dest = tmp_path / "data"
    shutil.copytree(settings.data_dir, dest)
    return settings.with_overrides(
        {
            "paths.data_dir": str(dest),
            "agendas.registry_file": str(tmp_path / "agenda-feeds.json"),
        }
    )


def agenda_settings(settings: Settings, base: str) -> Settings:
    return settings.with_overrides(
        {
            "agendas.openagenda_key": OA_KEY,
            "agendas.sources": [
                {
                    "id": "agenda-fictif",
                    "kind": "openagenda",
                    "uid": "424242",
                    "url": f"{base}/v2",
                    "licence": "Licence Ouverte v2.0 (fictive test agenda)",
                    "attribution": "Agenda fictif (OpenAgenda)",
                },
                {
                    "id": "ics-fictif",
                    "kind": "ical",
                    "url": f"{base}/events.ics",
                    "licence": "CC BY 4.0",
                    "attribution": "Association fictive",
                },
            ],
        }
    )
