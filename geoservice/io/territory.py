"""Build step ``territory``: the current communes of the Nièvre and their zones.

Sources (checked against ``SOURCES.md``): commune, canton and département polygons from
``france-geojson`` (IGN Admin Express COG 2018, generalised), names, populations,
arrondissements and EPCI membership from ``decoupage-administratif`` (INSEE COG 2026);
each commune's origin from its town hall (``town-halls/mairies-58.csv``,
:mod:`geoservice.io.town_halls`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import shape

from geoservice.core.commune_origins import ORIGIN_COLUMNS
from geoservice.errors import DataError
from geoservice.io.build_steps import BuildContext, StepResult
from geoservice.io.geojson_files import read_geojson, write_geojson
from geoservice.io.sources import verify_source
from geoservice.io.town_halls import (
    origins_from_town_halls,
    read_town_halls,
    tolerance_from_settings,
)

DEPARTEMENT_CODE = "58"
COMMUNES_FILE = "communes.geojson"
ZONES_FILE = "zones.geojson"
#: Attributes joined from the INSEE / DGCL sources; then the origin chosen from the town halls.
ATTRIBUTE_COLUMNS = ("code", "name", "population", "canton", "epci", "arrondissement")
COMMUNE_COLUMNS = (*ATTRIBUTE_COLUMNS, *ORIGIN_COLUMNS)
ZONE_COLUMNS = ("level", "code", "name", "population")
ZONE_LEVELS = ("departement", "arrondissement", "epci", "canton")

SRC_COMMUNES_GEO = "france-geojson/communes-58-nievre.geojson"
SRC_CANTONS_GEO = "france-geojson/cantons-58-nievre.geojson"
SRC_DEPARTEMENT_GEO = "france-geojson/departement-58-nievre.geojson"
SRC_COMMUNES = "decoupage-administratif/communes.json"
SRC_EPCI = "decoupage-administratif/epci.json"
SRC_ARRONDISSEMENTS = "decoupage-administratif/arrondissements.json"
SRC_DEPARTEMENTS = "decoupage-administratif/departements.json"

#: Coordinates snapped to this grid (degrees) keep every output polygon valid once rounded.
GRID_DEG = 1e-6


def _read_json(ctx: BuildContext, rel: str, result: StepResult) -> Any:
    result.sources[rel] = verify_source(ctx.raw_dir, rel)
    return json.loads((ctx.raw_dir / rel).read_text(encoding="utf-8"))


def _features_frame(collection: Any) -> gpd.GeoDataFrame:
    features = collection["features"] if collection["type"] == "FeatureCollection" else [collection]
    props = pd.DataFrame([f["properties"] for f in features])
    geoms = [shape(f["geometry"]) for f in features]
    return gpd.GeoDataFrame(props, geometry=geoms, crs="EPSG:4326")


def communes_from_sources(
    polygons: gpd.GeoDataFrame,
    cantons: gpd.GeoDataFrame,
    communes: list[dict[str, Any]],
    epcis: list[dict[str, Any]],
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Join the commune polygons to their INSEE attributes, EPCI and canton.

    Parameters
    ----------
    polygons
        france-geojson communes (``code``, ``nom``), EPSG:4326.
    cantons
        france-geojson cantons (``code``, ``nom``), EPSG:4326.
    communes
        decoupage-administratif ``communes.json`` records.
    epcis
        decoupage-administratif ``epci.json`` records (``code``, ``membres``).

    Returns
    -------
    communes, repairs
        One row per current commune sorted by code (EPSG:4326, columns
        :data:`ATTRIBUTE_COLUMNS`), and one line per attribute filled by a fallback rule.
    """
    current = pd.DataFrame(
        [
            c
            for c in communes
            if c.get("departement") == DEPARTEMENT_CODE and c.get("type") == "commune-actuelle"
        ]
    )
    codes_geo = set(polygons["code"])
    codes_insee = set(current["code"])
    if codes_geo != codes_insee:
        msg = (
            f"commune polygons and INSEE communes differ: only in polygons "
            f"{sorted(codes_geo - codes_insee)}, only in INSEE {sorted(codes_insee - codes_geo)}"
        )
        raise DataError(msg)
    epci_of = {m["code"]: e["code"] for e in epcis for m in e.get("membres", [])}
    frame = polygons[["code", "geometry"]].merge(
        current[["code", "nom", "population", "arrondissement"]], on="code", validate="1:1"
    )
    frame["epci"] = frame["code"].map(epci_of)
    if frame["epci"].isna().any():
        missing = sorted(frame.loc[frame["epci"].isna(), "code"])
        raise DataError(f"communes without an EPCI in epci.json: {missing}")

    # Canton: the canton polygon holding the commune's representative point (Lambert-93).
    repairs: list[str] = []
    points = gpd.GeoDataFrame(
        {"code": frame["code"]},
        geometry=frame.geometry.to_crs("EPSG:2154").representative_point(),
        crs="EPSG:2154",
    )
    cantons_l93 = cantons[["code", "geometry"]].rename(columns={"code": "canton"}).to_crs(2154)
    joined = points.sjoin(cantons_l93, how="left", predicate="within")
    joined = joined.drop_duplicates("code").set_index("code")["canton"]
    for code in sorted(joined.index[joined.isna()]):
        point = points.loc[points["code"] == code].geometry.iloc[0]
        distances = cantons_l93.distance(point)
        nearest = cantons_l93["canton"].iloc[int(distances.to_numpy().argmin())]
        joined[code] = nearest
        repairs.append(
            f"commune {code}: representative point outside every canton polygon "
            f"(generalised outlines); assigned the nearest canton {nearest} "
            f"({distances.min():.0f} m away)"
        )
    frame["canton"] = frame["code"].map(joined)
    frame = frame.rename(columns={"nom": "name"})
    frame["population"] = frame["population"].astype("int64")
    frame["geometry"] = shapely.set_precision(frame.geometry.to_numpy(), GRID_DEG)
    frame = frame.sort_values("code", ignore_index=True)
    return gpd.GeoDataFrame(frame[[*ATTRIBUTE_COLUMNS, "geometry"]], crs="EPSG:4326"), repairs


