"""Seeded random points of the département, for the core tests."""

from __future__ import annotations

import numpy as np
import shapely

from geoservice.runtime import Runtime


def random_points(runtime: Runtime, n: int, seed: int) -> list[tuple[float, float]]:
    """`n` random points of the département (EPSG:2154), seeded."""
    dept = runtime.zones["departement"].to_crs("EPSG:2154").geometry.iloc[0]
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = dept.bounds
    out: list[tuple[float, float]] = []
    while len(out) < n:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shapely.contains_xy(dept, x, y):
            out.append((float(x), float(y)))
    return out
