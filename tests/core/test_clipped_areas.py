"""Area of a polygon inside triangulated parts (census border cells): equals GEOS overlays."""

from __future__ import annotations

import numpy as np
import shapely

from geoservice.core.cell_areas import oriented_rings
from geoservice.core.clipped_areas import areas_in_parts, triangles_of


def test_areas_inside_parts_equal_the_overlay() -> None:
    rng = np.random.default_rng(3)
    # A non-convex band with a hole, and a second part: a MultiPolygon.
    star = shapely.Polygon(
        [
            (5000 + r * np.cos(a), 5000 + r * np.sin(a))
            for a, r in zip(
                np.linspace(0, 2 * np.pi, 40, endpoint=False),
                rng.uniform(1500, 4500, 40),
                strict=True,
            )
        ]
    )
    band = shapely.MultiPolygon(
        [star.difference(shapely.Point(5000, 5000).buffer(800)), shapely.box(9200, 0, 9900, 900)]
    )
    x, y, offsets = oriented_rings(band)
    # Parts: non-convex pieces of 1 km cells (one with a hole, one in two pieces).
    territory = shapely.Point(4300, 4700).buffer(3900).difference(shapely.box(2000, 0, 2300, 10000))
    territory = territory.difference(shapely.Point(3500, 3500).buffer(200))
    cells = shapely.box(*np.array([[i * 1000, j * 1000, i * 1000 + 1000, j * 1000 + 1000]
                                   for i in range(10) for j in range(10)]).T)  # fmt: skip
    parts = shapely.intersection(cells, territory)
    keep = ~shapely.is_empty(parts) & (shapely.area(parts) < 1e6 - 1e-6)
    parts, cells = parts[keep], cells[keep]
    assert len(parts) > 10
    triangles, tri_offsets = triangles_of(parts)
    got = areas_in_parts(
        x,
        y,
        offsets,
        np.ascontiguousarray(shapely.bounds(cells)),
        triangles,
        tri_offsets[:-1],
        tri_offsets[1:],
    )
    expected = shapely.area(shapely.intersection(parts, band))
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-6)
    assert (expected > 0).sum() > 5
    assert (expected < shapely.area(parts) - 1).sum() > 5
