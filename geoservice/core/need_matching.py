"""Matching a project's needs with posted skills, resources and venues, by travel time.

A need matches an offer when the offer's kind is one the need's kind accepts
(:data:`NEED_OFFER_KINDS`) and the offer's text contains at least one of the need's search
words (:func:`need_search_words`) as a word prefix — the text search itself is the store's
(the caller hands over the candidates of each need). Matches are ranked by door-to-door
travel time from the project's place to the offer, nearer first, with the ranking's travel
model (:func:`geoservice.core.reachable.offer_travel_times`): the times are those
``/reachable`` gives from the same point.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from geoservice.core.reachable import offer_travel_times, route_to_offer
from geoservice.core.reachable_offers import ReachableOffers
from geoservice.core.routing import FloatArray, IntArray

#: Offer kinds (``category`` of posted offers) that can answer each kind of need.
NEED_OFFER_KINDS: Mapping[str, tuple[str, ...]] = {
    "skill": ("skill",),
    "volunteers": ("skill",),
    "resource": ("resource", "venue"),
    "venue": ("venue", "resource"),
    "transport": ("resource",),
}
#: Short French words that say nothing of what is needed.
STOP_WORDS: frozenset[str] = frozenset(
    [
        "les",
        "des",
        "une",
        "pour",
        "par",
        "avec",
        "sans",
        "sur",
        "dans",
        "aux",
        "ses",
        "leurs",
        "nos",
        "vos",
        "qui",
        "que",
        "est",
        "sont",
        "pas",
        "plus",
        "tres",
        "bien",
        "notre",
        "votre",
        "cette",
        "ces",
        "tout",
        "tous",
        "toute",
        "toutes",
        "entre",
        "chez",
    ]
)
#: Words kept in a need's search: this long at least ("son" is a need, "de" is not).
MIN_WORD_LENGTH = 3
_WORD = re.compile(r"\w+")


def need_search_words(text: str) -> list[str]:
    """The words a need is searched by: lower case, accents dropped, stop words and words
    shorter than :data:`MIN_WORD_LENGTH` left out, each once, in order.

    ``son`` stays although it is also a possessive: in a need it is the sound.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    out: list[str] = []
    for word in _WORD.findall(plain):
        if len(word) >= MIN_WORD_LENGTH and word not in STOP_WORDS and word not in out:
            out.append(word)
    return out


@dataclass(frozen=True)
class NeedCandidates:
    """A need and the offers its words found (``offer_id`` → words matched)."""

    need_id: int
    candidates: Mapping[str, Collection[str]]


@dataclass(frozen=True)
class NeedMatch:
    """An offer answering a need, and how far it is from the project."""

    offer_id: str
    row: int
    travel_time_s: float
    distance_m: float
    matched_words: tuple[str, ...]


def road_travel_times(
    catalogue: ReachableOffers,
    mode: str,
    origin_m: tuple[float, float],
    rows: IntArray,
    *,
    limit_s: float,
) -> tuple[FloatArray, FloatArray]:
    """Door-to-door times (s) and distances (m) by road from `origin_m` (EPSG:2154) to the
    catalogue rows `rows`: ``inf`` beyond `limit_s`. The ranking's computation, so equal to
    ``/reachable``'s."""
    times = offer_travel_times(catalogue, mode, *origin_m, limit_s=limit_s, rows=rows)
    distance = np.full(len(rows), np.inf)
    for i in np.flatnonzero(np.isfinite(times.travel_time_s)).tolist():
        distance[i] = route_to_offer(times, int(i)).distance_m
    return np.asarray(times.travel_time_s, dtype=float), distance


def rank_need_matches(
    needs: Sequence[NeedCandidates],
    offer_ids: Sequence[str],
    rows: IntArray,
    travel_time_s: FloatArray,
    distance_m: FloatArray,
    *,
    limit: int | None = None,
) -> dict[int, list[NeedMatch]]:
    """For each need: its candidates reached (finite time), nearer first, ties by id.

    Parameters
    ----------
    needs
        The needs and their candidate offers.
    offer_ids, rows, travel_time_s, distance_m
        One entry per candidate offer of any need: its id, catalogue row, time (s, ``inf``
        when not reached) and distance (m).
    limit
        Most matches kept per need.
    """
    by_id = {
        offer_id: (int(row), float(t), float(d))
        for offer_id, row, t, d in zip(
            offer_ids, np.asarray(rows).tolist(), travel_time_s, distance_m, strict=True
        )
    }
    out: dict[int, list[NeedMatch]] = {}
    for need in needs:
        found = [
            NeedMatch(offer_id, *by_id[offer_id], tuple(sorted(words)))
            for offer_id, words in need.candidates.items()
            if offer_id in by_id and np.isfinite(by_id[offer_id][1])
        ]
        found.sort(key=lambda m: (m.travel_time_s, m.offer_id))
        out[need.need_id] = found if limit is None else found[:limit]
    return out
