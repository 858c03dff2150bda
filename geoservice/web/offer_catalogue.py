"""The offer catalogue of a request: open-data offers and the published posted offers.

Every ranking endpoint (``/reachable`` by road and transit, ``/reachable/nearest``, the
travel-time filter of ``/offers``) reads one :class:`~geoservice.core.reachable_offers.
ReachableOffers`: the open-data catalogue built at start-up, joined with the published posted
offers the store holds now.

The join is kept between requests (:class:`PublishedCatalogue`), keyed on the store's
generation (:mod:`geoservice.store.generation`, read once per request): the store is read
again, and the posted offers' travel tables built again, only after a write was committed
(a post, an edit, a moderation decision, a deletion). A request selects its posted offers
from it with the same rules as the store's search (:func:`posted_offers_kept`: kinds, themes,
a timing overlapping the Europe/Paris days asked for, permanent non-events).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import geopandas as gpd
import numpy as np
from flask import current_app, g

from geoservice.core.offer_selection import BoolArray, OfferSelection, select_offers
from geoservice.core.reachable_offers import ReachableOffers
from geoservice.core.routing import IntArray
from geoservice.errors import InvalidParameterError
from geoservice.runtime import Runtime
from geoservice.store.records import offer_to_record, offers_frame_from_records
from geoservice.store.search import OfferFilter, search_stored_offers
from geoservice.web.contribution_schemas import LOCAL_TIMEZONE, TIMING_YEARS
from geoservice.web.contributions import get_state

#: ``app.extensions`` key of the app's :class:`CatalogueCache`.
CATALOGUE_CACHE_KEY = "geoservice.published_catalogue"
_G_GENERATION = "geoservice_store_generation"


def open_data_catalogue(runtime: Runtime, field: str = "network") -> ReachableOffers:
    """The open-data offers with their start-up tables (400 naming `field` without a network)."""
    if runtime.reachable is None or runtime.network is None:
        raise InvalidParameterError(field, "no road network is loaded")
    return runtime.reachable


def store_generation() -> int | None:
    """The store's generation, read once per request (None: keep nothing derived)."""
    if _G_GENERATION not in g:
        setattr(g, _G_GENERATION, get_state().store.generation())
    value: int | None = g.get(_G_GENERATION)
    return value


@dataclass(frozen=True)
class PostedOffer:
    """What the store's search filters a published posted offer on."""

    kind: str
    themes: frozenset[str]
    #: ``(begin, end)`` of each timing, timezone-aware UTC.
    timings: tuple[tuple[datetime, datetime], ...]


@dataclass(frozen=True)
class PublishedCatalogue:
    """The open-data offers and every published posted offer, as of one store generation.

    Attributes
    ----------
    generation
        The store generation it was read at (None: not kept).
    base
        The open-data catalogue it extends.
    catalogue
        Open-data and posted offers as one catalogue (``base`` itself when none is posted).
    posted
        The posted offers, in the order of `frame`.
    posted_rows
        Position of each posted offer in ``catalogue.offers``.
    frame
        The posted offers as rows of the offers schema (EPSG:4326).
    """

    generation: int | None
    base: ReachableOffers
    catalogue: ReachableOffers
    posted: tuple[PostedOffer, ...]
    posted_rows: IntArray
    frame: gpd.GeoDataFrame
    _derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def derived(self, key: str, build: Callable[[ReachableOffers], Any]) -> Any:
        """Something derived from `catalogue` by a caller (built once, under `key`)."""
        with self._lock:
            if key not in self._derived:
                self._derived[key] = build(self.catalogue)
            return self._derived[key]


@dataclass
class CatalogueCache:
    """The app's latest :class:`PublishedCatalogue` (one per app and store)."""

    latest: PublishedCatalogue | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def published_catalogue(runtime: Runtime, field: str = "network") -> PublishedCatalogue:
    """The open-data offers and the published posted offers of the store now.

    Built again only when the store's generation changed since the last one (or the
    open-data catalogue was replaced).
    """
    base = open_data_catalogue(runtime, field)
    generation = store_generation()
    cache: CatalogueCache = current_app.extensions.setdefault(CATALOGUE_CACHE_KEY, CatalogueCache())
    kept = _fresh(cache.latest, base, generation)
    if kept is not None:
        return kept
    with cache.lock:
        kept = _fresh(cache.latest, base, generation)
        if kept is not None:
            return kept
        built = _read_published(base, generation)
        if generation is not None and _replaces(cache.latest, base, generation):
            cache.latest = built
        return built


