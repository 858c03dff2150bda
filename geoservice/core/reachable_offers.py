"""The offer catalogue: every offer a ranking or search reads, with its travel tables.

One :class:`ReachableOffers` holds the open-data offers with their per-mode egress tables,
built once at start-up. :meth:`ReachableOffers.with_offers` adds the published posted offers of
a request: their egress tables are computed then (a few offers), the open-data ones are reused,
and the result is one catalogue that every ranking (road, transit, nearest) reads the same way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
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
    travel_times_from_points,
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
    edges_from
        A catalogue on the same network whose edge tables to share (they depend on the
        network only).
    """

    def __init__(
        self,
        network: RoadNetwork,
        offers: gpd.GeoDataFrame,
        *,
        eager: bool = True,
        themes: Sequence[str] = (),
        categories: Sequence[str] = (),
        edges_from: ReachableOffers | None = None,
    ) -> None:
        self.network = network
        self.edges_from = edges_from
        self.offers = offers.sort_values("offer_id", kind="stable", ignore_index=True)
        #: Catalogues this one is the union of, with their offers' positions here (empty for
        #: a catalogue built from a frame).
        self.parts: tuple[tuple[ReachableOffers, IntArray], ...] = ()
        self._egress: dict[str, OfferEgress] = {}
        self._edges: dict[str, EdgeTable] = {}
        self._nearest: dict[NearestKey, NearestTable] = {}
        self._per_offer: dict[Hashable, FloatArray] = {}
        self._lock = threading.Lock()
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
        part = ReachableOffers(self.network, extra, eager=False, edges_from=self)
        both = pd.concat(
            [self.offers.assign(_part=0), part.offers.assign(_part=1)], ignore_index=True
        )
        order = np.argsort(both["offer_id"].astype(str).to_numpy(), kind="stable")
        position = np.empty(len(both), dtype=np.int64)
        position[order] = np.arange(len(both))
        frame = gpd.GeoDataFrame(
            both.iloc[order].drop(columns="_part"), geometry="geometry", crs=self.offers.crs
        )
        union = ReachableOffers(self.network, frame, eager=False, edges_from=self)
        n = len(self.offers)
        union.parts = ((self, position[:n]), (part, position[n:]))
        return union

    def tables(self, mode: str) -> tuple[OfferEgress, EdgeTable]:
        """Egress and edge tables of `mode` (built once, thread-safe)."""
        net = self.network.mode(mode)
        edges = self.edge_table(mode)
        if self.parts:
            parts = [(p.tables(mode)[0], position) for p, position in self.parts]
        with self._lock:
            if mode not in self._egress:
                if self.parts:
                    self._egress[mode] = concat_egress(parts, len(self.offers))
                else:
                    self._egress[mode] = offer_egress_from_frame(net, self.offers)
            return self._egress[mode], edges

    def edge_table(self, mode: str) -> EdgeTable:
        """Length and ref of the router edges of `mode` (built once, shared with `edges_from`)."""
        if self.edges_from is not None:
            return self.edges_from.edge_table(mode)
        net = self.network.mode(mode)
        with self._lock:
            if mode not in self._edges:
                self._edges[mode] = edge_table_from_network(net)
            return self._edges[mode]

    def per_offer_table(
        self, key: Hashable, build: Callable[[ReachableOffers], FloatArray]
    ) -> FloatArray:
        """A read-only ``(rows, offers)`` table derived from these offers, built once.

        Other modules keep what they derive from the offers here (the transit ranking's
        stop → offer walks), under a `key` of theirs. A union with posted offers builds it
        from its parts' tables: the open-data part's is built once, the posted part's (a few
        columns) per request.
        """
        with self._lock:
            cached = self._per_offer.get(key)
        if cached is not None:
            return cached
        if self.parts:
            tables = [(p.per_offer_table(key, build), position) for p, position in self.parts]
            table = np.full((tables[0][0].shape[0], len(self.offers)), np.inf)
            for part_table, position in tables:
                table[:, position] = part_table
        else:
            table = np.asarray(build(self), dtype=float)
        table.setflags(write=False)
        with self._lock:
            return self._per_offer.setdefault(key, table)

    def times_from_points(
        self, mode: str, x_m: FloatArray, y_m: FloatArray, *, limit_s: float
    ) -> FloatArray:
        """``(points, offers)`` door-to-door seconds by `mode` from points of EPSG:2154.

        The ranking's travel model (:func:`geoservice.core.reachable.offer_travel_times`),
        computed by one reverse search per offer: cheap for a few offers and many points.
        ``inf`` beyond `limit_s` and from points outside the network's coverage.
        """
        egress, _ = self.tables(mode)
        return travel_times_from_points(self.network.mode(mode), egress, x_m, y_m, limit_s=limit_s)

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
