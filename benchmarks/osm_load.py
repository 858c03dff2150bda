"""Loading OSM road networks: our readers against ``osmnx.graph_from_xml``, same file, same run.

Run: ``.venv/bin/python benchmarks/osm_load.py``. Reads the real OSM XML export staged in
``../shared/data/raw/osm-fallback-not-nievre/`` (not Nièvre), converts it to PBF in a
temporary folder, times each reader (median of 7 runs after one warm-up) and writes the
figures to the "OSM network files" section of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import osmium
import osmnx as ox

from geoservice.io import osm
from geoservice.io.sources import verify_source
from geoservice.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "## OSM network files"
OSM_FILE = "osm-fallback-not-nievre/gretz-armainvilliers-77_map.osm"
RUNS = 7


def median_ms(build: Callable[[], nx.MultiDiGraph]) -> tuple[float, nx.MultiDiGraph]:
    G = build()  # warm-up
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        G = build()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, G


def write_section(lines: list[str]) -> None:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    section = "\n".join([SECTION, "", *lines]) + "\n"
    if SECTION in text:
        head, _, rest = text.partition(SECTION)
        _, sep, tail = rest.partition("\n## ")
        text = head + section + (("\n## " + tail) if sep else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOC.write_text(text, encoding="utf-8")


def main() -> None:
    raw_dir = load_settings(environ={}).raw_dir
    verify_source(raw_dir, OSM_FILE)
    xml = raw_dir / OSM_FILE
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        pbf = Path(tmp) / "gretz.osm.pbf"
        with osmium.SimpleWriter(str(pbf)) as writer:
            for obj in osmium.FileProcessor(str(xml)):
                writer.add(obj)
        ms, G = median_ms(lambda: ox.graph_from_xml(xml))
        rows.append(("baseline: `osmnx.graph_from_xml` (no way filter)", "XML", ms, G))
        for network_type in osm.NETWORK_TYPES:
            for kind, path in (("XML", xml), ("PBF", pbf)):
                ms, G = median_ms(
                    lambda p=path, t=network_type: osm.graph_from_osm_file(p, network_type=t)
                )
                rows.append((f"`graph_from_osm_file`, {network_type}", kind, ms, G))
        graphml = Path(tmp) / "gretz.graphml"
        osm.save_graph(osm.graph_from_osm_file(xml), graphml)
        ms, G = median_ms(lambda: osm.load_graph(graphml))
        rows.append(("`load_graph` of the saved drive graph", "GraphML", ms, G))
        sizes = {
            "XML": xml.stat().st_size,
            "PBF": pbf.stat().st_size,
            "GraphML": graphml.stat().st_size,
        }

    lines = [
        "Command: `.venv/bin/python benchmarks/osm_load.py` (median of "
        f"{RUNS} runs after a warm-up; Python {platform.python_version()}, osmnx "
        f"{ox.__version__}). Input: the real OSM export of Gretz-Armainvilliers (77) staged in "
        "`../shared/data/raw/osm-fallback-not-nievre/` (not Nièvre), converted to PBF with "
        "pyosmium for the PBF rows. The baseline builds every way of the file, buildings and "
        "land use included, as streets (largest component only).",
        "",
        "| reader | file | file size | nodes | edges | median |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, kind, ms, G in rows:
        lines.append(
            f"| {name} | {kind} | {sizes[kind] / 1000:,.0f} kB | {len(G)} | {len(G.edges)} | "
            f"{ms:.0f} ms |"
        )
    write_section(lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
