"""Cultural offers: the shared schema, the theme vocabulary and the search.

An offer is one row of an EPSG:4326 GeoDataFrame with the columns of
:data:`OFFER_COLUMNS` (see ``docs`` in ``data/README.md``). Everything here is pure: the
published offers (``Runtime.offers``) and, later, contributed ones go through the same
:func:`search_offers`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from geoservice.core.geojson import feature_collection_from_frame
from geoservice.errors import DataError, InvalidParameterError

OFFER_COLUMNS = (
    "offer_id",
    "name",
    "category",
    "themes",
    "commune_code",
    "address",
    "url",
    "period",
    "source",
    "source_id",
    "licence",
    "attribution",
    "location_quality",
)
CATEGORIES = ("museum", "cinema", "library", "festival")
#: Kinds of the offers people post (``geoservice.store``): their ``category``.
CONTRIBUTION_KINDS = ("event", "venue", "work", "skill", "resource")
#: Every value the ``category`` filter accepts: open-data categories and posted kinds.
SEARCH_CATEGORIES = CATEGORIES + CONTRIBUTION_KINDS
#: ``source``: the published point; ``commune_centroid_repaired``: the published point was
#: outside its commune (beyond the tolerance) or the département and was replaced by the
#: commune's representative point; ``commune_centroid_missing``: no published point.
LOCATION_QUALITIES = ("source", "commune_centroid_repaired", "commune_centroid_missing")


def fold_text(text: str) -> str:
    """Lower case, no accents, punctuation as one space: "Château-Chinon" → "chateau chinon"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", ascii_text.lower()).strip()


@dataclass(frozen=True)
class ThemeConfig:
    """The theme vocabulary and the source → theme mapping tables (``[themes]``).

    Attributes
    ----------
    vocabulary
        Allowed theme ids, in display order.
    labels
        Theme id → human label.
    by_category
        Themes every offer of a category gets.
    festival_discipline
        Festival "Discipline dominante" → themes.
    museum_domain
        Muséofile "Domaine_thematique" item (compared folded) → themes.
    """

    vocabulary: tuple[str, ...]
    labels: Mapping[str, str]
    by_category: Mapping[str, tuple[str, ...]]
    festival_discipline: Mapping[str, tuple[str, ...]]
    museum_domain: Mapping[str, tuple[str, ...]]

    @classmethod
    def from_section(cls, section: Mapping[str, Any]) -> ThemeConfig:
        """Parse the ``[themes]`` table; every theme named must be in the vocabulary."""
        vocabulary = tuple(section.get("vocabulary", ()))
        if not vocabulary:
            raise InvalidParameterError("themes.vocabulary", "the theme vocabulary is empty")

        def table(name: str, fold: bool = False) -> dict[str, tuple[str, ...]]:
            out: dict[str, tuple[str, ...]] = {}
            for key, themes in section.get(name, {}).items():
                unknown = sorted(set(themes) - set(vocabulary))
                if unknown:
                    msg = f"themes.{name}.{key}: unknown theme(s) {unknown}"
                    raise InvalidParameterError(f"themes.{name}", msg, allowed=vocabulary)
                out[fold_text(key) if fold else key] = tuple(themes)
            return out

        return cls(
            vocabulary=vocabulary,
            labels=dict(section.get("labels", {})),
            by_category=table("by_category"),
            festival_discipline=table("festival_discipline"),
            museum_domain=table("museum_domain", fold=True),
        )

    def ordered(self, themes: Iterable[str]) -> tuple[str, ...]:
        """`themes` without duplicates, in vocabulary order."""
        chosen = set(themes)
        return tuple(t for t in self.vocabulary if t in chosen)


