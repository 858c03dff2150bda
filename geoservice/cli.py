"""The ``geoservice`` command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geoservice.cli_update import add_update_parsers
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


def _map_communes(settings: Settings) -> Any:
    """The commune polygons of the derived data (``data/communes.geojson``)."""
    from geoservice.io.territory import load_communes

    return load_communes(settings.data_dir)


def _map_format(output: Path) -> str:
    suffix = output.suffix.lower().lstrip(".")
    fmt = {"json": "geojson"}.get(suffix, suffix)
    if fmt not in ("png", "html", "geojson"):
        msg = f"cannot tell the map format from {output.name!r}"
        raise InvalidParameterError("output", msg, (".png", ".html", ".geojson"))
    return fmt


def _cmd_map_choropleth(args: argparse.Namespace) -> int:
    from geoservice.io.map_inputs import read_value_table, write_map_file
    from geoservice.maps.choropleth import join_values
    from geoservice.maps.config import MapConfig
    from geoservice.maps.render import render_choropleth

    settings = _settings(args)
    output = Path(args.output)
    fmt = _map_format(output)
    values = read_value_table(Path(args.input), args.column, code_col=args.code_column)
    if args.unit == "min":
        values[args.column] = values[args.column] * 60.0
    communes = _map_communes(settings)
    zones = join_values(communes, values, args.column, code_col=args.code_column)
    unmatched = len(set(values[args.code_column]) - set(zones[args.code_column].astype(str)))
    bins = [float(b) for b in args.bins.split(",")] if args.bins else None
    rendered = render_choropleth(
        zones,
        args.column,
        fmt,
        config=MapConfig.from_settings(settings),
        title=args.title or f"{args.column} par commune",
        subtitle=args.subtitle,
        note=args.note,
        scheme=args.scheme,
        k=args.k,
        bins_minutes=bins,
        threshold_minutes=args.threshold_minutes,
    )
    write_map_file(output, rendered.content)
    print(
        f"wrote {output} ({len(rendered.content):,} B): {rendered.n_zones} communes, "
        f"{rendered.n_unreachable} without value (drawn as unreachable), "
        f"{rendered.n_underserved} underserved; {unmatched} input code(s) matched no commune"
    )
    return 0


def _cmd_map_accessibility(args: argparse.Namespace) -> int:
    from geoservice.errors import DataError
    from geoservice.io.map_inputs import write_map_file
    from geoservice.maps.config import MapConfig
    from geoservice.maps.render import render_accessibility_map
    from geoservice.runtime import load_runtime

    settings = _settings(args)
    output = Path(args.output)
    fmt = _map_format(output)
    runtime = load_runtime(settings)
    model = runtime.accessibility
    if model is None:
        raise DataError("no accessibility tables: run `geoservice accessibility compute`")
    target = model.target(args.theme, args.category)
    mode = model.check_mode(args.mode)
    rendered = render_accessibility_map(
        runtime.communes,
        model.commune_figures(target, mode),
        fmt,
        target_label=target.label(settings),
        mode=mode,
        network_limits=model.network_limits,
        config=MapConfig.from_settings(settings),
        title=args.title,
        scheme=args.scheme,
        k=args.k,
        bins_minutes=[float(b) for b in args.bins.split(",")] if args.bins else None,
        threshold_minutes=args.threshold_minutes,
    )
    write_map_file(output, rendered.content)
    print(
        f"wrote {output} ({len(rendered.content):,} B): {rendered.n_zones} communes, "
        f"{rendered.n_unreachable} unreachable, {rendered.n_underserved} underserved"
    )
    return 0


def _cmd_map_isochrones(args: argparse.Namespace) -> int:
    import geopandas as gpd

    from geoservice.io.map_inputs import write_map_file
    from geoservice.maps.config import MapConfig
    from geoservice.maps.isochrones import isochrones_to_png

    settings = _settings(args)
    output = Path(args.output)
    if output.suffix.lower() != ".png":
        raise InvalidParameterError("output", f"isochrone maps are PNG, got {output.name!r}")
    config = MapConfig.from_settings(settings)
    bands = gpd.read_file(args.input)
    if bands.crs is None:  # GeoJSON is WGS 84 by definition (RFC 7946)
        bands = bands.set_crs("EPSG:4326")
    # Origins and mode as the isochrone endpoint writes them (properties center, mode).
    origins: list[tuple[float, float]] = []
    if "center" in bands.columns:
        origins = sorted({(float(c[0]), float(c[1])) for c in bands["center"] if c is not None})
    subtitle = args.subtitle
    if subtitle is None and "mode" in bands.columns:
        subtitle = "Mode : " + ", ".join(sorted({str(m) for m in bands["mode"]}))
    png = isochrones_to_png(
        bands,
        _map_communes(settings),
        value_col=args.column,
        title=args.title or "Isochrones",
        subtitle=subtitle,
        origins_lonlat=origins,
        frame=args.frame,
        palette=config.palette,
        **config.render_options(),
    )
    write_map_file(output, png)
    print(f"wrote {output} ({len(png):,} B): {len(bands)} band(s)")
    return 0


def _add_class_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--title", help="map title")
    parser.add_argument(
        "--scheme",
        choices=("FisherJenks", "Quantiles", "EqualInterval", "UserDefined"),
        help="classification (default: maps.scheme)",
    )
    parser.add_argument("--k", type=int, help="number of classes (default: maps.k)")
    parser.add_argument("--bins", help="UserDefined upper bounds in minutes, e.g. 15,30,45,60")
    parser.add_argument(
        "--threshold-minutes",
        type=float,
        help="underserved above this time (default: maps.underserved_minutes)",
    )
    parser.add_argument("--data-dir", help="derived data folder (default: paths.data_dir)")


def _add_map_parsers(sub: Any) -> None:
    maps = sub.add_parser("map", help="thematic maps (PNG, HTML, GeoJSON)").add_subparsers(
        dest="map_command", required=True
    )
    acc = maps.add_parser(
        "accessibility",
        help="time to the nearest offer of a theme (or category) by a mode, per commune",
        description=(
            "Choropleth of the accessibility table (geoservice accessibility compute): time "
            "from each commune to the nearest offer of --theme or --category by --mode."
        ),
    )
    what = acc.add_mutually_exclusive_group(required=True)
    what.add_argument("--theme", help="theme id of config/themes.toml, e.g. cinema")
    what.add_argument("--category", help="offer category: museum, cinema, library, festival")
    acc.add_argument("--mode", default="drive", help="drive, bike, walk or transit (drive)")
    acc.add_argument("-o", "--output", required=True, help="map.png | map.html | map.geojson")
    _add_class_arguments(acc)
    acc.set_defaults(func=_cmd_map_accessibility)

    ch = maps.add_parser(
        "choropleth",
        help="map a table of commune code → time onto the communes",
        description=(
            "Join a CSV/GeoJSON table of commune code → time to the Nièvre communes and draw "
            "a choropleth. Communes without a value are drawn as unreachable."
        ),
    )
    ch.add_argument("--input", required=True, help="table: .csv or .geojson")
    ch.add_argument("--column", required=True, help="column of times (see --unit)")
    ch.add_argument("--code-column", default="code", help="commune INSEE code column (code)")
    ch.add_argument("--unit", choices=("s", "min"), default="s", help="unit of --column (s)")
    ch.add_argument("-o", "--output", required=True, help="map.png | map.html | map.geojson")
    ch.add_argument("--subtitle", help="line under the title")
    ch.add_argument("--note", help="line above the attribution (what the values are)")
    _add_class_arguments(ch)
    ch.set_defaults(func=_cmd_map_choropleth)

    iso = maps.add_parser("isochrones", help="draw isochrone bands (GeoJSON) over the communes")
    iso.add_argument("--input", required=True, help="FeatureCollection of bands (.geojson)")
    iso.add_argument("--column", default="value", help="band limit column, seconds (value)")
    iso.add_argument("-o", "--output", required=True, help="map.png")
    iso.add_argument("--title", help="map title")
    iso.add_argument("--subtitle", help="line under the title")
    iso.add_argument("--frame", choices=("bands", "communes"), default="bands")
    iso.add_argument("--data-dir", help="derived data folder (default: paths.data_dir)")
    iso.set_defaults(func=_cmd_map_isochrones)


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
    add_update_parsers(data, sub, _settings)

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

    _add_map_parsers(sub)
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
