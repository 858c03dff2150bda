"""``geoservice network fetch``: an OpenStreetMap road network saved as GraphML."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import osmnx as ox

from geoservice.errors import InvalidParameterError
from geoservice.io import osm


@contextmanager
def _osmnx_progress() -> Iterator[None]:
    """Let osmnx print its progress lines (requests, pauses, graph sizes) while downloading."""
    before = ox.settings.log_console
    ox.settings.log_console = True
    try:
        yield
    finally:
        ox.settings.log_console = before


def cmd_network_fetch(args: argparse.Namespace) -> int:
    """Read a local OSM file or download a place / polygon, then save the graph."""
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