def themes_from_values(
    values: Iterable[str],
    mapping: Mapping[str, tuple[str, ...]],
    *,
    table: str,
    folded: bool = False,
) -> set[str]:
    """Map a source's category values to themes; an unmapped value is an error.

    Raises
    ------
    DataError
        A value has no entry in ``[themes.<table>]`` (the message names both).
    """
    themes: set[str] = set()
    for value in values:
        key = fold_text(value) if folded else value.strip()
        if not key:
            continue
        if key not in mapping:
            msg = f"source value {value!r} has no entry in [themes.{table}] of config/themes.toml"
            raise DataError(msg)
        themes.update(mapping[key])
    return themes


BBox = tuple[float, float, float, float]


def bbox_from_text(text: str) -> BBox:
    """Parse ``"min_lon,min_lat,max_lon,max_lat"`` (degrees, EPSG:4326).

    Raises
    ------
    InvalidParameterError
        Not four numbers, not finite, min above max, or outside longitude / latitude ranges
        (the error names ``bbox``).
    """
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 4:
        msg = f"bbox {text!r} must be 4 comma-separated numbers min_lon,min_lat,max_lon,max_lat"
        raise InvalidParameterError("bbox", msg)
    try:
        min_lon, min_lat, max_lon, max_lat = (float(p) for p in parts)
    except ValueError as e:
        raise InvalidParameterError(
            "bbox", f"bbox {text!r} holds a value that is not a number"
        ) from e
    if not all(math.isfinite(v) for v in (min_lon, min_lat, max_lon, max_lat)):
        raise InvalidParameterError("bbox", f"bbox {text!r} holds a non-finite value")
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise InvalidParameterError("bbox", f"bbox {text!r}: longitudes must be in [-180, 180]")
    if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise InvalidParameterError("bbox", f"bbox {text!r}: latitudes must be in [-90, 90]")
    if min_lon > max_lon or min_lat > max_lat:
        raise InvalidParameterError("bbox", f"bbox {text!r}: minimum above maximum")
    return min_lon, min_lat, max_lon, max_lat


@dataclass(frozen=True)
class OfferQuery:
    """A validated offer search (see :func:`offer_query_from_args`).

    Attributes
    ----------
    q
        Case- and accent-insensitive substring of the offer's name or commune name.
    themes
        Any of these themes (empty: no filter).
    categories
        Any of these categories (empty: no filter).
    commune
        INSEE code of the commune.
    bbox
        ``(min_lon, min_lat, max_lon, max_lat)`` in degrees, EPSG:4326, edges included.
    limit, offset
        Page size and start, in offers.
    """

    q: str | None = None
    themes: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    commune: str | None = None
    bbox: BBox | None = None
    limit: int = 50
    offset: int = 0


