"""The population step of the isochrones: inhabitants inside a polygon.

Every isochrone feature, road or transit, gets its population from one
:class:`PopulationEstimate`: the builder of :mod:`geoservice.core.isochrones` calls
:meth:`~PopulationEstimate.population_within` on each band and serves
:attr:`~PopulationEstimate.method` with it. :class:`PopulationIndex` (communes, areal
weighting) is the fallback when the census grid is not built;
:class:`geoservice.core.census_population.CensusGridPopulation` (Census 2021 1 km grid, with
age bands) is the service's estimate (``web.isochrone_collection.population_estimate``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from geoservice.core.snapping import METRIC_CRS
from geoservice.errors import DataError, MissingColumnError

#: Age bands of :meth:`PopulationCount.by_age`.
AGE_BANDS = ("under_15", "15_64", "65_plus")


@dataclass(frozen=True)
class PopulationCount:
    """Inhabitants inside a polygon, total and by age band (same weighting; NaN bands when
    the source has no ages)."""

    total: float
    under_15: float
    age_15_64: float
    age_65_plus: float

    def by_age(self) -> dict[str, float] | None:
        """``{"under_15": …, "15_64": …, "65_plus": …}``, or None when the source has no ages."""
        values = (self.under_15, self.age_15_64, self.age_65_plus)
        if any(np.isnan(v) for v in values):
            return None
        return dict(zip(AGE_BANDS, values, strict=True))


def rounded_by_age(by_age: Mapping[str, float], total: int) -> dict[str, int]:
    """Whole inhabitants per age band that add up to `total` (largest remainders)."""
    floors = {k: int(np.floor(v)) for k, v in by_age.items()}
    left = total - sum(floors.values())
    order = sorted(by_age, key=lambda k: (floors[k] - by_age[k], AGE_BANDS.index(k)))
    for k in order[: max(left, 0)]:
        floors[k] += 1
    return floors


@dataclass(frozen=True)
class PopulationPieces:
    """Inhabitants cut by polygons (e.g. grid cells by communes), one row per piece.

    Attributes
    ----------
    polygon
        Index of the polygon holding the piece.
    population
        Inhabitants of the piece.
    x_m, y_m
        A point inside the piece, EPSG:2154 metres.
    """

    polygon: npt.NDArray[np.int64]
    population: npt.NDArray[np.float64]
    x_m: npt.NDArray[np.float64]
    y_m: npt.NDArray[np.float64]


class PopulationEstimate(Protocol):
    """Inhabitants inside a polygon of EPSG:2154, and how they are counted."""

    @property
    def method(self) -> str:
        """How the figure is obtained (served with every answer)."""
        ...

    @property
    def total(self) -> float:
        """Inhabitants of the whole territory."""
        ...

    def population_within(self, polygon: shapely.Geometry) -> float:
        """Inhabitants inside `polygon` (EPSG:2154)."""
        ...

    def count_within(self, polygon: shapely.Geometry) -> PopulationCount:
        """Inhabitants inside `polygon` (EPSG:2154), with the age bands when known."""
        ...

    def counts_within(self, polygons: Sequence[shapely.Geometry]) -> list[PopulationCount]:
        """:meth:`count_within` of each of `polygons` (EPSG:2154), maybe counted together."""
        ...


class PopulationIndex:
    """Commune polygons in EPSG:2154 with their population, for areal weighting.

    The population inside a polygon is the sum over communes of
    ``population × area(commune ∩ polygon) / area(commune)``: inhabitants are assumed evenly
    spread within each commune (documented in ``docs/isochrones.md``).

    Parameters
    ----------
    communes
        Polygons with a CRS and a ``population`` column (e.g. ``Runtime.communes``).
    """

    def __init__(self, communes: gpd.GeoDataFrame) -> None:
        if communes.crs is None:
            raise DataError("the commune frame has no CRS: refusing to guess")
        if "population" not in communes.columns:
            raise MissingColumnError("the commune frame has no 'population' column")
        projected = communes.to_crs(METRIC_CRS)
        self.geometries = np.asarray(projected.geometry.values, dtype=object)
        self.population = projected["population"].to_numpy(dtype=float)
        self.areas_m2 = shapely.area(self.geometries)
        self.tree = shapely.STRtree(self.geometries)
        shapely.prepare(self.geometries)

    @property
    def method(self) -> str:
        """How the figure is obtained."""
        return "commune population × share of the commune's area covered"

    @property
    def total(self) -> float:
        """Total population of the communes."""
        return float(self.population.sum())

    def population_within(self, polygon: shapely.Geometry) -> float:
        """Inhabitants inside `polygon` (EPSG:2154), by commune area share."""
        if shapely.is_empty(polygon):
            return 0.0
        hits = self.tree.query(polygon, predicate="intersects")
        if len(hits) == 0:
            return 0.0
        inside = shapely.contains(polygon, self.geometries[hits])
        share = np.ones(len(hits))
        partial = ~inside
        if partial.any():
            cut = shapely.intersection(self.geometries[hits[partial]], polygon)
            share[partial] = shapely.area(cut) / self.areas_m2[hits[partial]]
        return float(np.sum(self.population[hits] * np.clip(share, 0.0, 1.0)))

    def count_within(self, polygon: shapely.Geometry) -> PopulationCount:
        """Inhabitants inside `polygon` (EPSG:2154); the communes carry no age bands (NaN)."""
        nan = float("nan")
        return PopulationCount(self.population_within(polygon), nan, nan, nan)

    def counts_within(self, polygons: Sequence[shapely.Geometry]) -> list[PopulationCount]:
        """:meth:`count_within` of each of `polygons` (EPSG:2154)."""
        return [self.count_within(p) for p in polygons]
