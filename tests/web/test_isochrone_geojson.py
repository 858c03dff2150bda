"""The GeoJSON geometry of an isochrone band: rounded to 6 decimals, the same document as
shapely's GeoJSON of the rounded geometry."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from geoservice.web.isochrone_collection import polygon_geojson, polygons_geojson


def _reference(geometry: shapely.Geometry) -> dict[str, object]:
    rounded = shapely.transform(geometry, lambda xy: np.round(xy, 6))
    document: dict[str, object] = json.loads(shapely.to_geojson(rounded))
    return document


_DISK = shapely.Point(3.1597123456, 46.9896987654).buffer(0.3, quad_segs=50)
_HOLED = _DISK.difference(shapely.Point(3.16, 46.99).buffer(0.05))
_OTHER = shapely.Point(4.5, 47.0).buffer(0.2).difference(shapely.Point(4.5, 47.0).buffer(0.01))


_GEOMETRIES = [
    _DISK,
    _HOLED,
    shapely.MultiPolygon([_HOLED, _OTHER]),
    shapely.Polygon(),
    shapely.MultiPolygon(),
    shapely.GeometryCollection([_DISK]),
]


@pytest.mark.parametrize(
    "geometry",
    _GEOMETRIES,
    ids=["polygon", "holes", "multipolygon", "empty", "empty-multi", "collection"],
)
def test_band_geometry_is_shapely_geojson_rounded(geometry: shapely.Geometry) -> None:
    document = polygon_geojson(geometry)
    assert document == _reference(geometry)
    coords = shapely.get_coordinates(shapely.from_geojson(json.dumps(document)))
    assert np.array_equal(coords, np.round(coords, 6))


def test_bands_written_together_are_each_band_alone() -> None:
    """The bands of an answer are written in one pass: mixed kinds, empty ones between,
    each document the one of the band alone, in order."""
    bands = [*_GEOMETRIES, _DISK, shapely.MultiPolygon([_OTHER, _DISK]), _HOLED]
    assert polygons_geojson(bands) == [_reference(g) for g in bands]
    assert polygons_geojson([]) == []
    # Only polygons without holes (the usual bands): the short way, the same documents.
    plain = [_DISK, shapely.Point(4.5, 47.0).buffer(0.2), _DISK]
    assert polygons_geojson(plain) == [_reference(g) for g in plain]