def _split_values(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    return tuple(v.strip() for v in text.split(",") if v.strip())


def themes_and_categories_from_args(
    theme: str | None, category: str | None, vocabulary: Sequence[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The comma-separated `theme` and `category` filters, validated.

    Raises
    ------
    InvalidParameterError
        An unknown theme (not in `vocabulary`) or category (not in :data:`SEARCH_CATEGORIES`),
        naming the parameter and listing the allowed values.
    """
    themes = _split_values(theme)
    unknown = sorted(set(themes) - set(vocabulary))
    if unknown:
        raise InvalidParameterError("theme", f"unknown theme(s) {unknown}", allowed=vocabulary)
    categories = _split_values(category)
    unknown = sorted(set(categories) - set(SEARCH_CATEGORIES))
    if unknown:
        msg = f"unknown category(ies) {unknown}"
        raise InvalidParameterError("category", msg, allowed=SEARCH_CATEGORIES)
    return themes, categories


def offer_query_from_args(
    *,
    q: str | None = None,
    theme: str | None = None,
    category: str | None = None,
    commune: str | None = None,
    bbox: str | None = None,
    limit: int | None = None,
    offset: int | None = None,
    vocabulary: Sequence[str],
    commune_codes: Iterable[str],
    default_limit: int,
    max_limit: int,
) -> OfferQuery:
    """Validate raw search arguments; `theme` and `category` may be comma-separated lists.

    Raises
    ------
    InvalidParameterError
        Naming the parameter: unknown theme / category / commune (listing the allowed
        themes and categories), malformed bbox, limit outside ``1..max_limit``, negative
        offset.
    """
    themes, categories = themes_and_categories_from_args(theme, category, vocabulary)
    if commune is not None and commune not in set(commune_codes):
        msg = f"commune {commune!r} is not the INSEE code of a current commune of the Nièvre"
        raise InvalidParameterError("commune", msg)
    page = default_limit if limit is None else limit
    if not 1 <= page <= max_limit:
        raise InvalidParameterError("limit", f"limit {page} must be between 1 and {max_limit}")
    start = 0 if offset is None else offset
    if start < 0:
        raise InvalidParameterError("offset", f"offset {start} must be 0 or more")
    return OfferQuery(
        q=q.strip() if q and q.strip() else None,
        themes=themes,
        categories=categories,
        commune=commune,
        bbox=bbox_from_text(bbox) if bbox is not None else None,
        limit=page,
        offset=start,
    )


@dataclass(frozen=True)
class OfferPage:
    """One page of a search: `offers` (≤ limit rows) out of `total` matches."""

    offers: gpd.GeoDataFrame
    total: int
    limit: int
    offset: int


def search_offers(
    offers: gpd.GeoDataFrame,
    query: OfferQuery,
    *,
    commune_names: Mapping[str, str] | None = None,
) -> OfferPage:
    """Filter, sort (by ``offer_id``) and page `offers` (EPSG:4326).

    Parameters
    ----------
    offers
        Frame with at least the columns of :data:`OFFER_COLUMNS`.
    query
        The validated search.
    commune_names
        INSEE code → commune name, so that `query.q` also matches the commune's name.

    Returns
    -------
    OfferPage
        Matches of the page; `total` counts every match. No match is an empty page.
    """
    if offers.crs is None or offers.crs.to_epsg() != 4326:
        raise DataError(f"offers must be in EPSG:4326, not {offers.crs}")
    keep = pd.Series(True, index=offers.index)
    if query.categories:
        keep &= offers["category"].isin(query.categories)
    if query.themes:
        wanted = set(query.themes)
        keep &= offers["themes"].map(lambda ts: bool(wanted.intersection(ts or ())))
    if query.commune is not None:
        keep &= offers["commune_code"] == query.commune
    if query.bbox is not None:
        min_lon, min_lat, max_lon, max_lat = query.bbox
        x = offers.geometry.x
        y = offers.geometry.y
        keep &= (x >= min_lon) & (x <= max_lon) & (y >= min_lat) & (y <= max_lat)
    if query.q is not None:
        needle = fold_text(query.q)
        names = offers["name"].fillna("").map(fold_text)
        if commune_names is not None:
            communes = offers["commune_code"].map(lambda c: fold_text(commune_names.get(c, "")))
            names = names + " | " + communes
        keep &= names.str.contains(needle, regex=False)
    matched = offers[keep].sort_values("offer_id", kind="stable")
    page = matched.iloc[query.offset : query.offset + query.limit]
    return OfferPage(offers=page, total=len(matched), limit=query.limit, offset=query.offset)


def page_of_offers(matches: Sequence[gpd.GeoDataFrame], *, limit: int, offset: int) -> OfferPage:
    """One page over the matches of several sources (open data, posted offers).

    The frames (EPSG:4326, same columns) are concatenated and sorted by ``offer_id``, so
    that paging is stable across sources; `total` counts every match.
    """
    frames = [m for m in matches if not m.empty]
    for frame in frames:
        if frame.crs is None or frame.crs.to_epsg() != 4326:
            raise DataError(f"offers must be in EPSG:4326, not {frame.crs}")
    if not frames:
        empty = matches[0].iloc[0:0] if matches else gpd.GeoDataFrame(geometry=[], crs=4326)
        return OfferPage(offers=empty, total=0, limit=limit, offset=offset)
    combined = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    combined = combined.sort_values("offer_id", kind="stable", ignore_index=True)
    page = combined.iloc[offset : offset + limit]
    return OfferPage(offers=page, total=len(combined), limit=limit, offset=offset)


class OfferIndex:
    """The offers prepared once for fast searches: :meth:`matches` gives what
    :func:`search_offers` gives (same filters, same ``offer_id`` order), and :attr:`features`
    the GeoJSON Features of :data:`OFFER_COLUMNS`, built once.

    Parameters
    ----------
    offers
        Frame (EPSG:4326) with at least the columns of :data:`OFFER_COLUMNS`.
    commune_names
        INSEE code → commune name, so that a text also matches the commune's name.
    """

    def __init__(self, offers: gpd.GeoDataFrame, commune_names: Mapping[str, str]) -> None:
        if offers.crs is None or offers.crs.to_epsg() != 4326:
            raise DataError(f"offers must be in EPSG:4326, not {offers.crs}")
        ordered = offers.sort_values("offer_id", kind="stable")
        #: The offers sorted by ``offer_id``: row ``i`` of every array below.
        self.frame: gpd.GeoDataFrame = ordered
        self.commune_names: Mapping[str, str] = dict(commune_names)
        self.category_masks: dict[str, npt.NDArray[np.bool_]] = {}
        for i, category in enumerate(ordered["category"]):
            if isinstance(category, str):
                mask = self.category_masks.setdefault(category, np.zeros(len(ordered), bool))
                mask[i] = True
        self.commune_code = np.array(
            [c if isinstance(c, str) else None for c in ordered["commune_code"]], dtype=object
        )
        self.x_deg = ordered.geometry.x.to_numpy(dtype=float)
        self.y_deg = ordered.geometry.y.to_numpy(dtype=float)
        names = [fold_text(n) for n in ordered["name"].fillna("")]
        communes = [fold_text(self.commune_names.get(c, "")) for c in self.commune_code]
        #: Folded "name | commune name" of each offer, the haystack of a text search.
        self.text = [f"{n} | {c}" for n, c in zip(names, communes, strict=True)]
        self.theme_masks: dict[str, npt.NDArray[np.bool_]] = {}
        for i, themes in enumerate(ordered["themes"]):
            for theme in themes if themes is not None else ():
                mask = self.theme_masks.setdefault(theme, np.zeros(len(ordered), dtype=bool))
                mask[i] = True
        self.features: list[dict[str, Any]] = feature_collection_from_frame(
            ordered, columns=OFFER_COLUMNS, id_column="offer_id"
        )["features"]

    def __len__(self) -> int:
        return len(self.features)

    def matches(self, query: OfferQuery) -> npt.NDArray[np.bool_]:
        """Which offers (rows of :attr:`frame`) match `query`'s filters (paging ignored)."""
        keep = np.ones(len(self), dtype=bool)
        if query.categories:
            any_category = np.zeros(len(self), dtype=bool)
            for category in set(query.categories):
                if category in self.category_masks:
                    any_category |= self.category_masks[category]
            keep &= any_category
        if query.themes:
            any_theme = np.zeros(len(self), dtype=bool)
            for theme in set(query.themes):
                if theme in self.theme_masks:
                    any_theme |= self.theme_masks[theme]
            keep &= any_theme
        if query.commune is not None:
            keep &= self.commune_code == query.commune
        if query.bbox is not None:
            min_lon, min_lat, max_lon, max_lat = query.bbox
            x, y = self.x_deg, self.y_deg
            keep &= (x >= min_lon) & (x <= max_lon) & (y >= min_lat) & (y <= max_lat)
        if query.q is not None:
            needle = fold_text(query.q)
            rows = np.flatnonzero(keep)
            found = [needle in self.text[i] for i in rows.tolist()]
            keep[rows[~np.asarray(found, dtype=bool)]] = False
        return keep
