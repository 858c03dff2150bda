"""The arguments of every ``geoservice`` sub-command.

Each leaf parser names its command as ``handler=(module, function)``: the function of
``geoservice.cli.<module>`` that runs it (see :func:`geoservice.cli.main`).
"""

from __future__ import annotations

import argparse
from typing import Any

from geoservice.core.network import MODES
from geoservice.store.config import ROLES


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


def add_data_parser(sub: Any) -> None:
    """Add ``data build`` to the sub-command parsers `sub`."""
    data = sub.add_parser("data", help="derived data files").add_subparsers(
        dest="data_command", required=True
    )
    build = data.add_parser("build", help="build data/ from the raw published sources")
    build.add_argument("--raw-dir", help="raw sources folder (default: paths.raw_dir)")
    build.add_argument("--data-dir", help="output folder (default: paths.data_dir)")
    build.set_defaults(handler=("data", "cmd_data_build"))
    add_update_parsers(data, sub)


def add_network_parser(sub: Any) -> None:
    """Add ``network fetch`` to the sub-command parsers `sub`."""
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
    fetch.set_defaults(handler=("network", "cmd_network_fetch"))


def add_serve_parser(sub: Any) -> None:
    """Add ``serve`` to the sub-command parsers `sub`."""
    serve = sub.add_parser("serve", help="run the development server")
    serve.add_argument("--host", help="interface (default: server.host, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: server.port, 5000)")
    serve.add_argument("--data-dir", help="derived data folder (default: paths.data_dir)")
    serve.add_argument(
        "--debug",
        action="store_true",
        help="Werkzeug debugger and reloader; only with GEOSERVICE_ENV=development",
    )
    serve.set_defaults(handler=("serve", "cmd_serve"))


def add_map_parser(sub: Any) -> None:
    """Add ``map accessibility|choropleth|isochrones`` to the sub-command parsers `sub`."""
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
    acc.set_defaults(handler=("maps", "cmd_map_accessibility"))

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
    ch.set_defaults(handler=("maps", "cmd_map_choropleth"))

    iso = maps.add_parser("isochrones", help="draw isochrone bands (GeoJSON) over the communes")
    iso.add_argument("--input", required=True, help="FeatureCollection of bands (.geojson)")
    iso.add_argument("--column", default="value", help="band limit column, seconds (value)")
    iso.add_argument("-o", "--output", required=True, help="map.png")
    iso.add_argument("--title", help="map title")
    iso.add_argument("--subtitle", help="line under the title")
    iso.add_argument("--frame", choices=("bands", "communes"), default="bands")
    iso.add_argument("--data-dir", help="derived data folder (default: paths.data_dir)")
    iso.set_defaults(handler=("maps", "cmd_map_isochrones"))


def add_db_parser(sub: Any) -> None:
    """Add ``db upgrade`` to the sub-command parsers `sub`."""
    db = sub.add_parser("db", help="the offers database").add_subparsers(
        dest="db_command", required=True
    )
    upgrade = db.add_parser("upgrade", help="apply the Alembic migrations")
    upgrade.add_argument("revision", nargs="?", default="head", help="target (default: head)")
    upgrade.set_defaults(handler=("database", "cmd_db_upgrade"))


def add_users_parser(sub: Any) -> None:
    """Add ``users add|token|list`` to the sub-command parsers `sub`."""
    users = sub.add_parser("users", help="contributors, organisations, moderators").add_subparsers(
        dest="users_command", required=True
    )
    add = users.add_parser("add", help="create a user and print its API token once")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.set_defaults(handler=("database", "cmd_users_add"))
    token = users.add_parser("token", help="print a new API token for a user, or revoke all")
    token.add_argument("name")
    token.add_argument("--revoke", action="store_true", help="revoke every token of the user")
    token.set_defaults(handler=("database", "cmd_users_token"))
    users.add_parser("list", help="users, roles and active token counts").set_defaults(
        handler=("database", "cmd_users_list")
    )


def add_accessibility_parser(sub: Any) -> None:
    """Add ``accessibility compute`` to the sub-command parsers `sub`."""
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
    compute.set_defaults(handler=("accessibility", "cmd_accessibility_compute"))


