"""The ``geoservice`` command line: one module per command group.

``data build`` (:mod:`.data`), ``data update`` and ``agenda`` (:mod:`.update`), ``network``
(:mod:`.network`), ``serve`` (:mod:`.serve`), ``map`` (:mod:`.maps`), ``db`` and ``users``
(:mod:`.database`), ``accessibility`` (:mod:`.accessibility`), ``matrix`` (:mod:`.matrix`);
their arguments are in :mod:`.parser`. The console script is
``geoservice = geoservice.cli:main``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence

from geoservice.cli.parser import build_parser
from geoservice.errors import GeoserviceError

__all__ = ["build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    args = build_parser().parse_args(argv)
    module_name, function_name = args.handler
    # Only the chosen command's module is imported (its own imports are at its top). Importing
    # every command module costs 5.6 s of CPU (the Flask app, osmnx with scikit-learn,
    # mapclassify) against 0.7 s for `geoservice.io.build` alone, measured with
    # `/usr/bin/time python -c "import geoservice.cli"` when they were all imported here: a
    # price `geoservice --help` and `geoservice data build` would pay for nothing.
    module = importlib.import_module(f"geoservice.cli.{module_name}")
    command: Callable[..., int] = getattr(module, function_name)
    try:
        status: int = command(args)
    except GeoserviceError as e:
        print(f"geoservice: error: {e}", file=sys.stderr)
        return 2
    return status