def zones_from_communes(
    communes: gpd.GeoDataFrame, names: dict[str, dict[str, str]]
) -> gpd.GeoDataFrame:
    """Dissolve communes into canton / EPCI / arrondissement / département polygons.

    The union is computed on the EPSG:4326 coordinates: neighbouring communes share
    identical vertices, so no projection is needed to merge them, and none is introduced.

    Parameters
    ----------
    names
        ``{level: {code: name}}`` for every level of :data:`ZONE_LEVELS`.

    Returns
    -------
    GeoDataFrame
        Columns :data:`ZONE_COLUMNS` + geometry, sorted by level then code. ``population``
        is the sum over the Nièvre communes only (EPCIs crossing the border are cut).
    """
    keyed = communes.assign(departement=DEPARTEMENT_CODE)
    parts: list[gpd.GeoDataFrame] = []
    for level in ZONE_LEVELS:
        grouped = keyed.groupby(level, sort=True)
        zone = gpd.GeoDataFrame(
            {
                "level": level,
                "code": list(grouped.groups),
                "population": grouped["population"].sum().astype("int64").to_numpy(),
            },
            geometry=[
                shapely.set_precision(shapely.union_all(g.geometry.to_numpy()), GRID_DEG)
                for _, g in grouped
            ],
            crs="EPSG:4326",
        )
        missing = sorted(set(zone["code"]) - set(names[level]))
        if missing:
            raise DataError(f"no name for {level} code(s) {missing}")
        zone["name"] = zone["code"].map(names[level])
        parts.append(zone)
    zones = pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(zones[[*ZONE_COLUMNS, "geometry"]], crs="EPSG:4326")


def build_territory(ctx: BuildContext) -> StepResult:
    """Write ``communes.geojson`` and ``zones.geojson`` into ``ctx.out_dir``."""
    result = StepResult()
    polygons = _features_frame(_read_json(ctx, SRC_COMMUNES_GEO, result))
    cantons = _features_frame(_read_json(ctx, SRC_CANTONS_GEO, result))
    communes_json = _read_json(ctx, SRC_COMMUNES, result)
    epcis = _read_json(ctx, SRC_EPCI, result)
    arrondissements = _read_json(ctx, SRC_ARRONDISSEMENTS, result)
    departements = _read_json(ctx, SRC_DEPARTEMENTS, result)

    communes, repairs = communes_from_sources(polygons, cantons, communes_json, epcis)
    result.repairs.extend(repairs)
    tolerance_m = tolerance_from_settings(ctx.settings)
    origins, fallbacks, kept = origins_from_town_halls(
        communes, read_town_halls(ctx, result), tolerance_m=tolerance_m
    )
    for column in ORIGIN_COLUMNS:
        communes[column] = origins[column].to_numpy()
    result.repairs.extend(fallbacks)
    ctx.echo(
        f"    origins: {int((origins['origin_source'] == 'town_hall').sum())} town halls, "
        f"{len(fallbacks)} representative points (town hall > {tolerance_m:g} m outside)"
    )
    for line in kept:
        ctx.echo(f"      {line}")
    names = {
        "departement": {d["code"]: d["nom"] for d in departements},
        "arrondissement": {a["code"]: a["nom"] for a in arrondissements},
        "epci": {e["code"]: e["nom"] for e in epcis},
        "canton": dict(zip(cantons["code"], cantons["nom"], strict=True)),
    }
    zones = zones_from_communes(communes, names)
    for code in sorted(set(names["canton"]) - set(communes["canton"])):
        result.repairs.append(
            f"canton {code} ({names['canton'][code]}) holds no whole commune (it covers part "
            "of a commune whose representative point lies in another canton): it has no "
            "zone polygon"
        )
    ctx.echo(
        f"    {len(communes)} communes, population {int(communes['population'].sum()):,}; "
        + ", ".join(f"{(zones['level'] == lv).sum()} {lv}" for lv in ZONE_LEVELS)
    )
    result.outputs.append(
        write_geojson(communes, ctx.out_dir / COMMUNES_FILE, columns=COMMUNE_COLUMNS)
    )
    result.outputs.append(write_geojson(zones, ctx.out_dir / ZONES_FILE, columns=ZONE_COLUMNS))
    return result


def load_communes(data_dir: Path) -> gpd.GeoDataFrame:
    """The communes written by :func:`build_territory` (EPSG:4326, sorted by code)."""
    frame = read_geojson(data_dir / COMMUNES_FILE, COMMUNE_COLUMNS)
    frame["population"] = frame["population"].astype("int64")
    return frame


def load_zones(data_dir: Path) -> dict[str, gpd.GeoDataFrame]:
    """The zones written by :func:`build_territory`: level → frame (code, name, population)."""
    frame = read_geojson(data_dir / ZONES_FILE, ZONE_COLUMNS)
    frame["population"] = frame["population"].astype("int64")
    return {
        level: gpd.GeoDataFrame(
            frame.loc[
                frame["level"] == level, ["code", "name", "population", "geometry"]
            ].reset_index(drop=True),
            crs="EPSG:4326",
        )
        for level in ZONE_LEVELS
    }
