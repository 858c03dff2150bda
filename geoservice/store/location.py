"""Where a posted offer is: a checked point and the commune containing it."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from geoservice.core.commune_origins import commune_origins
from geoservice.core.crs import METRIC_CRS, SERVICE_CRS, transformer
from geoservice.errors import InvalidParameterError, MissingColumnError, OutsideCoverageError


@dataclass(frozen=True)
class Coverage:
    """The communes and the area (département ± margin) posted points must fall in.

    Attributes
    ----------
    communes
        One row per commune, EPSG:2154, columns ``code``, ``name``, ``geometry`` and the
        commune's origin (:mod:`geoservice.core.commune_origins`: its town hall when it lies
        inside the commune, else a point of its polygon) as ``origin_lon``, ``origin_lat``
        (EPSG:4326) and ``origin_source``.
    area
        Union of the communes buffered by the margin, EPSG:2154, prepared for fast tests.
    margin_m
        The margin, metres.
    """

    communes: gpd.GeoDataFrame
    area: BaseGeometry
    margin_m: float


@dataclass(frozen=True)
class ResolvedLocation:
    """A posted location: point (EPSG:4326), the commune containing it if any, and whether
    the point was given (``point``) or is the commune's origin (``commune``: its town hall
    when that lies inside the commune, else a point of its polygon)."""

    lon: float
    lat: float
    commune_code: str | None
    located_by: str = "point"


def coverage_from_communes(communes: gpd.GeoDataFrame, margin_m: float) -> Coverage:
    """Build a :class:`Coverage` from commune polygons (any CRS, not none).

    Parameters
    ----------
    communes
        Columns ``code`` (INSEE) and ``name``, polygon geometries.
    margin_m
        Distance beyond the département still accepted, metres.
    """
    if communes.crs is None:
        raise InvalidParameterError("communes", "communes have no CRS")
    for column in ("code", "name"):
        if column not in communes.columns:
            raise MissingColumnError(f"communes lack the column {column!r}")
    origins = commune_origins(communes)
    projected = communes[["code", "name", "geometry"]].to_crs(2154).reset_index(drop=True)
    projected["code"] = projected["code"].astype(str)
    projected["origin_lon"] = origins.geometry.x.to_numpy()
    projected["origin_lat"] = origins.geometry.y.to_numpy()
    projected["origin_source"] = origins["source"].to_numpy()
    area = shapely.union_all(projected.geometry.values).buffer(margin_m)
    shapely.prepare(area)
    return Coverage(communes=projected, area=area, margin_m=margin_m)


def commune_point(coverage: Coverage, commune_code: str) -> ResolvedLocation:
    """The origin of commune `commune_code` (EPSG:4326): the point every commune answer starts
    from (its town hall when that lies inside the commune, else a point of its polygon)."""
    rows = coverage.communes[coverage.communes["code"] == commune_code]
    if rows.empty:
        raise InvalidParameterError("commune_code", f"no commune with INSEE code {commune_code!r}")
    lon, lat = float(rows["origin_lon"].iloc[0]), float(rows["origin_lat"].iloc[0])
    return ResolvedLocation(
        lon=round(lon, 6), lat=round(lat, 6), commune_code=commune_code, located_by="commune"
    )


def resolve_location(
    coverage: Coverage,
    *,
    lon: float | None = None,
    lat: float | None = None,
    commune_code: str | None = None,
) -> ResolvedLocation:
    """Check a posted point, or place an offer at its commune's origin (:func:`commune_point`).

    A point must lie in the département or within ``coverage.margin_m`` of it; its commune is
    the one containing it (``None`` in the margin outside). A commune code given with a point
    must be the point's commune.

    Raises
    ------
    OutsideCoverageError
        The point is too far from the département.
    InvalidParameterError
        Neither a point nor a commune, an unknown commune, or a point in another commune.
    """
    if lon is None or lat is None:
        if commune_code is None:
            raise InvalidParameterError("location", "give lon and lat, or commune_code")
        return commune_point(coverage, commune_code)
    x, y = transformer(SERVICE_CRS, METRIC_CRS).transform(lon, lat)
    point = shapely.Point(x, y)
    if not coverage.area.contains(point):
        distance_m = float(coverage.area.distance(point)) + coverage.margin_m
        msg = (
            f"point ({lon}, {lat}) is {distance_m / 1000:.1f} km outside the Nièvre "
            f"(accepted up to {coverage.margin_m / 1000:.1f} km)"
        )
        raise OutsideCoverageError(msg, field="location", distance_m=distance_m)
    hits = coverage.communes.sindex.query(point, predicate="intersects")
    found = str(coverage.communes["code"].iloc[int(hits[0])]) if len(hits) else None
    if commune_code is not None and commune_code != found:
        msg = f"point ({lon}, {lat}) is in commune {found!r}, not {commune_code!r}"
        raise InvalidParameterError("commune_code", msg)
    return ResolvedLocation(lon=lon, lat=lat, commune_code=found)