def add_matrix_parser(sub: Any) -> None:
    """Register ``geoservice matrix`` on the command line's sub-parsers."""
    p = sub.add_parser("matrix", help="door-to-door travel times between places, to Parquet or CSV")
    p.add_argument("--origins", required=True, help="CSV (lon,lat | commune | offer) or JSON")
    p.add_argument("--destinations", required=True, help="same formats as --origins")
    p.add_argument("--mode", choices=[*MODES, "transit"], default="drive")
    p.add_argument("-o", "--output", required=True, help="out.parquet or out.csv")
    p.add_argument("--max-minutes", type=float, help="pairs longer than this are empty")
    p.add_argument("--departure", help="transit: first departure, ISO 8601 local time")
    p.add_argument("--window-minutes", type=int, default=1, help="transit: departure window")
    p.add_argument("--statistic", default="median", help="transit: best, median or pNN")
    p.add_argument("--access-mode", choices=MODES, default="walk", help="transit: to the stops")
    p.add_argument("--data-dir", help="derived data folder (default: paths.data_dir)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler (tcp://host:8786)")
    p.add_argument("--scheduler-timeout", type=float, default=30.0, metavar="SECONDS")
    p.add_argument("--workers", type=int, help="local processes (default: one per core; 1: serial)")
    p.set_defaults(handler=("matrix", "cmd_matrix"))


def add_update_parsers(data: Any, sub: Any) -> None:
    """Add ``data update`` to the `data` sub-parsers and ``agenda`` to the top level."""
    update = data.add_parser(
        "update", help="fetch the configured sources, rebuild, swap data/ atomically"
    )
    update.add_argument("--only", choices=("transit", "agenda", "osm"), help="one part only")
    update.add_argument("--dry-run", action="store_true", help="build and report, swap nothing")
    update.add_argument(
        "--source",
        action="append",
        metavar="ID=URL",
        help="download source ID from URL for this run (repeatable)",
    )
    update.add_argument(
        "--force", action="store_true", help="accept an update that removes most of the data"
    )
    update.add_argument("--json", action="store_true", help="print the report as JSON")
    update.add_argument("--data-dir", help="derived data folder (default: paths.data_dir)")
    update.add_argument("--raw-dir", help="raw sources folder (default: paths.raw_dir)")
    update.set_defaults(handler=("update", "cmd_data_update"))

    agenda = sub.add_parser("agenda", help="imported agendas").add_subparsers(
        dest="agenda_command", required=True
    )
    register = agenda.add_parser("register", help="register an organisation's .ics feed URL")
    register.add_argument("--organisation", required=True, help="user name (organisation role)")
    register.add_argument("--url", required=True, help="http(s) URL of the .ics feed")
    register.add_argument(
        "--licence",
        default="Licence Ouverte / Open Licence 2.0 (Etalab)",
        help="licence the organisation publishes its events under",
    )
    register.set_defaults(handler=("update", "cmd_agenda_register"))
    listing = agenda.add_parser("list", help="agenda sources and their last successful import")
    listing.add_argument("--data-dir", help="derived data folder (default: paths.data_dir)")
    listing.set_defaults(handler=("update", "cmd_agenda_list"))


def add_impact_parser(sub: Any) -> None:
    """Add ``impact snapshot`` to the sub-command parsers `sub`."""
    impact = sub.add_parser("impact", help="SEROI+ impact monitor").add_subparsers(
        dest="impact_command", required=True
    )
    snap = impact.add_parser(
        "snapshot",
        help="compute the impact indicators of a day and store them (replaces that day's)",
    )
    snap.add_argument("--date", help="YYYY-MM-DD (default: today, Europe/Paris)")
    snap.add_argument("--data-dir", help="derived data folder (default: paths.data_dir)")
    snap.set_defaults(handler=("impact", "cmd_impact_snapshot"))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(prog="geoservice", description="The geoservice command line.")
    parser.add_argument("--config-dir", help="folder of *.toml settings (default: config/)")
    sub = parser.add_subparsers(dest="command", required=True)
    add_data_parser(sub)
    add_network_parser(sub)
    add_serve_parser(sub)
    add_map_parser(sub)
    add_db_parser(sub)
    add_users_parser(sub)
    add_accessibility_parser(sub)
    add_matrix_parser(sub)
    add_impact_parser(sub)
    return parser
