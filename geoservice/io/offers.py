"""Build step ``offers``: the published cultural offers of the Nièvre in one schema.

Four sources (checked against ``SOURCES.md``), all Licence Ouverte / Etalab 2.0:
Muséofile (museums), CNC (cinemas), the public libraries' addresses, the Panorama des
festivals. ``offer_id`` is ``"{source}:{source_id}"`` with the source's own record id, so it
is the same in every build. Points are checked against the commune polygons written by the
``territory`` step (which must run first) and repaired by rule (see
:mod:`geoservice.io.offer_location`); every repair is reported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geoservice.core.offers import OFFER_COLUMNS, ThemeConfig, themes_from_values
from geoservice.errors import DataError
from geoservice.io.build_steps import BuildContext, StepResult
from geoservice.io.geojson_files import read_geojson, write_geojson
from geoservice.io.offer_location import (
    CommuneIndex,
    commune_index_from,
    locate_offer,
    outside_departement_note,
    resolve_commune_code,
)
from geoservice.io.offer_sources import (
    SOURCES,
    cinemas_from_frame,
    festivals_from_frame,
    libraries_from_frame,
    museums_from_frame,
    read_offer_csv,
)
from geoservice.io.sources import verify_source
from geoservice.io.territory import SRC_COMMUNES, load_communes

OFFERS_FILE = "offers.geojson"


def offers_from_records(
    records: list[dict[str, Any]],
    index: CommuneIndex,
    themes: ThemeConfig,
    *,
    tolerance_m: float,
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Resolve communes, themes and points of raw records.

    Only a record whose own commune code and point are outside the Nièvre is left out
    (see :func:`~geoservice.io.offer_location.outside_departement_note`); it is reported
    like every repair.

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
        outside = outside_departement_note(record, index)
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
        museums_from_frame(read_offer_csv(ctx, SOURCES["museofile"], result))
        + cinemas_from_frame(read_offer_csv(ctx, SOURCES["cnc"], result))
        + libraries_from_frame(read_offer_csv(ctx, SOURCES["bibliotheques"], result))
        + festivals_from_frame(read_offer_csv(ctx, SOURCES["festivals"], result))
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
