"""Options shared by the ``geoservice`` sub-commands: where the configuration and data are."""

from __future__ import annotations

import argparse
from pathlib import Path

from geoservice.settings import Settings, load_settings


def settings_from_args(args: argparse.Namespace) -> Settings:
    """The settings of ``--config-dir``, with ``--raw-dir`` / ``--data-dir`` when given."""
    overrides: dict[str, object] = {}
    if getattr(args, "raw_dir", None):
        overrides["paths.raw_dir"] = str(Path(args.raw_dir).resolve())
    if getattr(args, "data_dir", None):
        overrides["paths.data_dir"] = str(Path(args.data_dir).resolve())
    return load_settings(Path(args.config_dir) if args.config_dir else None, overrides=overrides)
