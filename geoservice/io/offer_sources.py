"""The four raw sources of cultural offers and their rows as offer records.

Muséofile (museums), CNC (cinemas), the public libraries' addresses, the Panorama des
festivals; all Licence Ouverte / Etalab 2.0. Each ``*_from_frame`` function keeps the
Nièvre rows of its source and turns them into records of one shape (``offer_id`` is
``"{source}:{source_id}"`` with the source's own record id, so it is the same in every build).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geoservice.io.build_steps import BuildContext, StepResult
from geoservice.io.sources import verify_source
from geoservice.io.territory import DEPARTEMENT_CODE

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


def read_offer_csv(ctx: BuildContext, source: OfferSource, result: StepResult) -> pd.DataFrame:
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
