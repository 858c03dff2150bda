"""Build step ``offers``: the published cultural offers of the Nièvre in one schema.

Four sources (checked against ``SOURCES.md``), all Licence Ouverte / Etalab 2.0:
Muséofile (museums), CNC (cinemas), the public libraries' addresses, the Panorama des
festivals. ``offer_id`` is ``"{source}:{source_id}"`` with the source's own record id, so it
is the same in every build. Points are checked against the commune polygons written by the
``territory`` step (which must run first) and repaired by rule (see
:func:`locate_offers`); every repair is reported.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geoservice.core.offers import OFFER_COLUMNS, ThemeConfig, fold_text, themes_from_values
from geoservice.errors import DataError
from geoservice.io.build import BuildContext, StepResult
from geoservice.io.geojson_files import read_geojson, write_geojson
from geoservice.io.sources import verify_source
from geoservice.io.territory import DEPARTEMENT_CODE, SRC_COMMUNES, load_communes

OFFERS_FILE = "offers.geojson"
LICENCE = "Licence Ouverte / Etalab 2.0"


@dataclass(frozen=True)
class OfferSource:
    """One raw source of offers: file, reading options and credit."""

    name: str
    category: str
    path: str
    sep: str
    attribution: str


SOURCES: Mapping[str, OfferSource] = {
    s.name: s
    for s in (
        OfferSource(
            "museofile",
            "museum",
            "culture-museofile/museofile.csv",
            "|",
            "Ministère de la Culture, base Muséofile (musées de France)",
        ),
        OfferSource(
            "cnc",
            "cinema",
            "cnc-cinemas/etablissements-cinematographiques.csv",
            ";",
            "CNC, liste des établissements cinématographiques actifs (activité 2022)",
        ),
        OfferSource(
            "bibliotheques",
            "library",
            "culture-bibliotheques/adresses_des_bibliotheques_publiques_prepared.csv",
            ",",
            "Ministère de la Culture / Observatoire de la lecture publique, adresses des "
            "bibliothèques publiques (copie préparée par SandraRiner/offre_culturelle)",
        ),
        OfferSource(
            "festivals",
            "festival",
            "culture-festivals/festivals-global-festivals-_-pl.csv",
            ";",
            "Ministère de la Culture (DEPS), Panorama des festivals",
        ),
    )
}


def _read_csv(ctx: BuildContext, source: OfferSource, result: StepResult) -> pd.DataFrame:
    result.sources[source.path] = verify_source(ctx.raw_dir, source.path)
    frame = pd.read_csv(
        ctx.raw_dir / source.path,
        sep=source.sep,
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
    )
    return frame.apply(lambda col: col.str.strip())


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _join(*parts: Any, sep: str = ", ") -> str | None:
    texts = [t for p in parts if (t := _text(p))]
    return sep.join(texts) or None


def _url(value: Any) -> str | None:
    """A website: the source text, with ``https://`` when it has no scheme."""
    text = _text(value)
    if text is None:
        return None
    return text if "://" in text else f"https://{text}"


def _latlon(text: Any) -> tuple[float, float]:
    """``"lat, lon"`` → (lon, lat); NaN when empty."""
    parts = str(text or "").split(",")
    if len(parts) != 2 or not all(p.strip() for p in parts):
        return (np.nan, np.nan)
    return float(parts[1]), float(parts[0])


def _number(value: Any) -> float:
    text = _text(value)
    return float(text) if text is not None else np.nan


def _record(
    source: OfferSource,
    source_id: str,
    name: str,
    *,
    commune_code: str | None,
    commune_name: str | None,
    postcode: str | None,
    address: str | None,
    url: str | None,
    period: str | None,
    lon: float,
    lat: float,
    theme_values: tuple[str, ...] = (),
) -> dict[str, Any]:
    return {
        "offer_id": f"{source.name}:{source_id}",
        "name": name,
        "category": source.category,
        "source": source.name,
        "source_id": source_id,
        "commune_code": commune_code,
        "commune_name": commune_name,
        "postcode": postcode,
        "address": address,
        "url": url,
        "period": period,
        "lon": lon,
        "lat": lat,
        "theme_values": theme_values,
        "licence": LICENCE,
        "attribution": source.attribution,
    }


