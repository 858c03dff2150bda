"""Which offers a request is about: the one selection by theme, category (kind) and dates.

Every ranking and search (``/offers``, ``/reachable`` by road and transit,
``/reachable/nearest``, the accessibility tables and scenarios) selects its offers here, over
the one catalogue of open-data and published posted offers. A posted offer's *kind* (event,
venue, work, skill, resource) is its ``category``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from geoservice.core.offer_dates import offers_on_date, offers_open_between
from geoservice.errors import InvalidParameterError

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class OfferSelection:
    """A filter of offers; an empty field does not filter.

    Raises
    ------
    InvalidParameterError
        `date_to` is before `date_from` (naming ``date_to``).

    Attributes
    ----------
    themes
        Offers with any of these themes.
    categories
        Offers of any of these categories (open-data categories and posted kinds).
    date_from, date_to
        Offers that may take place between these days, both included (see
        :func:`geoservice.core.offer_dates.offers_open_between`).
    on_date
        Offers that are a thing to do that day: festivals in season, posted offers with a
        timing that day or later, permanent venues (see
        :func:`geoservice.core.offer_dates.offers_on_date`).
    """

    themes: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    on_date: date | None = None

    def __post_init__(self) -> None:
        if (
            self.date_from is not None
            and self.date_to is not None
            and self.date_to < self.date_from
        ):
            msg = f"date_to {self.date_to} is before date_from {self.date_from}"
            raise InvalidParameterError("date_to", msg)


def select_offers(offers: pd.DataFrame, selection: OfferSelection) -> BoolArray:
    """Which rows of `offers` (``themes``, ``category``, ``period`` columns) `selection` keeps."""
    n = len(offers)
    keep = np.ones(n, dtype=bool)
    if selection.categories:
        wanted_categories = set(selection.categories)
        keep &= np.fromiter(
            (c in wanted_categories for c in offers["category"]), dtype=bool, count=n
        )
    if selection.themes:
        wanted_themes = set(selection.themes)
        keep &= np.fromiter(
            (bool(wanted_themes.intersection(ts)) if ts is not None else False
             for ts in offers["themes"]),
            dtype=bool,
            count=n,
        )  # fmt: skip
    if selection.date_from is not None or selection.date_to is not None:
        keep &= offers_open_between(offers, selection.date_from, selection.date_to)
    if selection.on_date is not None:
        keep &= offers_on_date(offers, selection.on_date)
    return keep


def kind_members(
    offers: pd.DataFrame, themes: Sequence[str], categories: Sequence[str]
) -> BoolArray:
    """``(kinds, offers)``: the offers of each theme, then of each category."""
    selections = [OfferSelection(themes=(t,)) for t in themes]
    selections += [OfferSelection(categories=(c,)) for c in categories]
    rows = [select_offers(offers, s) for s in selections]
    return np.array(rows, dtype=bool).reshape(len(rows), len(offers))
