"""Site suggestions: greedy maximal coverage of the population left beyond a threshold.

Candidates are the communes (a venue or a mobile-service stop at the commune's origin point).
Commune ``i`` is *covered* by candidate ``j`` when the time from ``i`` to ``j``'s point is at
most the threshold. Starting from the communes currently beyond the threshold, each step picks
the candidate covering the most not-yet-covered inhabitants (ties: the smaller INSEE code),
and marks them covered. Greedy selection is the classic ``1 − 1/e`` approximation of maximal
coverage (Church & ReVelle 1974; Nemhauser, Wolsey & Fisher 1978); its first pick is optimal
for ``k = 1``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from geoservice.core.routing import FloatArray
from geoservice.errors import InvalidParameterError


@dataclass(frozen=True)
class SuggestionStep:
    """One greedy pick.

    Attributes
    ----------
    rank
        1 for the first pick.
    code, name
        The commune chosen.
    gain_population
        Inhabitants newly within the threshold thanks to this pick.
    covered_communes
        Codes of the communes newly covered.
    cumulative_population
        Inhabitants newly covered by picks 1..rank.
    remaining_population
        Inhabitants still beyond the threshold after this pick.
    """

    rank: int
    code: str
    name: str
    gain_population: int
    covered_communes: list[str] = field(default_factory=list)
    cumulative_population: int = 0
    remaining_population: int = 0


def coverage_gain(
    times_s: FloatArray,
    uncovered: npt.NDArray[np.bool_],
    population: npt.NDArray[np.int64],
    threshold_s: float,
) -> npt.NDArray[np.int64]:
    """Inhabitants of uncovered communes each candidate would cover (one value per column)."""
    covers = times_s <= threshold_s
    return np.asarray((covers & uncovered[:, np.newaxis]).T @ population, dtype=np.int64)


def suggest_sites(
    times_s: FloatArray,
    current_time_s: FloatArray,
    population: npt.NDArray[np.int64],
    codes: list[str],
    names: list[str],
    *,
    threshold_minutes: float,
    k: int,
) -> list[SuggestionStep]:
    """Greedy maximal coverage.

    Parameters
    ----------
    times_s
        Communes × candidate communes travel times (s): row ``i`` is the origin.
    current_time_s
        Each commune's time to its nearest existing offer (``nan``/``inf``: none).
    population
        Inhabitants per commune.
    codes, names
        Commune codes (sorted) and names, in row/column order.
    threshold_minutes
        Coverage threshold.
    k
        Number of picks at most; the search stops early when no candidate gains anyone.
    """
    if k < 1:
        raise InvalidParameterError("k", f"k {k} must be ≥ 1")
    threshold_s = threshold_minutes * 60
    current = np.nan_to_num(np.asarray(current_time_s, dtype=float), nan=np.inf)
    uncovered = current > threshold_s
    steps: list[SuggestionStep] = []
    cumulative = 0
    for rank in range(1, k + 1):
        gain = coverage_gain(times_s, uncovered, population, threshold_s)
        best = int(np.argmax(gain))  # first maximum: smallest code
        if gain[best] <= 0:
            break
        newly = uncovered & (times_s[:, best] <= threshold_s)
        uncovered = uncovered & ~newly
        cumulative += int(gain[best])
        steps.append(
            SuggestionStep(
                rank=rank,
                code=codes[best],
                name=names[best],
                gain_population=int(gain[best]),
                covered_communes=[codes[i] for i in np.flatnonzero(newly)],
                cumulative_population=cumulative,
                remaining_population=int(population[uncovered].sum()),
            )
        )
    return steps