def museums_from_frame(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Muséofile rows of the Nièvre (``Departement == "Nièvre"``); no INSEE code."""
    source = SOURCES["museofile"]
    rows = frame[frame["Departement"] == "Nièvre"]
    records = []
    for r in rows.to_dict(orient="records"):
        lon, lat = _latlon(r["Coordonnees"])
        records.append(
            _record(
                source,
                r["Identifiant"],
                r["Nom_officiel"],
                commune_code=None,
                commune_name=r["Ville"],
                postcode=r["Code_postal"],
                address=_join(r["Adresse"], _join(r["Code_postal"], r["Ville"], sep=" ")),
                url=_url(r["URL"]),
                period=None,
                lon=lon,
                lat=lat,
                theme_values=tuple(r["Domaine_thematique"].split(";")),
            )
        )
    return records


def cinemas_from_frame(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """CNC cinemas with ``DEP == "58"``."""
    source = SOURCES["cnc"]
    rows = frame[frame["DEP"] == DEPARTEMENT_CODE]
    return [
        _record(
            source,
            r["N° auto"],
            r["nom"],
            commune_code=r["code INSEE"],
            commune_name=r["commune"],
            postcode=None,
            address=_join(r["adresse"], r["commune"]),
            url=None,
            period=None,
            lon=_number(r["longitude"]),
            lat=_number(r["latitude"]),
        )
        for r in rows.to_dict(orient="records")
    ]


def libraries_from_frame(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Public libraries with ``code_departement == "58"``; id ``Code_bib``, no INSEE code.

    The column ``site_internet`` says whether a website exists ("Site internet propre"), not
    where: ``url`` stays empty.
    """
    source = SOURCES["bibliotheques"]
    rows = frame[frame["code_departement"] == DEPARTEMENT_CODE]
    return [
        _record(
            source,
            r["Code_bib"],
            r["nom_de_l_etablissement"],
            commune_code=None,
            commune_name=r["Ville"],
            postcode=r["CP"],
            address=_join(r["Adresse"], _join(r["CP"], r["Ville"], sep=" ")),
            url=None,
            period=None,
            lon=_number(r["Longitude"]),
            lat=_number(r["Latitude"]),
        )
        for r in rows.to_dict(orient="records")
    ]


def festivals_from_frame(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Festivals with ``Département principal de déroulement == "Nièvre"``."""
    source = SOURCES["festivals"]
    rows = frame[frame["Département principal de déroulement"] == "Nièvre"]
    records = []
    for r in rows.to_dict(orient="records"):
        lon, lat = _latlon(r["Géocodage xy"])
        postcode = r["Code postal (de la commune principale de déroulement)"]
        commune = r["Commune principale de déroulement"]
        records.append(
            _record(
                source,
                r["Identifiant"],
                r["Nom du festival"],
                commune_code=r["Code Insee commune"],
                commune_name=commune,
                postcode=postcode,
                address=_join(r["Adresse postale"], _join(postcode, commune, sep=" ")),
                url=_url(r["Site internet du festival"]),
                period=_text(r["Période principale de déroulement du festival"]),
                lon=lon,
                lat=lat,
                theme_values=(r["Discipline dominante"],),
            )
        )
    return records


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


def _outside_note(record: Mapping[str, Any], index: CommuneIndex) -> str | None:
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


def offers_from_records(
    records: list[dict[str, Any]],
    index: CommuneIndex,
    themes: ThemeConfig,
    *,
    tolerance_m: float,
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Resolve communes, themes and points of raw records.

    Only a record whose own commune code and point are outside the Nièvre is left out
    (see :func:`_outside_note`); it is reported like every repair.

    Returns
    -------
    offers, repairs
        EPSG:4326 frame with :data:`OFFER_COLUMNS` sorted by ``offer_id``; report lines.
    """
    repairs: list[str] = []
    rows: list[dict[str, Any]] = []
    points: list[shapely.Point] = []
    ids = pd.Series([r["offer_id"] for r in records])
    if ids.duplicated().any():
        raise DataError(f"duplicate offer ids: {sorted(set(ids[ids.duplicated()]))}")
    for raw in records:
        record = dict(raw)
        outside = _outside_note(record, index)
        if outside:
            repairs.append(outside)
            continue
        record["commune_code"], note = resolve_commune_code(record, index)
        if note:
            repairs.append(note)
        point, quality, line = locate_offer(record, index, tolerance_m)
        if line:
            repairs.append(line)
        category = record["category"]
        found = set(themes.by_category.get(category, ()))
        if category == "festival":
            found |= themes_from_values(
                record["theme_values"], themes.festival_discipline, table="festival_discipline"
            )
        elif category == "museum":
            found |= themes_from_values(
                record["theme_values"], themes.museum_domain, table="museum_domain", folded=True
            )
        record["themes"] = themes.ordered(found)
        record["location_quality"] = quality
        rows.append({c: record[c] for c in OFFER_COLUMNS})
        points.append(point)
    frame = gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=list(OFFER_COLUMNS)), geometry=points, crs="EPSG:2154"
    ).to_crs("EPSG:4326")
    frame = frame.sort_values("offer_id", ignore_index=True)
    return gpd.GeoDataFrame(frame, crs="EPSG:4326"), repairs


def build_offers(ctx: BuildContext) -> StepResult:
    """Write ``offers.geojson`` into ``ctx.out_dir`` (after the ``territory`` step)."""
    result = StepResult()
    communes = load_communes(ctx.out_dir)
    result.sources[SRC_COMMUNES] = verify_source(ctx.raw_dir, SRC_COMMUNES)
    cog = json.loads((ctx.raw_dir / SRC_COMMUNES).read_text(encoding="utf-8"))
    index = commune_index_from(communes, cog)
    records = (
        museums_from_frame(_read_csv(ctx, SOURCES["museofile"], result))
        + cinemas_from_frame(_read_csv(ctx, SOURCES["cnc"], result))
        + libraries_from_frame(_read_csv(ctx, SOURCES["bibliotheques"], result))
        + festivals_from_frame(_read_csv(ctx, SOURCES["festivals"], result))
    )
    themes = ThemeConfig.from_section(ctx.settings.section("themes"))
    tolerance_m = float(ctx.settings.get("offers.commune_tolerance_m", 1000))
    offers, repairs = offers_from_records(records, index, themes, tolerance_m=tolerance_m)
    result.repairs.extend(repairs)
    counts = offers["category"].value_counts().sort_index()
    ctx.echo("    " + ", ".join(f"{n} {c}" for c, n in counts.items()))
    result.outputs.append(
        write_geojson(
            offers, ctx.out_dir / OFFERS_FILE, columns=OFFER_COLUMNS, id_column="offer_id"
        )
    )
    return result


def load_offers(data_dir: Path) -> gpd.GeoDataFrame:
    """The offers written by :func:`build_offers` (EPSG:4326, sorted by ``offer_id``).

    ``themes`` is a tuple of theme ids.
    """
    frame = read_geojson(data_dir / OFFERS_FILE, OFFER_COLUMNS)
    frame["themes"] = frame["themes"].map(lambda t: tuple(t) if isinstance(t, tuple | list) else ())
    return frame
