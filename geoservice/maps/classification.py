"""Classes of a set of times: mapclassify schemes, NaN apart, colours and labels.

Classes are computed with mapclassify on the finite values; NaN and ±inf (nothing
reachable) get a class of their own, :data:`UNREACHABLE_CLASS`.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import mapclassify
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import to_hex

from geoservice.errors import InvalidParameterError

#: The class index of values that are NaN / inf (nothing reachable).
UNREACHABLE_CLASS: Final = -1

#: The classification schemes offered, by their mapclassify names.
SCHEMES: Final = ("FisherJenks", "Quantiles", "EqualInterval", "UserDefined")

DEFAULT_PALETTE: Final = "viridis_r"


@dataclass(frozen=True)
class Classification:
    """Classes of a set of values, NaN kept apart.

    Attributes
    ----------
    scheme
        The mapclassify scheme used.
    yb
        Class index of each input value, in input order: ``0 .. k-1``, or
        :data:`UNREACHABLE_CLASS` for NaN / inf. For the finite values it is mapclassify's
        ``yb`` on those values.
    bins
        Upper bound of each class, inclusive (mapclassify's ``bins``); same unit as the values.
    lower
        Smallest finite value (lower bound of class 0, inclusive); None when there is none.
    """

    scheme: str
    yb: np.ndarray
    bins: tuple[float, ...]
    lower: float | None

    @property
    def k(self) -> int:
        """Number of classes of finite values (may be below the requested k)."""
        return len(self.bins)

    @property
    def counts(self) -> tuple[int, ...]:
        """Number of values in each class."""
        return tuple(int(np.count_nonzero(self.yb == i)) for i in range(self.k))

    @property
    def n_unreachable(self) -> int:
        """Number of NaN / inf values."""
        return int(np.count_nonzero(self.yb == UNREACHABLE_CLASS))

    def bounds(self) -> list[tuple[float, float]]:
        """``(lower, upper)`` of each class; a class holds ``lower < v <= upper``
        (class 0: ``lower <= v <= upper``)."""
        if self.lower is None:
            return []
        # With user bounds the smallest value may lie above the first bound (class 0 empty).
        lowers = [min(self.lower, self.bins[0]), *self.bins[:-1]]
        return list(zip(lowers, self.bins, strict=True))


def classify_values(
    values: Sequence[float] | np.ndarray | pd.Series,
    scheme: str = "FisherJenks",
    k: int = 5,
    bins: Sequence[float] | None = None,
) -> Classification:
    """Classify values with mapclassify, NaN and ±inf in a class of their own.

    Parameters
    ----------
    values
        Numbers in any unit; NaN / inf mean "no value" (unreachable) and get
        :data:`UNREACHABLE_CLASS`.
    scheme
        One of :data:`SCHEMES`.
    k
        Wanted number of classes (1–12). Lowered to the number of distinct finite values when
        there are fewer (mapclassify cannot do more).
    bins
        Upper class bounds, increasing, same unit as `values`; required with ``UserDefined``
        (mapclassify adds the maximum as a last bound when it is above the last bin).

    Returns
    -------
    Classification
        Classes in input order. With no finite value, no class (``k == 0``); with a single
        distinct value, one class holding them all.
    """
    if scheme not in SCHEMES:
        raise InvalidParameterError("scheme", f"unknown classification {scheme!r}", SCHEMES)
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= 12:
        raise InvalidParameterError("k", f"number of classes must be 1–12, got {k!r}")
    try:
        if isinstance(values, pd.Series):  # nullable dtypes: pd.NA becomes NaN
            y = values.to_numpy(dtype=float, na_value=np.nan)
        else:
            y = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as e:
        raise InvalidParameterError("values", f"values must be numbers ({e})") from e
    if y.ndim != 1:
        raise InvalidParameterError("values", f"values must be one-dimensional, got {y.shape}")
    finite = np.isfinite(y)
    yb = np.full(y.shape, UNREACHABLE_CLASS, dtype=int)
    user_bins = _check_bins(bins) if scheme == "UserDefined" else None
    if not finite.any():
        return Classification(scheme=scheme, yb=yb, bins=(), lower=None)
    y_fin = y[finite]
    n_distinct = len(np.unique(y_fin))
    if n_distinct == 1 and scheme != "UserDefined":
        # mapclassify refuses a constant array (EqualInterval raises); one class is the answer.
        yb[finite] = 0
        return Classification(scheme=scheme, yb=yb, bins=(float(y_fin[0]),), lower=float(y_fin[0]))
    with warnings.catch_warnings():
        # FisherJenks falls back to pure Python without numba (fast enough for a few
        # thousand zones); Quantiles merges equal quantiles when values repeat and says so:
        # both are expected here, and the effective k is reported by the result.
        warnings.filterwarnings("ignore", message="Numba not installed", category=UserWarning)
        warnings.filterwarnings("ignore", message="Not enough unique values", category=UserWarning)
        if scheme == "UserDefined":
            classifier = mapclassify.UserDefined(y_fin, bins=list(user_bins or ()))
        else:
            cls = getattr(mapclassify, scheme)
            classifier = cls(y_fin, k=min(int(k), n_distinct))
    yb[finite] = np.asarray(classifier.yb, dtype=int)
    return Classification(
        scheme=scheme,
        yb=yb,
        bins=tuple(float(b) for b in classifier.bins),
        lower=float(y_fin.min()),
    )


def _check_bins(bins: Sequence[float] | None) -> list[float]:
    if bins is None or len(bins) == 0:
        raise InvalidParameterError("bins", "the UserDefined scheme needs bins (upper bounds)")
    try:
        out = [float(b) for b in bins]
    except (TypeError, ValueError) as e:
        raise InvalidParameterError("bins", f"bins must be numbers, got {list(bins)!r}") from e
    if not all(math.isfinite(b) for b in out) or any(a >= b for a, b in itertools.pairwise(out)):
        raise InvalidParameterError("bins", f"bins must be finite and increasing, got {out}")
    return out


def palette_colors(n: int, palette: str = DEFAULT_PALETTE) -> list[str]:
    """`n` hex colours sampled evenly along a matplotlib colormap, first = shortest time.

    Parameters
    ----------
    n
        Number of colours (0 gives an empty list).
    palette
        A matplotlib colormap name; default ``viridis_r`` (light yellow → dark purple).
    """
    try:
        cmap = colormaps[palette]
    except KeyError as e:
        raise InvalidParameterError("palette", f"unknown colormap {palette!r}") from e
    if n <= 0:
        return []
    if n == 1:
        return [to_hex(cmap(0.5))]
    return [to_hex(cmap(t)) for t in np.linspace(0.0, 1.0, n)]


def class_labels(bounds: list[tuple[float, float]]) -> list[str]:
    """Labels ``"12–25 min"`` with as few decimals as keep consecutive bounds distinct."""
    edges = [b for pair in bounds for b in pair]
    decimals = 0
    for decimals in range(3):  # the loop variable is the result
        rounded = [round(e, decimals) for e in sorted(set(edges))]
        if len(set(rounded)) == len(rounded):
            break
    labels = []
    for i, (low, high) in enumerate(bounds):
        lo, hi = f"{low:.{decimals}f}", f"{high:.{decimals}f}"
        if lo != hi:
            labels.append(f"{lo}–{hi} min")
        else:  # a class of one value, or an empty first class below a user bound
            labels.append(f"≤ {hi} min" if i == 0 and len(bounds) > 1 else f"{hi} min")
    return labels
