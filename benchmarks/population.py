"""Population inside isochrone bands: census grid (ours) vs. commune area share (before).

Run: ``.venv/bin/python benchmarks/population.py`` (or ``make bench``). Writes its section of
``docs/benchmarks.md`` (between the ``population`` markers).

- *grid*: :meth:`geoservice.core.census_population.CensusGridPopulation.count_within` — the
  Census 2021 1 km cells inside the département, area-weighted, with the age split;
- *communes* (the baseline, same bands, same run): :class:`geoservice.core.population.
  PopulationIndex`, each commune's legal population × the share of its area in the band.
"""

from __future__ import annotations

import platform
import re
import statistics
import sys
import time
from pathlib import Path

import shapely

from geoservice.core.band_polygons import isochrone_bands
from geoservice.core.population import PopulationIndex
from geoservice.core.snapping import lambert93_from_wgs84
from geoservice.runtime import load_runtime
from geoservice.settings import load_settings

ORIGINS = {"58194": "Nevers", "58149": "Luzy", "58079": "Clamecy", "58062": "Château-Chinon"}
BUDGETS_MIN = (15, 30, 60)
MODES = ("drive", "walk")
REPEAT = 7
DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
START, END = "<!-- population:start -->", "<!-- population:end -->"


def median_ms(func: object, arg: shapely.Geometry) -> tuple[float, float]:
    """Median time (ms) of `func(arg)` over REPEAT calls, and its value."""
    samples: list[float] = []
    value = 0.0
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        value = func(arg)  # type: ignore[operator]
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples), float(value)


def main() -> int:
    runtime = load_runtime(load_settings())
    grid, network = runtime.population_grid, runtime.network
    if grid is None or network is None:
        print("no census grid or network: run `geoservice data build`", file=sys.stderr)
        return 1
    communes = PopulationIndex(runtime.communes)
    by_code = runtime.communes.set_index("code")
    rows: list[str] = []
    grid_ms: list[float] = []
    for code, name in ORIGINS.items():
        x, y = lambert93_from_wgs84(
            by_code.loc[code, "origin_lon"], by_code.loc[code, "origin_lat"]
        )
        for mode in MODES:
            budgets = [m * 60.0 for m in BUDGETS_MIN]
            for band in isochrone_bands(network.mode(mode), float(x), float(y), budgets):
                t_grid, p_grid = median_ms(grid.population_within, band.geometry)
                t_com, p_com = median_ms(communes.population_within, band.geometry)
                grid_ms.append(t_grid)
                diff = (p_grid - p_com) / p_com * 100 if p_com else float("nan")
                rows.append(
                    f"| {name} | {mode} | {band.value_s / 60:.0f} | "
                    f"{shapely.get_num_coordinates(band.geometry):,} | {p_grid:,.0f} | "
                    f"{p_com:,.0f} | {diff:+.1f} % | {t_grid:.2f} | {t_com:.2f} |"
                )
    section = "\n".join(
        [
            START,
            "## Population of isochrone bands (`benchmarks/population.py`)",
            "",
            "Command: `.venv/bin/python benchmarks/population.py` (also run by `make bench`).",
            "",
            f"Bands from each commune's origin (town hall); median of {REPEAT} calls per band. "
            f"Machine: {platform.machine()}, Python {platform.python_version()}, shared 2-core "
            "host (figures vary with its load).",
            "",
            "| origin | mode | min | band vertices | grid (ours) | communes (before) | "
            "grid − communes | grid ms | communes ms |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|",
            *rows,
            "",
            f"- Grid time per band: median {statistics.median(grid_ms):.2f} ms, "
            f"max {max(grid_ms):.2f} ms (issue #18 asks ≤ 1 ms: met only for small bands).",
            END,
        ]
    )
    text = DOC.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text + "\n" + section
    DOC.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
