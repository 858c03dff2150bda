"""The offer catalogue of a request: open-data offers and the published posted offers.

Every ranking endpoint (``/reachable`` by road and transit, ``/reachable/nearest``, the
travel-time filter of ``/offers``) reads one :class:`~geoservice.core.reachable_offers.
ReachableOffers`: the open-data catalogue built at start-up, joined with the published posted
offers the store holds now (their egress tables computed per request: they are few).
"""

from __future__ import annotations

from geoservice.core.offer_selection import OfferSelection
from geoservice.core.offers import OfferQuery
from geoservice.core.reachable_offers import ReachableOffers
from geoservice.errors import InvalidParameterError
from geoservice.runtime import Runtime
from geoservice.web.contributions import posted_offers_frame


def open_data_catalogue(runtime: Runtime, field: str = "network") -> ReachableOffers:
    """The open-data offers with their start-up tables (400 naming `field` without a network)."""
    if runtime.reachable is None or runtime.network is None:
        raise InvalidParameterError(field, "no road network is loaded")
    return runtime.reachable


def request_catalogue(
    runtime: Runtime, selection: OfferSelection, *, field: str = "network"
) -> ReachableOffers:
    """Open-data and published posted offers as one catalogue.

    The store is asked only for the posted offers `selection` may keep (its themes, kinds
    and dates, the dates checked against every timing); the catalogue still holds every
    open-data offer, so that callers select on it with
    :func:`~geoservice.core.offer_selection.select_offers` whatever the source.
    """
    base = open_data_catalogue(runtime, field)
    posted = posted_offers_frame(
        OfferQuery(themes=selection.themes, categories=selection.categories),
        date_from=max(
            (d for d in (selection.date_from, selection.on_date) if d is not None), default=None
        ),
        date_to=selection.date_to,
    )
    return base.with_offers(posted)
