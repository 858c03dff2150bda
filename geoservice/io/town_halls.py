"""Town-hall points (SOURCES.md §11) → each commune's origin, for the build step ``territory``.

A commune's origin is its town hall when the point lies inside the commune polygon or within
``[territory] town_hall_tolerance_m`` of it (EPSG:2154 distance to the generalised outline);
else the polygon's representative point, and the build reports the fallback with the distance
(:func:`origins_from_town_halls`). The chosen point is what every commune-based answer uses
(:mod:`geoservice.core.commune_origins`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geoservice.core.commune_origins import (
    ORIGIN_COLUMNS,
    REPRESENTATIVE_POINT,
    TOWN_HALL,
    representative_points,
)
from geoservice.core.snapping import METRIC_CRS, SERVICE_CRS
from geoservice.errors import DataError
from geoservice.io.build_steps import BuildContext, StepResult
from geoservice.io.sources import verify_source
from geoservice.settings import Settings

SRC_TOWN_HALLS = "town-halls/mairies-58.csv"
TOWN_HALL_COLUMNS = ("insee_code", "name", "lon", "lat", "address")
#: Default of ``[territory] town_hall_tolerance_m``.
DEFAULT_TOLERANCE_M = 100.0
#: Decimals of the stored origin (degrees, ≈ 0.1 m), as every coordinate of ``data/``.
ORIGIN_DECIMALS = 6


def read_town_halls(ctx: BuildContext, result: StepResult) -> gpd.GeoDataFrame:
    """The town-hall points (sha256 checked): ``insee_code``, ``name``, ``address``, EPSG:4326."""
    result.sources[SRC_TOWN_HALLS] = verify_source(ctx.raw_dir, SRC_TOWN_HALLS)
    table = pd.read_csv(ctx.raw_dir / SRC_TOWN_HALLS, dtype={"insee_code": str}, encoding="utf-8")
    missing = [c for c in TOWN_HALL_COLUMNS if c not in table.columns]
    if missing:
        raise DataError(f"{SRC_TOWN_HALLS} lacks the column(s) {missing}")
    if table["insee_code"].duplicated().any():
        dup = sorted(table.loc[table["insee_code"].duplicated(), "insee_code"])
        raise DataError(f"{SRC_TOWN_HALLS} has several rows for commune(s) {dup}")
    return gpd.GeoDataFrame(
        table[["insee_code", "name", "address"]],
        geometry=gpd.points_from_xy(table["lon"], table["lat"]),
        crs=SERVICE_CRS,
    )


def tolerance_from_settings(settings: Settings) -> float:
    """``[territory] town_hall_tolerance_m`` (metres, ≥ 0; default 100)."""
    value = float(settings.get("territory.town_hall_tolerance_m", DEFAULT_TOLERANCE_M))
    if not np.isfinite(value) or value < 0:
        raise DataError(f"territory.town_hall_tolerance_m must be ≥ 0 metres, not {value:g}")
    return value


def origins_from_town_halls(
    communes: gpd.GeoDataFrame,
    town_halls: gpd.GeoDataFrame,
    *,
    tolerance_m: float,
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Choose each commune's origin: its town hall if it fits the polygon, else a point of it.

    Parameters
    ----------
    communes
        ``code``, ``name`` and polygons, with a CRS.
    town_halls
        ``insee_code`` and points (from :func:`read_town_halls`).
    tolerance_m
        A town hall this close to its commune polygon (EPSG:2154 metres) still counts as
        inside: the outlines are generalised.

    Returns
    -------
    origins, fallbacks, kept
        `origins`: the columns :data:`~geoservice.core.commune_origins.ORIGIN_COLUMNS` in
        the order of `communes` (coordinates rounded to 6 decimals). `fallbacks`: one line per
        commune given its representative point, with the reason. `kept`: one line per town
        hall outside the polygon but within the tolerance.
    """
    polygons = communes.geometry.to_crs(METRIC_CRS).reset_index(drop=True)
    halls = town_halls.set_index("insee_code").geometry.to_crs(METRIC_CRS)
    codes = communes["code"].astype(str).tolist()
    names = communes["name"].astype(str).tolist()
    fallback_points = representative_points(communes).to_crs(SERVICE_CRS).reset_index(drop=True)
    lon = np.empty(len(codes))
    lat = np.empty(len(codes))
    source: list[str] = []
    fallbacks: list[str] = []
    kept: list[str] = []
    for i, code in enumerate(codes):
        label = f"commune {code} {names[i]}"
        if code not in halls.index:
            reason = f"{label}: no town-hall point in {SRC_TOWN_HALLS}"
        else:
            hall = halls.loc[code]
            distance_m = float(polygons.iloc[i].distance(hall))
            if distance_m <= tolerance_m:
                point = gpd.GeoSeries([hall], crs=METRIC_CRS).to_crs(SERVICE_CRS).iloc[0]
                lon[i], lat[i] = point.x, point.y
                source.append(TOWN_HALL)
                if distance_m > 0:
                    kept.append(
                        f"{label}: town hall {distance_m:,.0f} m outside the generalised "
                        f"outline, within the {tolerance_m:g} m tolerance: kept"
                    )
                continue
            reason = (
                f"{label}: town hall lies {distance_m:,.0f} m outside the commune polygon "
                f"(tolerance {tolerance_m:g} m)"
            )
        point = fallback_points.iloc[i]
        lon[i], lat[i] = point.x, point.y
        source.append(REPRESENTATIVE_POINT)
        fallbacks.append(f"{reason}; origin = the polygon's representative point")
    origins = pd.DataFrame(
        {
            "origin_lon": np.round(lon, ORIGIN_DECIMALS),
            "origin_lat": np.round(lat, ORIGIN_DECIMALS),
            "origin_source": source,
        },
        columns=list(ORIGIN_COLUMNS),
    )
    return origins, fallbacks, kept
