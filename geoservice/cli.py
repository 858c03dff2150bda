"""The ``geoservice`` command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from geoservice.errors import GeoserviceError, InvalidParameterError
from geoservice.settings import Settings, load_settings
from geoservice.store.config import ROLES

if TYPE_CHECKING:
    from geoservice.store.db import Store

#: ``development`` allows ``geoservice serve --debug``; anything else (default
#: ``production``) refuses it.
ENVIRONMENT_VARIABLE = "GEOSERVICE_ENV"


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    if getattr(args, "raw_dir", None):
        overrides["paths.raw_dir"] = str(Path(args.raw_dir).resolve())
    if getattr(args, "data_dir", None):
        overrides["paths.data_dir"] = str(Path(args.data_dir).resolve())
    return load_settings(Path(args.config_dir) if args.config_dir else None, overrides=overrides)


def _cmd_data_build(args: argparse.Namespace) -> int:
    from geoservice.io.build import build_data

    build_data(_settings(args))
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from geoservice.web import create_app

    environment = os.environ.get(ENVIRONMENT_VARIABLE, "production")
    if args.debug and environment != "development":
        msg = (
            f"--debug runs the interactive Werkzeug debugger (remote code execution); it is "
            f"refused unless {ENVIRONMENT_VARIABLE}=development (now {environment!r})"
        )
        raise InvalidParameterError("--debug", msg)
    settings = _settings(args)
    app = create_app(settings)
    host = args.host or str(settings.get("server.host", "127.0.0.1"))
    port = args.port or int(settings.get("server.port", 5000))
    app.run(host=host, port=port, debug=bool(args.debug))
    return 0


def _open_store(args: argparse.Namespace, *, upgrade: bool) -> Store:
    from geoservice.store.config import store_config_from_settings
    from geoservice.store.db import open_store

    config = store_config_from_settings(_settings(args))
    return open_store(
        config.url, upgrade=upgrade, sqlite_busy_timeout_ms=config.sqlite_busy_timeout_ms
    )


def _cmd_db_upgrade(args: argparse.Namespace) -> int:
    from geoservice.store.db import database_revision, upgrade_database

    store = _open_store(args, upgrade=False)
    before = database_revision(store.engine)
    after = upgrade_database(store.engine, args.revision)
    print(f"database {store.engine.url.render_as_string(hide_password=True)}: {before} → {after}")
    return 0


def _cmd_users_add(args: argparse.Namespace) -> int:
    from geoservice.store.auth import add_user

    store = _open_store(args, upgrade=True)
    with store.write() as session:
        user, token = add_user(session, args.name, args.role)
        print(f"user {user.name!r} ({user.role}) created; its API token (shown only once):")
    print(token)
    return 0


def _cmd_users_token(args: argparse.Namespace) -> int:
    from geoservice.store.auth import find_user, issue_token, revoke_tokens

    store = _open_store(args, upgrade=True)
    with store.write() as session:
        user = find_user(session, args.name)
        if args.revoke:
            count = revoke_tokens(session, user)
            print(f"{count} token(s) of {user.name!r} revoked")
            return 0
        token = issue_token(session, user)
    print(token)
    return 0


def _cmd_users_list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from geoservice.store.models import User

    store = _open_store(args, upgrade=True)
    with store.read() as session:
        for user in session.scalars(select(User).order_by(User.name)):
            active = sum(1 for t in user.tokens if t.revoked_at is None)
            print(f"{user.name}\t{user.role}\t{active} active token(s)")
    return 0


def _cmd_accessibility_compute(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from geoservice.analytics.accessibility import TABLE_VERSION, AccessibilityParams
    from geoservice.analytics.batch import compute_accessibility
    from geoservice.analytics.executors import executor_from_options
    from geoservice.core.offers import ThemeConfig
    from geoservice.io.accessibility import (
        ACCESSIBILITY_DIR,
        inputs_fingerprint,
        write_accessibility_tables,
    )
    from geoservice.io.network import load_road_network
    from geoservice.io.offers import load_offers
    from geoservice.io.territory import load_communes

    settings = _settings(args)
    params = AccessibilityParams.from_section(settings.section("accessibility"))
    vocabulary = ThemeConfig.from_section(settings.section("themes")).vocabulary
    fingerprint, inputs = inputs_fingerprint(settings, TABLE_VERSION)
    communes = load_communes(settings.data_dir)
    offers = load_offers(settings.data_dir)
    network = load_road_network(settings)
    transit = None
    if "transit" in params.modes:
        from geoservice.core.timetable import timetable_from_tables, transit_params_from_settings
        from geoservice.io.gtfs import read_gtfs_dir

        folder = settings.data_dir / str(settings.get("transit.out_subdir", "transit"))
        if (folder / "stop_times.txt").is_file():
            tables = read_gtfs_dir(folder)
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


@contextmanager
def _osmnx_progress() -> Iterator[None]:
    """Let osmnx print its progress lines (requests, pauses, graph sizes) while downloading."""
    import osmnx as ox

    before = ox.settings.log_console
    ox.settings.log_console = True
    try:
        yield
    finally:
        ox.settings.log_console = before


def _cmd_network_fetch(args: argparse.Namespace) -> int:
    from geoservice.io import osm

    out = Path(args.output)
    if not out.name.lower().endswith(osm.GRAPHML_SUFFIXES):
        msg = f"the output must be a GraphML file, not {out.name!r}"
        raise InvalidParameterError("output", msg, allowed=osm.GRAPHML_SUFFIXES)
    network_type = osm.check_network_type(args.network_type)
    if args.osm_file:
        print(f"reading {args.osm_file} ({network_type} network)...", flush=True)
        G = osm.graph_from_osm_file(args.osm_file, network_type=network_type)
    elif args.polygon:
        polygon = osm.polygon_from_file(args.polygon)
        west, south, east, north = polygon.bounds
        print(
            f"downloading the {network_type} network inside {args.polygon} "
            f"({west:.4f}, {south:.4f}, {east:.4f}, {north:.4f}) from Overpass...",
            flush=True,
        )
        with _osmnx_progress():
            G = osm.graph_from_polygon(polygon, network_type=network_type)
    else:
        print(f"geocoding {args.place!r} and downloading its {network_type} network...", flush=True)
        with _osmnx_progress():
            G = osm.graph_from_place(args.place, network_type=network_type)
    for line in osm.iter_graph_summary(G):
        print(line, flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    osm.save_graph(G, out)
    print(f"saved {out}", flush=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(prog="geoservice", description=__doc__)
    parser.add_argument("--config-dir", help="folder of *.toml settings (default: config/)")
    sub = parser.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="derived data files").add_subparsers(
        dest="data_command", required=True
    )
    build = data.add_parser("build", help="build data/ from the raw published sources")
    build.add_argument("--raw-dir", help="raw sources folder (default: paths.raw_dir)")
    build.add_argument("--data-dir", help="output folder (default: paths.data_dir)")
    build.set_defaults(func=_cmd_data_build)

    network = sub.add_parser("network", help="road networks").add_subparsers(
        dest="network_command", required=True
    )
    fetch = network.add_parser(
        "fetch",
        help="build an OpenStreetMap road network (download or local file) and save it as GraphML",
    )
    source = fetch.add_mutually_exclusive_group(required=True)
    source.add_argument("--place", help='place name geocoded by Nominatim, e.g. "Nevers, France"')
    source.add_argument("--polygon", help="vector file (GeoJSON...) of the area to download")
    source.add_argument("--osm-file", help="local OSM file: .osm[.bz2|.gz] XML or .osm.pbf")
    fetch.add_argument(
        "--network-type",
        default="drive",
        help="drive, bike, walk or all: the osmnx way filter of that name (default: drive)",
    )
    fetch.add_argument(
        "-o", "--output", required=True, help="GraphML file to write, e.g. data/networks/x.graphml"
    )
    fetch.set_defaults(func=_cmd_network_fetch)

    serve = sub.add_parser("serve", help="run the development server")
    serve.add_argument("--host", help="interface (default: server.host, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: server.port, 5000)")
    serve.add_argument("--data-dir", help="derived data folder (default: paths.data_dir)")
    serve.add_argument(
        "--debug",
        action="store_true",
        help="Werkzeug debugger and reloader; only with GEOSERVICE_ENV=development",
    )
    serve.set_defaults(func=_cmd_serve)

    db = sub.add_parser("db", help="the offers database").add_subparsers(
        dest="db_command", required=True
    )
    upgrade = db.add_parser("upgrade", help="apply the Alembic migrations")
    upgrade.add_argument("revision", nargs="?", default="head", help="target (default: head)")
    upgrade.set_defaults(func=_cmd_db_upgrade)

    users = sub.add_parser("users", help="contributors, organisations, moderators").add_subparsers(
        dest="users_command", required=True
    )
    add = users.add_parser("add", help="create a user and print its API token once")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.set_defaults(func=_cmd_users_add)
    token = users.add_parser("token", help="print a new API token for a user, or revoke all")
    token.add_argument("name")
    token.add_argument("--revoke", action="store_true", help="revoke every token of the user")
    token.set_defaults(func=_cmd_users_token)
    users.add_parser("list", help="users, roles and active token counts").set_defaults(
        func=_cmd_users_list
    )

    access = sub.add_parser("accessibility", help="accessibility tables").add_subparsers(
        dest="accessibility_command", required=True
    )
    compute = access.add_parser(
        "compute", help="compute the commune/zone tables into data/accessibility/*.parquet"
    )
    compute.add_argument("--data-dir", help="derived data folder (default: paths.data_dir)")
    compute.add_argument("--out-dir", help="output folder (default: DATA_DIR/accessibility)")
    compute.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask distributed scheduler (tcp://host:8786); default: local processes",
    )
    compute.add_argument(
        "--scheduler-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="how long to try to reach the scheduler (default 30)",
    )
    compute.add_argument(
        "--workers", type=int, help="local worker processes (default: one per core; 1: serial)"
    )
    compute.set_defaults(func=_cmd_accessibility_compute)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.func(args)
    except GeoserviceError as e:
        print(f"geoservice: error: {e}", file=sys.stderr)
        return 2
    return status


if __name__ == "__main__":
    sys.exit(main())
