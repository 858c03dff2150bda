"""The isochrone answer of every route and mode: one call of the core builder, one GeoJSON.

:func:`isochrone_collection` turns parsed origins and budgets into the FeatureCollection of
``/api/v1/isochrones`` (GET, POST, ``mode=transit`` included), its alias
``/api/v1/transit/isochrones``, ``/ors/v2/isochrones`` and the isochrone map: limits from
``config/limits.toml``, one deadline, one population estimate, one feature shape.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import shapely
from flask import current_app

from geoservice import __version__
from geoservice.core.geojson import COORDINATE_DECIMALS
from geoservice.core.isochrones import (
    TRANSIT,
    IsochroneFeature,
    IsochroneLimits,
    compute_isochrones,
)
from geoservice.core.network import RoadNetwork
from geoservice.core.population import PopulationEstimate, PopulationIndex, rounded_by_age
from geoservice.core.snapping import lambert93_from_wgs84
from geoservice.core.transit_access import road_access_s
from geoservice.core.transit_isochrones import TransitDeparture
from geoservice.errors import InvalidParameterError
from geoservice.runtime import Runtime
from geoservice.web.band_helpers import band_offload
from geoservice.web.context import get_runtime, road_network_or_error
from geoservice.web.isochrone_schemas import AREA_FACTOR_FROM_M2
from geoservice.web.problems import request_fields
from geoservice.web.transit_coverage import access_document
from geoservice.web.transit_requests import local_moment, timetable_or_error

_POPULATION_KEY = "geoservice.isochrones.population"


def isochrone_limits(runtime: Runtime) -> IsochroneLimits:
    """``[isochrones]`` and ``[limits]`` of ``config/limits.toml`` (every key required)."""
    settings = runtime.settings
    return IsochroneLimits.from_sections(settings.section("isochrones"), settings.section("limits"))


def population_estimate() -> PopulationEstimate | None:
    """The population step of the current app: the Census 2021 1 km grid
    (``Runtime.population_grid``); without it, communes × area share; None without either.
    Built once per app."""
    cache = current_app.extensions
    if _POPULATION_KEY not in cache:
        runtime = get_runtime()
        grid = getattr(runtime, "population_grid", None)
        communes = getattr(runtime, "communes", None)
        usable = communes is not None and len(communes) > 0 and "population" in communes
        fallback = PopulationIndex(communes) if usable else None
        cache[_POPULATION_KEY] = grid if grid is not None else fallback
    estimate: PopulationEstimate | None = cache[_POPULATION_KEY]
    return estimate


def transit_departure(args: Mapping[str, Any]) -> TransitDeparture:
    """The departure of ``mode=transit`` (``departure``, ``window_minutes``, ``statistic``,
    ``access_mode`` of a query or body)."""
    tt = timetable_or_error()
    moment = args.get("departure")
    if moment is None:
        msg = "mode transit needs a departure (ISO 8601 datetime, e.g. 2025-02-04T08:00)"
        raise InvalidParameterError("departure", msg)
    _, day, start_s = local_moment(moment, "departure")
    return TransitDeparture(
        timetable=tt,
        day=day,
        departure_s=start_s,
        window_minutes=args.get("window_minutes"),
        statistic=str(args.get("statistic", "median")),
        access_mode=str(args.get("access_mode", "walk")),
    )


def polygons_geojson(geoms: Sequence[shapely.Geometry]) -> list[dict[str, Any]]:
    """Bands (EPSG:4326 Polygons or MultiPolygons, maybe empty) as GeoJSON geometries,
    coordinates rounded to :data:`~geoservice.core.geojson.COORDINATE_DECIMALS` decimals
    (≈ 0.1 m): every vertex of every band rounded at once, rings cut from one list (no
    GeoJSON text parsed back). Empty bands and other geometry types go through
    ``shapely.to_geojson``."""
    array = np.empty(len(geoms), dtype=object)
    array[:] = list(geoms)
    kinds = shapely.get_type_id(array)
    polygonal = (
        (kinds == shapely.GeometryType.POLYGON) | (kinds == shapely.GeometryType.MULTIPOLYGON)
    ) & ~shapely.is_empty(array)
    documents: list[dict[str, Any]] = [{} for _ in range(len(array))]
    for i in np.flatnonzero(~polygonal).tolist():
        rounded = shapely.transform(array[i], lambda xy: np.round(xy, COORDINATE_DECIMALS))
        documents[i] = json.loads(shapely.to_geojson(rounded))
    shown = np.flatnonzero(polygonal)
    simple = (kinds[shown] == shapely.GeometryType.POLYGON).all()
    if simple and not shapely.get_num_interior_rings(array[shown]).any():
        # Polygons without holes (the usual bands): one ring each, no parts or rings to split
        coords, vertex_of = shapely.get_coordinates(array[shown], return_index=True)
        flat = np.round(coords, COORDINATE_DECIMALS).tolist()
        ends = np.cumsum(np.bincount(vertex_of, minlength=len(shown))).tolist()
        start = 0
        for i, end in zip(shown.tolist(), ends, strict=True):
            documents[i] = {"type": "Polygon", "coordinates": [flat[start:end]]}
            start = end
        return documents
    parts, part_of = shapely.get_parts(array[shown], return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    coords, vertex_of = shapely.get_coordinates(rings, return_index=True)
    flat = np.round(coords, COORDINATE_DECIMALS).tolist()
    ends = np.cumsum(np.bincount(vertex_of, minlength=len(rings))).tolist()
    polygons: list[list[list[list[float]]]] = [[] for _ in range(len(parts))]
    start = 0
    for part, end in zip(ring_of.tolist(), ends, strict=True):
        polygons[part].append(flat[start:end])
        start = end
    grouped: list[list[list[list[list[float]]]]] = [[] for _ in range(len(shown))]
    for k, polygon in zip(part_of.tolist(), polygons, strict=True):
        grouped[k].append(polygon)
    for i, group in zip(shown.tolist(), grouped, strict=True):
        if kinds[i] == shapely.GeometryType.POLYGON:
            documents[i] = {"type": "Polygon", "coordinates": group[0]}
        else:
            documents[i] = {"type": "MultiPolygon", "coordinates": group}
    return documents


def polygon_geojson(geom: shapely.Geometry) -> dict[str, Any]:
    """One band as a GeoJSON geometry (:func:`polygons_geojson`)."""
    return polygons_geojson([geom])[0]


def _feature(
    f: IsochroneFeature, geometry: dict[str, Any], attributes: Sequence[str], area_units: str
) -> dict[str, Any]:
    props: dict[str, Any] = {
        "group_index": f.group_index,
        "value": f.value_s,
        "minutes": f.value_s / 60,
        "center": [round(f.center[0], 6), round(f.center[1], 6)],
        "mode": f.mode,
        "area_km2": round(f.area_km2, 3),
        "population": None if f.population is None else round(f.population),
        "population_by_age": (
            None
            if f.population is None or f.population_by_age is None
            else rounded_by_age(f.population_by_age, round(f.population))
        ),
    }
    if f.access_mode is not None:
        props["access_mode"] = f.access_mode
    if "area" in attributes:
        props["area"] = round(f.area_km2 * 1e6 * AREA_FACTOR_FROM_M2[area_units], 4)
    if "total_pop" in attributes:
        props["total_pop"] = props["population"]
    return {
        "type": "Feature",
        "properties": props,
        "geometry": geometry,
    }


def isochrone_collection(
    args: Mapping[str, Any],
    locations: Sequence[tuple[float, float]],
    budgets_s: Sequence[float],
    mode: str,
    *,
    budgets_field: str,
    attributes: Sequence[str] = (),
    area_units: str = "m",
    query: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The isochrones of a request as a GeoJSON FeatureCollection (every mode).

    Parameters
    ----------
    args
        The parsed query or body (transit options are read from it with mode transit).
    locations
        Origins, (lon, lat) EPSG:4326.
    budgets_s
        Time budgets, seconds.
    mode
        ``drive``, ``bike``, ``walk`` or ``transit``.
    budgets_field
        The request field holding the budgets (``minutes``, ``range``), named by errors.
    attributes, area_units
        openrouteservice ``attributes`` (``area``, ``total_pop``) and the unit of ``area``.
    query
        Echoed in ``metadata.query``.
    """
    runtime = get_runtime()
    limits = isochrone_limits(runtime)
    network = road_network_or_error(runtime)
    transit = None
    fields = {"budgets_s": budgets_field}
    if mode == TRANSIT:
        transit = transit_departure(args)
    population = population_estimate()
    with request_fields(**fields):
        features = compute_isochrones(
            network,
            locations,
            budgets_s,
            mode,
            transit=transit,
            limits=limits,
            population=population,
            deadline=limits.deadline(),
            offload=band_offload(),
        )
    document = _collection(features, network, attributes, area_units, query, population)
    if transit is not None:
        service = transit.service_date
        document["service_date"] = {
            "requested": service.requested.isoformat(),
            "used": service.used.isoformat(),
            "reason": service.reason,
            "holiday": service.holiday,
        }
        document["departure"] = local_moment(args["departure"], "departure")[0].isoformat()
        document["transit"] = _transit_access(transit, network, locations)
        if "hint" in document["transit"]:
            document["hint"] = document["transit"]["hint"]
        document["window_minutes"] = transit.window_minutes
        document["statistic"] = transit.statistic if transit.window_minutes is not None else None
    return document


