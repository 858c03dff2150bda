"""``geoservice data build``: the derived files of ``data/`` from the raw published sources."""

from __future__ import annotations

import argparse

from geoservice.cli.options import settings_from_args
from geoservice.io.build import build_data


def cmd_data_build(args: argparse.Namespace) -> int:
    """Run every build step and write ``MANIFEST.json``."""
    build_data(settings_from_args(args))
    return 0
