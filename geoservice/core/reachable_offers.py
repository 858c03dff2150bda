"""The offer catalogue: every offer a ranking or search reads, with its travel tables.

One :class:`ReachableOffers` holds the open-data offers with their per-mode egress tables,
built once at start-up. :meth:`ReachableOffers.with_offers` adds the published posted offers of
a request: their egress tables are computed then (a few offers), the open-data ones are reused,
and the result is one catalogue that every ranking (road, transit, nearest) reads the same way.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cached_property
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geoservice.core.egress import (
    EdgeTable,
    OfferEgress,
    concat_egress,
    edge_table_from_network,
    offer_egress_from_frame,
)
from geoservice.core.geojson import feature_collection_from_frame
from geoservice.core.nearest_offers import (
    NearestTable,
    merge_nearest_tables,
    nearest_table_from_egress,
)
from geoservice.core.network import RoadNetwork
from geoservice.core.offer_selection import BoolArray, kind_members
from geoservice.core.offers import OFFER_COLUMNS
from geoservice.core.routing import FloatArray, IntArray

NearestKey = tuple[str, tuple[str, ...], tuple[str, ...]]


class ReachableOffers:
    """The offer catalogue with its per-mode egress tables: what rankings read per request.

    Parameters
    ----------
    network
        The road network.
    offers
        The offers (EPSG:4326 points, :data:`geoservice.core.offers.OFFER_COLUMNS`); kept
        sorted by ``offer_id``, so that position order breaks ties.
    eager
        Build every mode's tables now (start-up) rather than on first use.
    themes, categories
        The kinds of :func:`geoservice.core.reachable.nearest_offer_per_kind` whose tables are
        built with `eager`.
    """

    def __init__(
        self,
        network: RoadNetwork,
        offers: gpd.GeoDataFrame,
        *,
        eager: bool = True,
        themes: Sequence[str] = (),
        categories: Sequence[str] = (),
    ) -> None:
        self.network = network
        self.offers = offers.sort_values("offer_id", kind="stable", ignore_index=True)
        #: Catalogues this one is the union of, with their offers' positions here (empty for
        #: a catalogue built from a frame).
        self.parts: tuple[tuple[ReachableOffers, IntArray], ...] = ()
        self._egress: dict[str, OfferEgress] = {}
        self._edges: dict[str, EdgeTable] = {}
        self._nearest: dict[NearestKey, NearestTable] = {}
        self._lock = threading.Lock()
        #: Per-offer tables other modules derive from these offers (the transit walk table,
        #: stops × offers seconds), built once and kept with the catalogue.
        self.derived: dict[str, FloatArray] = {}
        if eager:
            for mode in network.modes:
                self.tables(mode)
                if themes or categories:
                    self.nearest_table(mode, themes, categories)

    def with_offers(self, extra: gpd.GeoDataFrame) -> ReachableOffers:
        """This catalogue and the offers of `extra` (EPSG:4326, same columns) as one.

        The tables of this catalogue are reused; those of `extra` are built on first use. No
        extra offer: this catalogue itself.
        """
        if extra.empty:
            return self
        part = ReachableOffers(self.network, extra, eager=False)
        both = pd.concat(
            [self.offers.assign(_part=0), part.offers.assign(_part=1)], ignore_index=True
        )
        order = np.argsort(both["offer_id"].astype(str).to_numpy(), kind="stable")
        position = np.empty(len(both), dtype=np.int64)
        position[order] = np.arange(len(both))
        frame = gpd.GeoDataFrame(
            both.iloc[order].drop(columns="_part"), geometry="geometry", crs=self.offers.crs
        )
        union = ReachableOffers(self.network, frame, eager=False)
        n = len(self.offers)
        union.parts = ((self, position[:n]), (part, position[n:]))
        return union

    def tables(self, mode: str) -> tuple[OfferEgress, EdgeTable]:
        """Egress and edge tables of `mode` (built once, thread-safe)."""
        net = self.network.mode(mode)
        if self.parts:
            tables = [(p.tables(mode), position) for p, position in self.parts]
        with self._lock:
            if mode not in self._egress:
                if self.parts:
                    parts = [(egress, position) for (egress, _), position in tables]
                    self._egress[mode] = concat_egress(parts, len(self.offers))
                    self._edges[mode] = tables[0][0][1]
                else:
                    self._egress[mode] = offer_egress_from_frame(net, self.offers)
                    self._edges[mode] = edge_table_from_network(net)
            return self._egress[mode], self._edges[mode]

    def members(self, themes: Sequence[str], categories: Sequence[str]) -> BoolArray:
        """``(kinds, offers)``: which offers have each theme, then each category."""
        return kind_members(self.offers, themes, categories)

    def nearest_table(
        self, mode: str, themes: Sequence[str], categories: Sequence[str]
    ) -> NearestTable:
        """The nearest-offer table of `mode` for these kinds (built once, thread-safe)."""
        egress, _ = self.tables(mode)
        key = (mode, tuple(themes), tuple(categories))
        if self.parts:
            parts = [(p.nearest_table(mode, themes, categories), pos) for p, pos in self.parts]
        with self._lock:
            if key not in self._nearest:
                members = self.members(themes, categories)
                if self.parts:
                    self._nearest[key] = merge_nearest_tables(parts, members)
                else:
                    net = self.network.mode(mode)
                    self._nearest[key] = nearest_table_from_egress(net, egress, members)
            return self._nearest[key]

    @cached_property
    def features(self) -> list[dict[str, Any]]:
        """The offers as GeoJSON Features (:data:`OFFER_COLUMNS`), in catalogue order."""
        if self.parts:
            out: list[dict[str, Any]] = [{} for _ in range(len(self.offers))]
            for part, position in self.parts:
                for i, feature in zip(position.tolist(), part.features, strict=True):
                    out[i] = feature
            return out
        collection = feature_collection_from_frame(
            self.offers, columns=OFFER_COLUMNS, id_column="offer_id"
        )
        features: list[dict[str, Any]] = collection["features"]
        return features
