"""The ``geoservice`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from geoservice.errors import GeoserviceError
from geoservice.settings import Settings, load_settings


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

    settings = _settings(args)
    app = create_app(settings)
    host = args.host or str(settings.get("server.host", "127.0.0.1"))
    port = args.port or int(settings.get("server.port", 5000))
    app.run(host=host, port=port, debug=False)
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

    serve = sub.add_parser("serve", help="run the development server")
    serve.add_argument("--host", help="interface (default: server.host, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: server.port, 5000)")
    serve.add_argument("--data-dir", help="derived data folder (default: paths.data_dir)")
    serve.set_defaults(func=_cmd_serve)
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
