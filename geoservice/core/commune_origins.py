"""Where a commune's inhabitants start from: its town hall, else a point of its polygon.

Every answer that turns a commune into an origin — reachable offers and transit from a
commune, the accessibility tables, underserved communes, suggestions, scenarios, maps and the
web page (through ``GET /api/v1/communes``) — takes the point from :func:`commune_origins`
or :func:`commune_origins_m`, so they all start from the same place.

The point is chosen by ``geoservice data build`` (step ``territory``) and stored in the
communes file as ``origin_lon`` / ``origin_lat`` (EPSG:4326) and ``origin_source``:
``town_hall`` when the commune's town hall lies inside its polygon (within a small
tolerance), ``representative_point`` otherwise (a point guaranteed inside the polygon,
computed in EPSG:2154). A frame without those columns (a commune table built by hand) gets
the representative point, the same rule the build applies when no town hall fits.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from geoservice.core.snapping import METRIC_CRS, SERVICE_CRS
from geoservice.errors import DataError

FloatArray = npt.NDArray[np.float64]

#: Columns of the communes file that hold the origin.
ORIGIN_COLUMNS = ("origin_lon", "origin_lat", "origin_source")
#: Values of ``origin_source``.
TOWN_HALL = "town_hall"
REPRESENTATIVE_POINT = "representative_point"
ORIGIN_SOURCES = (TOWN_HALL, REPRESENTATIVE_POINT)


def representative_points(communes: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """A point inside each commune polygon, computed in EPSG:2154 (returned in EPSG:2154)."""
    if communes.crs is None:
        raise DataError("the commune frame has no CRS: refusing to guess")
    return communes.geometry.to_crs(METRIC_CRS).representative_point()


def commune_origins(communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The origin point of each commune, in frame order.

    Parameters
    ----------
    communes
        Commune polygons with a CRS; ``origin_lon``, ``origin_lat`` (EPSG:4326) and
        ``origin_source`` when built by ``geoservice data build``.

    Returns
    -------
    GeoDataFrame
        Same index as `communes`: ``source`` (one of :data:`ORIGIN_SOURCES`) and the point,
        EPSG:4326.
    """
    if communes.crs is None:
        raise DataError("the commune frame has no CRS: refusing to guess")
    if all(c in communes.columns for c in ORIGIN_COLUMNS):
        lon = pd.to_numeric(communes["origin_lon"]).to_numpy(dtype=np.float64)
        lat = pd.to_numeric(communes["origin_lat"]).to_numpy(dtype=np.float64)
        if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
            raise DataError("some communes have no origin point: rebuild with `data build`")
        sources = communes["origin_source"].astype(str)
        unknown = sorted(set(sources) - set(ORIGIN_SOURCES))
        if unknown:
            raise DataError(f"unknown origin_source {unknown}; allowed: {list(ORIGIN_SOURCES)}")
        return gpd.GeoDataFrame(
            {"source": sources.to_numpy()},
            geometry=gpd.points_from_xy(lon, lat),
            index=communes.index,
            crs=SERVICE_CRS,
        )
    points = representative_points(communes).to_crs(SERVICE_CRS)
    return gpd.GeoDataFrame(
        {"source": REPRESENTATIVE_POINT},
        geometry=points.to_numpy(),
        index=communes.index,
        crs=SERVICE_CRS,
    )


def commune_origins_m(communes: gpd.GeoDataFrame) -> tuple[FloatArray, FloatArray]:
    """The origin of each commune (:func:`commune_origins`), EPSG:2154 x and y in metres."""
    points = commune_origins(communes).to_crs(METRIC_CRS).geometry
    return (
        np.asarray(points.x.to_numpy(), dtype=np.float64),
        np.asarray(points.y.to_numpy(), dtype=np.float64),
    )