def _replaces(latest: PublishedCatalogue | None, base: ReachableOffers, generation: int) -> bool:
    """Whether a catalogue of `generation` on `base` should replace `latest` (never an older
    generation: a slow request must not put back what a newer one replaced)."""
    if latest is None or latest.generation is None or latest.base is not base:
        return True
    return generation > latest.generation


def _fresh(
    latest: PublishedCatalogue | None, base: ReachableOffers, generation: int | None
) -> PublishedCatalogue | None:
    """`latest` when it is of this generation and open-data catalogue, else None."""
    if latest is None or generation is None or latest.generation != generation:
        return None
    return latest if latest.base is base else None


def _read_published(base: ReachableOffers, generation: int | None) -> PublishedCatalogue:
    state = get_state()
    with state.store.read() as session:
        offers, _ = search_stored_offers(session, OfferFilter())
        records = [offer_to_record(o) for o in offers]
        posted = tuple(
            PostedOffer(
                kind=o.kind,
                themes=frozenset(o.themes),
                timings=tuple((t.begin_at, t.end_at) for t in o.timings),
            )
            for o in offers
        )
    frame = offers_frame_from_records(records, licence=state.config.licence)
    catalogue = base.with_offers(frame)
    position = {k: i for i, k in enumerate(catalogue.offers["offer_id"].astype(str).tolist())}
    rows = np.array([position[str(r["offer_id"])] for r in records], dtype=np.int64)
    return PublishedCatalogue(generation, base, catalogue, posted, rows, frame)


def posted_offers_kept(published: PublishedCatalogue, selection: OfferSelection) -> BoolArray:
    """Which posted offers the store's search keeps for `selection` (one per ``posted``).

    The rules of :func:`geoservice.web.contributions.posted_offers_frame`: a kind among the
    categories asked for, a theme among those asked for, and for dates a timing overlapping
    ``[date_from or date, date_to]`` (Europe/Paris days), or no timing for a non-event.
    """
    low, high = TIMING_YEARS
    date_from = max(
        (d for d in (selection.date_from, selection.on_date) if d is not None), default=None
    )
    date_to = selection.date_to
    for name, day in (("date_from", date_from), ("date_to", date_to)):
        if day is not None and not low <= day.year <= high:
            raise InvalidParameterError(name, f"must be between the years {low} and {high}")
    begin_limit = _day_bound(date_from, time.min)
    end_limit = _day_bound(date_to, time.max)
    categories, themes = set(selection.categories), set(selection.themes)
    keep = np.ones(len(published.posted), dtype=bool)
    for i, offer in enumerate(published.posted):
        wrong_kind = bool(categories) and offer.kind not in categories
        if wrong_kind or (themes and not themes & offer.themes):
            keep[i] = False
        elif begin_limit is not None or end_limit is not None:
            keep[i] = (offer.kind != "event" and not offer.timings) or any(
                (begin_limit is None or end >= begin_limit)
                and (end_limit is None or begin <= end_limit)
                for begin, end in offer.timings
            )
    return keep


def _day_bound(day: date | None, at: time) -> datetime | None:
    return None if day is None else datetime.combine(day, at, LOCAL_TIMEZONE)


def catalogue_and_mask(
    runtime: Runtime, selection: OfferSelection, *, field: str = "network"
) -> tuple[PublishedCatalogue, BoolArray]:
    """The request's published catalogue and the offers of its ``catalogue`` `selection` keeps.

    The catalogue holds every published posted offer (it is the one kept between
    requests); the mask drops the posted offers the store's search would not have returned,
    then applies :func:`~geoservice.core.offer_selection.select_offers` to every offer. Read
    every row of the answer from this one object (another request may replace the kept one).
    """
    published = published_catalogue(runtime, field)
    mask = select_offers(published.catalogue.offers, selection)
    if len(published.posted):
        kept = posted_offers_kept(published, selection)
        mask[published.posted_rows[~kept]] = False
    return published, mask


def request_catalogue(
    runtime: Runtime, selection: OfferSelection, *, field: str = "network"
) -> ReachableOffers:
    """Open-data and published posted offers as one catalogue.

    Holds only the posted offers `selection` may keep (its themes, kinds and dates, the dates
    checked against every timing); the catalogue still holds every open-data offer, so that
    callers select on it with :func:`~geoservice.core.offer_selection.select_offers`
    whatever the source.
    """
    published = published_catalogue(runtime, field)
    kept = posted_offers_kept(published, selection)
    if kept.all():
        return published.catalogue
    return published.base.with_offers(published.frame[kept].reset_index(drop=True))
