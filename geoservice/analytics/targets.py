"""What an accessibility figure is about: a theme of the vocabulary or an offer category."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from geoservice.core.offer_selection import BoolArray, OfferSelection, select_offers
from geoservice.core.offers import CATEGORIES
from geoservice.errors import InvalidParameterError
from geoservice.settings import Settings

TARGET_TYPES = ("theme", "category")


@dataclass(frozen=True)
class Target:
    """What a figure is about: a theme of the vocabulary or an offer category."""

    type: str
    value: str

    def mask(self, offers: pd.DataFrame) -> BoolArray:
        """Which offers (rows of `offers`) belong to the target."""
        return select_offers(offers, self.selection)

    @property
    def selection(self) -> OfferSelection:
        """The offers of the target, as the one selection of offers."""
        if self.type == "category":
            return OfferSelection(categories=(self.value,))
        return OfferSelection(themes=(self.value,))

    def label(self, settings: Settings) -> str:
        """The name maps give it: a theme's ``[themes.labels]`` entry, else the value."""
        if self.type == "theme":
            return str(settings.get(f"themes.labels.{self.value}", self.value))
        return self.value


def all_targets(vocabulary: Sequence[str]) -> list[Target]:
    """Every theme of the vocabulary, then every category."""
    return [Target("theme", t) for t in vocabulary] + [Target("category", c) for c in CATEGORIES]


def target_from_args(theme: str | None, category: str | None, vocabulary: Sequence[str]) -> Target:
    """The one target named by a request (exactly one of `theme`, `category`)."""
    if (theme is None) == (category is None):
        raise InvalidParameterError("theme", "give exactly one of theme or category")
    if theme is not None:
        if theme not in vocabulary:
            raise InvalidParameterError("theme", f"unknown theme {theme!r}", allowed=vocabulary)
        return Target("theme", theme)
    if category not in CATEGORIES:
        raise InvalidParameterError(
            "category", f"unknown category {category!r}", allowed=CATEGORIES
        )
    return Target("category", str(category))
