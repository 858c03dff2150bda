"""``make screenshot``: the README's picture of the page, taken by headless Chromium.

Usage: ``python -m tests.e2e.screenshot [OUT.png]`` (default ``docs/screenshot.png``).
The service is started in-process on a free localhost port with the embedded data.
"""

from __future__ import annotations

import sys
from pathlib import Path

from geoservice.settings import load_settings
from geoservice.web import create_app
from tests.e2e.browser import find_chromium, serve_app, take_screenshot


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "docs/screenshot.png")
    executable = find_chromium()
    if executable is None:
        print("chromium not found: install Debian's chromium (apt-get install chromium)")
        return 1
    app = create_app(load_settings())
    with serve_app(app) as base_url:
        take_screenshot(base_url, executable, out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
