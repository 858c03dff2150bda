"""``make screenshot``: the README's picture of the page, taken by headless Chromium.

Usage: ``python -m tests.e2e.screenshot [OUT.png]`` (default ``docs/screenshot.png``); also
writes ``screenshot-transit.png`` (a train journey from a village),
``screenshot-planner.png`` and ``screenshot-moderation.png`` (the moderation queue with an
offer edited since its approval, on a throw-away database) beside it.
The service is started in-process on a free localhost port with the embedded data.
"""

from __future__ import annotations

import sys
from pathlib import Path

from geoservice.settings import load_settings
from geoservice.web import create_app
from tests.e2e.browser import find_chromium, serve_app, take_screenshot
from tests.e2e.moderation_picture import take_moderation_picture
from tests.e2e.readme_pictures import take_planner_picture, take_transit_picture


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "docs/screenshot.png")
    executable = find_chromium()
    if executable is None:
        print("chromium not found: install Debian's chromium (apt-get install chromium)")
        return 1
    app = create_app(load_settings())
    with serve_app(app) as base_url:
        take_screenshot(base_url, executable, out)
        transit = take_transit_picture(
            base_url, executable, out.with_name("screenshot-transit.png")
        )
        planner = take_planner_picture(
            base_url, executable, out.with_name("screenshot-planner.png")
        )
    moderation = take_moderation_picture(
        app, executable, out.with_name("screenshot-moderation.png")
    )
    print(f"wrote {out}, {transit}, {planner}, {moderation}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
