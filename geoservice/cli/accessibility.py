"""``geoservice accessibility compute``: the commune / zone tables into ``data/accessibility/``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from geoservice.analytics.accessibility import TABLE_VERSION
from geoservice.analytics.accessibility_params import AccessibilityParams
from geoservice.analytics.batch import compute_accessibility
from geoservice.analytics.executors import executor_from_options
from geoservice.cli.options import settings_from_args
from geoservice.core.offers import ThemeConfig
from geoservice.core.timetable import transit_params_from_settings
from geoservice.core.timetable_build import timetable_from_tables
from geoservice.io.accessibility import (
    ACCESSIBILITY_DIR,
    inputs_fingerprint,
    write_accessibility_tables,
)
from geoservice.io.derived_data import read_transit_tables
from geoservice.io.network import load_road_network
from geoservice.io.offers import load_offers
from geoservice.io.territory import load_communes


def cmd_accessibility_compute(args: argparse.Namespace) -> int:
    """Compute every table (locally or on a Dask cluster) and write them with their fingerprint."""
    settings = settings_from_args(args)
    params = AccessibilityParams.from_section(settings.section("accessibility"))
    vocabulary = ThemeConfig.from_section(settings.section("themes")).vocabulary
    fingerprint, inputs = inputs_fingerprint(settings, TABLE_VERSION)
    communes = load_communes(settings.data_dir)
    offers = load_offers(settings.data_dir)
    network = load_road_network(settings)
    transit = None
    if "transit" in params.modes:
        tables = read_transit_tables(settings)
        if tables is not None:
            transit = timetable_from_tables(tables, transit_params_from_settings(settings))
    executor = executor_from_options(args.scheduler, args.workers, timeout_s=args.scheduler_timeout)
    total = len(communes) * len(params.modes)
    with tqdm(total=total, unit="origin", desc="accessibility", file=sys.stderr) as bar:
        result = compute_accessibility(
            network,
            communes,
            offers,
            vocabulary,
            params,
            executor=executor,
            progress=bar.update,
            fingerprint=fingerprint,
            transit=transit,
        )
    out_dir = Path(args.out_dir) if args.out_dir else settings.data_dir / ACCESSIBILITY_DIR
    for path in write_accessibility_tables(out_dir, result.frames(), fingerprint, inputs):
        print(f"wrote {path} ({path.stat().st_size:,} B)")
    print(f"inputs fingerprint {fingerprint}")
    return 0
