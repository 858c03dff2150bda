"""``geoservice map``: thematic maps (PNG, HTML, GeoJSON) of times per commune and of isochrones."""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd

from geoservice.cli.options import settings_from_args
from geoservice.errors import DataError, InvalidParameterError
from geoservice.io.map_inputs import read_value_table, write_map_file
from geoservice.io.territory import load_communes
from geoservice.maps.choropleth import join_values
from geoservice.maps.config import MapConfig
from geoservice.maps.isochrones import isochrones_to_png
from geoservice.maps.render import render_accessibility_map, render_choropleth
from geoservice.runtime import load_runtime


def _map_format(output: Path) -> str:
    suffix = output.suffix.lower().lstrip(".")
    fmt = {"json": "geojson"}.get(suffix, suffix)
    if fmt not in ("png", "html", "geojson"):
        msg = f"cannot tell the map format from {output.name!r}"
        raise InvalidParameterError("output", msg, (".png", ".html", ".geojson"))
    return fmt


def cmd_map_choropleth(args: argparse.Namespace) -> int:
    """Join a table of commune code → time to the communes and draw it."""
    settings = settings_from_args(args)
    output = Path(args.output)
    fmt = _map_format(output)
    values = read_value_table(Path(args.input), args.column, code_col=args.code_column)
    if args.unit == "min":
        values[args.column] = values[args.column] * 60.0
    communes = load_communes(settings.data_dir)
    zones = join_values(communes, values, args.column, code_col=args.code_column)
    unmatched = len(set(values[args.code_column]) - set(zones[args.code_column].astype(str)))
    bins = [float(b) for b in args.bins.split(",")] if args.bins else None
    config = MapConfig.from_settings(settings)
    rendered = render_choropleth(
        zones,
        args.column,
        fmt,
        texts=config.texts(
            args.title or f"{args.column} par commune", subtitle=args.subtitle, note=args.note
        ),
        config=config,
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


def cmd_map_accessibility(args: argparse.Namespace) -> int:
    """Draw the accessibility table of a theme or category by a mode."""
    settings = settings_from_args(args)
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


def cmd_map_isochrones(args: argparse.Namespace) -> int:
    """Draw isochrone bands (a GeoJSON of the isochrone endpoint) over the communes."""
    settings = settings_from_args(args)
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
        load_communes(settings.data_dir),
        texts=config.texts(args.title or "Isochrones", subtitle=subtitle),
        size=config.image_size(),
        value_col=args.column,
        origins_lonlat=origins,
        frame=args.frame,
        palette=config.palette,
    )
    write_map_file(output, png)
    print(f"wrote {output} ({len(png):,} B): {len(bands)} band(s)")
    return 0
