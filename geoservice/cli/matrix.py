"""``geoservice matrix``: door-to-door travel times between places, to Parquet or CSV.

Runs on local processes or a Dask scheduler like ``geoservice accessibility compute``; each
worker loads the road network (and the timetable) itself with :func:`load_matrix_data`.
"""

from __future__ import annotations

import argparse
import functools
import sys
from datetime import datetime
from pathlib import Path

from tqdm import tqdm

from geoservice.analytics.executors import executor_from_options
from geoservice.analytics.matrix_batch import MatrixTask, matrix_frame, places_to_array
from geoservice.analytics.od_matrix import TRANSIT, MatrixOptions, PlaceResolver, check_destinations
from geoservice.core.network import RoadNetwork
from geoservice.core.reachable_offers import ReachableOffers
from geoservice.core.timetable import Timetable, transit_params_from_settings
from geoservice.core.timetable_build import timetable_from_tables
from geoservice.errors import InvalidParameterError
from geoservice.io.gtfs import read_gtfs_dir
from geoservice.io.network import load_road_network
from geoservice.io.offers import load_offers
from geoservice.io.places import read_places, write_matrix_table
from geoservice.io.territory import load_communes
from geoservice.settings import Settings, load_settings


def load_matrix_data(
    config_dir: str | None, data_dir: str | None, with_transit: bool
) -> tuple[RoadNetwork, Timetable | None]:
    """The road network and (if asked) the timetable, as a worker loads them."""

    settings = _settings(config_dir, data_dir)
    tt = None
    if with_transit:
        folder = settings.data_dir / str(settings.get("transit.out_subdir", "transit"))
        tt = timetable_from_tables(read_gtfs_dir(folder), transit_params_from_settings(settings))
    return load_road_network(settings), tt


def _settings(config_dir: str | None, data_dir: str | None) -> Settings:
    overrides = {"paths.data_dir": str(Path(data_dir).resolve())} if data_dir else {}
    return load_settings(Path(config_dir) if config_dir else None, overrides=overrides)


def cmd_matrix(args: argparse.Namespace) -> int:
    """Run ``geoservice matrix``."""

    settings = _settings(args.config_dir, args.data_dir)
    transit = args.mode == TRANSIT
    load = functools.partial(load_matrix_data, args.config_dir, args.data_dir, transit)
    network, _ = load()
    resolver = PlaceResolver(
        network,
        load_communes(settings.data_dir),
        ReachableOffers(network, load_offers(settings.data_dir), eager=False),
    )
    items_o = read_places(Path(args.origins), "origins")
    items_d = read_places(Path(args.destinations), "destinations")
    origins = [resolver.place(item, f"origins[{i}]") for i, item in enumerate(items_o)]
    dests = [resolver.place(item, f"destinations[{i}]") for i, item in enumerate(items_d)]
    limit_s = args.max_minutes * 60 if args.max_minutes else float("inf")
    options = MatrixOptions(mode=args.mode, limit_s=limit_s)
    if transit:
        if args.departure is None:
            raise InvalidParameterError("departure", "mode transit needs --departure")
        moment = datetime.fromisoformat(args.departure)
        options = MatrixOptions(
            mode=TRANSIT,
            limit_s=limit_s,
            access_mode=args.access_mode,
            day=moment.date(),
            start_s=moment.hour * 3600 + moment.minute * 60 + moment.second,
            window_minutes=args.window_minutes,
            statistic=args.statistic,
        )
    check_destinations(network, dests, options)
    task = MatrixTask(load, options, places_to_array(origins), places_to_array(dests))
    task._state = None if args.scheduler or (args.workers or 2) > 1 else task.prepared()
    executor = executor_from_options(args.scheduler, args.workers, timeout_s=args.scheduler_timeout)
    with tqdm(total=len(origins), unit="origin", desc="matrix", file=sys.stderr) as bar:
        frame = matrix_frame(task, origins, dests, executor, progress=bar.update)
    path = write_matrix_table(frame, Path(args.output))
    reached = int(frame["travel_time_s"].notna().sum())
    print(f"wrote {path} ({len(frame):,} pairs, {reached:,} reached)")
    return 0