def _transit_access(
    transit: TransitDeparture, network: RoadNetwork, locations: Sequence[tuple[float, float]]
) -> dict[str, Any]:
    """The access part of a transit answer (:func:`access_document`) for each origin;
    ``access_stops``, ``nearest_stop`` and ``hint`` at the top are the first origin with no
    stop in reach, else the first origin's."""
    tt = transit.timetable
    with request_fields(mode="access_mode"):
        access_net = network.mode(transit.access_mode)
    origins = []
    for i, (lon, lat) in enumerate(locations):
        x, y = lambert93_from_wgs84(lon, lat)
        with request_fields(location=f"locations.{i}"):
            stops = road_access_s(tt, access_net, float(x), float(y))
        doc = access_document(tt, float(x), float(y), len(stops), transit.access_mode)
        origins.append({"group_index": i, **doc})
    top = next((o for o in origins if o["access_stops"] == 0), origins[0] if origins else {})
    return {
        "access_mode": transit.access_mode,
        **{k: v for k, v in top.items() if k != "group_index"},
        "origins": origins,
    }


def _collection(
    features: Sequence[IsochroneFeature],
    network: RoadNetwork,
    attributes: Sequence[str],
    area_units: str,
    query: Mapping[str, Any] | None,
    population: PopulationEstimate | None,
) -> dict[str, Any]:
    vertices = shapely.get_coordinates(np.asarray([f.geometry for f in features], dtype=object))
    bbox = (
        [round(float(v), 6) for v in (*vertices.min(axis=0), *vertices.max(axis=0))]
        if len(vertices)
        else None
    )
    info = {
        "network": network.name,
        "network_limits": network.limits,
        "main_roads_only": network.main_roads_only,
        "notice": (
            "computed on main roads only (A, N, D roads): villages and streets away from them "
            "are reached by straight access legs"
            if network.main_roads_only
            else ""
        ),
        "population_method": population.method if population is not None else None,
    }
    metadata = {
        "attribution": str(network.G.graph.get("attribution", "")),
        "service": "isochrones",
        "timestamp": int(datetime.now(tz=UTC).timestamp() * 1000),
        "query": dict(query or {}),
        "engine": {"name": "geoservice", "version": __version__},
    }
    return {
        "type": "FeatureCollection",
        "bbox": bbox,
        "features": [
            _feature(f, g, attributes, area_units)
            for f, g in zip(features, polygons_geojson([f.geometry for f in features]), strict=True)
        ],
        "info": info,
        "metadata": metadata,
    }
