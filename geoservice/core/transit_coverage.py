"""Transit coverage of the territory: who lives near a stop served on a given day.

For the planners (``GET /api/v1/coverage/transit``, ``docs/indicators.md``): per commune and
zone, the inhabitants with no served stop within 1 km and 2 km of where they live, and the
communes with no transit service on the day asked.

Method. Where people live: the Eurostat Census 2021 1 km grid cells cut by the commune
outlines (:meth:`geoservice.core.census_population.CensusGridPopulation.pieces_in`), each
piece's inhabitants placed at a point inside it. A stop is *served* on a day when a trip of the
timetable (on the service date that answers the day, see
:func:`geoservice.core.service_date.service_date_for`) calls at it. Distances are straight
lines (EPSG:2154) from the piece's point to the nearest served stop, so a 1 km grid cell is
counted by where its inside point lies (error up to ~0.7 km for a cell cut by nothing).
A commune has *transit service* on the day when a served stop lies inside its outline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geoservice.core.population import PopulationPieces
from geoservice.core.timetable import Timetable

#: Distances of the "no stop within" columns, metres.
RADII_M = (1000, 2000)
_CHUNK = 2048


def stops_served_on(tt: Timetable, service_day: date) -> npt.NDArray[np.bool_]:
    """Per stop of `tt`: does a trip running on `service_day` call at it?"""
    served = np.zeros(tt.n_stops, dtype=bool)
    for pattern, rows in zip(tt.patterns, tt.active_rows(service_day), strict=True):
        if any(rows):
            served[list(pattern.stops)] = True
    return served


def nearest_distance_m(
    x_m: npt.NDArray[np.float64],
    y_m: npt.NDArray[np.float64],
    stop_x_m: npt.NDArray[np.float64],
    stop_y_m: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Straight-line distance from each point to the nearest stop (``inf`` without stops)."""
    out = np.full(len(x_m), np.inf)
    if len(stop_x_m) == 0:
        return out
    for start in range(0, len(x_m), _CHUNK):
        sl = slice(start, start + _CHUNK)
        d = np.hypot(x_m[sl, None] - stop_x_m[None, :], y_m[sl, None] - stop_y_m[None, :])
        out[sl] = d.min(axis=1)
    return out


def commune_coverage(
    pieces: PopulationPieces,
    codes: Sequence[str],
    outlines_m: Sequence[shapely.Geometry],
    origins_m: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
    tt: Timetable,
    served: npt.NDArray[np.bool_],
) -> pd.DataFrame:
    """One row per commune: ``population`` (grid), ``population_no_stop_within_{r}m`` and
    ``share_no_stop_within_{r}m`` for each radius of :data:`RADII_M`, ``served_stops``
    (inside the outline), ``transit_service`` and ``nearest_served_stop_m`` (from the
    commune's origin)."""
    sx, sy = tt.stop_x[served], tt.stop_y[served]
    dist = nearest_distance_m(pieces.x_m, pieces.y_m, sx, sy)
    n = len(codes)
    population = np.bincount(pieces.polygon, weights=pieces.population, minlength=n)
    table: dict[str, object] = {"code": list(codes), "population": np.round(population)}
    for radius in RADII_M:
        far = np.bincount(pieces.polygon, weights=pieces.population * (dist > radius), minlength=n)
        table[f"population_no_stop_within_{radius}m"] = np.round(far)
        table[f"share_no_stop_within_{radius}m"] = np.round(
            np.divide(far, population, out=np.zeros(n), where=population > 0), 4
        )
    outlines = np.asarray(outlines_m, dtype=object)
    inside = np.zeros(n, dtype=np.int64)
    if len(sx):
        stops = np.asarray(shapely.points(sx, sy), dtype=object)
        poly_idx, _ = shapely.STRtree(stops).query(outlines, predicate="contains")
        inside = np.bincount(poly_idx, minlength=n)
    table["served_stops"] = inside
    table["transit_service"] = inside > 0
    ox, oy = origins_m
    table["nearest_served_stop_m"] = np.round(nearest_distance_m(ox, oy, sx, sy))
    return pd.DataFrame(table)


def zone_coverage(table: pd.DataFrame, zone_of: Mapping[str, str]) -> pd.DataFrame:
    """The commune rows of :func:`commune_coverage` summed per zone (`zone_of`: commune code
    → zone code): inhabitants and shares, communes, and communes without transit service
    with their inhabitants."""
    keyed = table.assign(
        zone_code=table["code"].map(zone_of),
        communes=1,
        communes_without_service=~table["transit_service"],
        population_in_communes_without_service=np.where(
            table["transit_service"], 0.0, table["population"]
        ),
    )
    columns = [
        "population",
        *(f"population_no_stop_within_{r}m" for r in RADII_M),
        "communes",
        "communes_without_service",
        "population_in_communes_without_service",
    ]
    out = keyed.groupby("zone_code", sort=True)[columns].sum().reset_index()
    people = out["population"].to_numpy(dtype=float)
    for radius in RADII_M:
        far = out[f"population_no_stop_within_{radius}m"].to_numpy(dtype=float)
        out[f"share_no_stop_within_{radius}m"] = np.round(
            np.divide(far, people, out=np.zeros(len(out)), where=people > 0), 4
        )
    return out
