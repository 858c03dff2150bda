"""Where an offer is: its commune (INSEE code) and its point, repaired by rule.

The source's commune code, a former commune's code, the commune name among the communes of
the postcode, or the commune polygon holding the published point give the commune; a
published point far from that commune is replaced by the commune's representative point.
Every repair returns a report line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geoservice.core.offers import fold_text
from geoservice.errors import DataError
from geoservice.io.territory import DEPARTEMENT_CODE


@dataclass(frozen=True)
class CommuneIndex:
    """What resolving and locating offers needs to know about the communes.

    Attributes
    ----------
    polygons
        Current communes in EPSG:2154, indexed by INSEE code.
    anchors
        Representative point of each commune, EPSG:2154, indexed by code.
    departement
        Union of the commune polygons, EPSG:2154.
    by_name
        Folded name → codes of current communes, former (délégué / associé) names
        pointing to their current commune.
    postcodes
        Code → postcodes of the commune.
    merged_into
        Former commune code → current commune code.
    """

    polygons: gpd.GeoSeries
    anchors: gpd.GeoSeries
    departement: BaseGeometry
    by_name: Mapping[str, tuple[str, ...]]
    postcodes: Mapping[str, tuple[str, ...]]
    merged_into: Mapping[str, str]


def commune_index_from(communes: gpd.GeoDataFrame, cog: list[dict[str, Any]]) -> CommuneIndex:
    """Build the :class:`CommuneIndex` from the communes frame and ``communes.json``."""
    polygons = communes.set_index("code").geometry.to_crs("EPSG:2154")
    current = set(polygons.index)
    merged_into: dict[str, str] = {}
    by_name: dict[str, set[str]] = {}
    postcodes: dict[str, tuple[str, ...]] = {}
    for c in cog:
        if c.get("departement") != DEPARTEMENT_CODE:
            continue
        if c.get("type") == "commune-actuelle":
            code = c["code"]
            postcodes[code] = tuple(c.get("codesPostaux", ()))
        else:
            code = c.get("chefLieu", "")
            if c["code"] not in current:
                merged_into[c["code"]] = code
        if code in current:
            by_name.setdefault(fold_text(c["nom"]), set()).add(code)
    return CommuneIndex(
        polygons=polygons,
        anchors=polygons.representative_point(),
        departement=shapely.union_all(polygons.to_numpy()),
        by_name={k: tuple(sorted(v)) for k, v in by_name.items()},
        postcodes=postcodes,
        merged_into=merged_into,
    )


def _point_l93(lon: float, lat: float) -> shapely.Point | None:
    if np.isnan(lon) or np.isnan(lat):
        return None
    series = gpd.GeoSeries([shapely.Point(lon, lat)], crs="EPSG:4326").to_crs("EPSG:2154")
    point: shapely.Point = series.iloc[0]
    return point


def resolve_commune_code(record: Mapping[str, Any], index: CommuneIndex) -> tuple[str, str | None]:
    """The INSEE code of the record's commune, and a report line when found by a fallback.

    Order: the source's INSEE code when it is a current commune; a former commune's code
    → its current commune; the commune name (folded) among communes of the postcode; the
    commune polygon holding the source point.

    Raises
    ------
    DataError
        No rule finds a commune of the Nièvre.
    """
    label = f"{record['offer_id']} ({record['name']})"
    code = record["commune_code"]
    if code in index.polygons.index:
        return code, None
    if code in index.merged_into:
        new = index.merged_into[code]
        return new, f"{label}: former commune code {code} replaced by current {new}"
    candidates = index.by_name.get(fold_text(record["commune_name"] or ""), ())
    if len(candidates) > 1 and record["postcode"]:
        candidates = tuple(c for c in candidates if record["postcode"] in index.postcodes[c])
    note = None if code is None else f"{label}: unknown commune code {code!r}; "
    if len(candidates) == 1:
        if note is None:
            return candidates[0], None  # name match is the normal way for this source
        return candidates[0], note + f"matched by name to {candidates[0]}"
    point = _point_l93(record["lon"], record["lat"])
    if point is not None:
        hits = index.polygons.index[index.polygons.covers(point)]
        if len(hits) == 1:
            why = (
                note
                or f"{label}: commune name {record['commune_name']!r} not unique or not found; "
            )
            return str(hits[0]), why + f"commune {hits[0]} taken from the source point"
    msg = f"{label}: no commune of the Nièvre found (code {code!r}, {record['commune_name']!r})"
    raise DataError(msg)


def locate_offer(
    record: Mapping[str, Any], index: CommuneIndex, tolerance_m: float
) -> tuple[shapely.Point, str, str | None]:
    """The offer's point (EPSG:2154), its ``location_quality`` and a repair line, if any.

    A published point inside the département and within `tolerance_m` of its commune
    polygon is kept (``source``). Otherwise, or without a point, the commune's
    representative point is used (``commune_centroid_repaired`` / ``_missing``).
    """
    code = record["commune_code"]
    anchor = index.anchors.loc[code]
    label = f"{record['offer_id']} ({record['name']}, commune {code})"
    point = _point_l93(record["lon"], record["lat"])
    if point is None:
        return anchor, "commune_centroid_missing", f"{label}: no coordinates; commune point used"
    distance_m = float(index.polygons.loc[code].distance(point))
    inside_departement = bool(index.departement.covers(point))
    if distance_m > tolerance_m or not inside_departement:
        where = "outside the département, " if not inside_departement else ""
        line = (
            f"{label}: published point lat {record['lat']:.6f}, lon {record['lon']:.6f} is "
            f"{where}{distance_m / 1000:.1f} km from its commune (tolerance "
            f"{tolerance_m:.0f} m); commune point used"
        )
        return anchor, "commune_centroid_repaired", line
    return point, "source", None


def outside_departement_note(record: Mapping[str, Any], index: CommuneIndex) -> str | None:
    """A report line when the record's own INSEE code is a commune of another département.

    Such a record is labelled with the Nièvre but its commune code, and its point when it
    has one, say it takes place elsewhere: moving it into the Nièvre would invent a
    location, so it is left out of the Nièvre offers and reported.
    """
    code = record["commune_code"]
    if not code or code.startswith(DEPARTEMENT_CODE) or code in index.merged_into:
        return None
    point = _point_l93(record["lon"], record["lat"])
    where = ""
    if point is not None:
        if index.departement.covers(point):
            return None  # the point is in the Nièvre: let the commune rules decide
        where = f", point {index.departement.distance(point) / 1000:.1f} km outside the Nièvre"
    return (
        f"{record['offer_id']} ({record['name']}): EXCLUDED, labelled Nièvre but its commune "
        f"{code} ({record['commune_name']}, postcode {record['postcode']}) is in département "
        f"{code[:2]}{where}"
    )
