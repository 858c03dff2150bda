"""A polynomial stand-in for one pyproj transformation over a bounded area, checked on fit.

Reprojecting a band's vertices with pyproj costs ≈ 0.4 µs a point (≈ 0.35 ms for a
900-vertex band), a third of the population step's budget. Over a few hundred kilometres the
map from Lambert-93 (EPSG:2154) to ETRS89-LAEA (EPSG:3035) is smooth: a bivariate
polynomial of degree 6 fitted on a grid of exact points reproduces it within a fraction of a
millimetre. :class:`ProjectionFit` measures its largest error on independent points when it
is built and is used only where that error is below the stated tolerance; points outside
its box go through pyproj. The polynomials are evaluated by a compiled loop (numba,
``cache=True``, on first use).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit
from pyproj import Transformer

FloatArray = npt.NDArray[np.float64]

#: Degree of the fitted polynomials.
DEGREE = 6
#: Exact points per side of the fitting grid, and random points checking the fit.
FIT_SIDE = 60
CHECK_POINTS = 20_000
#: Largest error (m) accepted; above it every point goes through pyproj.
TOLERANCE_M = 0.001
#: The same for a geographic target (degrees): 1e-8° is ≈ 1.1 mm of latitude.
TOLERANCE_DEG = 1e-8


@njit(cache=True)
def _evaluate(
    x: FloatArray,
    y: FloatArray,
    cx: float,
    cy: float,
    scale: float,
    coef_x: FloatArray,
    coef_y: FloatArray,
    degree: int,
) -> tuple[FloatArray, FloatArray]:
    """The two polynomials at every point (terms ``u^i v^j``, i + j ≤ degree, in the order
    of :meth:`ProjectionFit._terms`), compiled: no term matrix is built."""
    n = len(x)
    gx, gy = np.empty(n), np.empty(n)
    v_pow = np.empty(degree + 1)
    for k in range(n):
        u, v = (x[k] - cx) / scale, (y[k] - cy) / scale
        v_pow[0] = 1.0
        for j in range(1, degree + 1):
            v_pow[j] = v_pow[j - 1] * v
        sx, sy, u_i, t = 0.0, 0.0, 1.0, 0
        for i in range(degree + 1):
            for j in range(degree + 1 - i):
                term = u_i * v_pow[j]
                sx += term * coef_x[t]
                sy += term * coef_y[t]
                t += 1
            u_i *= u
        gx[k], gy[k] = sx, sy
    return gx, gy


class ProjectionFit:
    """``transformer`` (always_xy) over the box ``(xmin, ymin, xmax, ymax)`` of its source CRS,
    as two polynomials of degree :data:`DEGREE`.

    Attributes
    ----------
    max_error_m
        Largest distance (target CRS units: metres, or degrees for a geographic target)
        between the polynomial and pyproj on :data:`CHECK_POINTS` random points of the box
        (fixed seed).
    exact
        True when the fit is not used (error above `tolerance`, :data:`TOLERANCE_M` unless
        given, in the target's units).
    """

    def __init__(
        self,
        transformer: Transformer,
        box: tuple[float, float, float, float],
        tolerance: float = TOLERANCE_M,
    ) -> None:
        self.transformer = transformer
        self.box = box
        xmin, ymin, xmax, ymax = box
        self._cx, self._cy = 0.5 * (xmin + xmax), 0.5 * (ymin + ymax)
        self._scale = max(0.5 * (xmax - xmin), 0.5 * (ymax - ymin), 1.0)
        xs, ys = np.meshgrid(np.linspace(xmin, xmax, FIT_SIDE), np.linspace(ymin, ymax, FIT_SIDE))
        gx, gy = self._exact(xs.ravel(), ys.ravel())
        terms = self._terms(xs.ravel(), ys.ravel())
        self._coef_x: FloatArray = np.asarray(np.linalg.lstsq(terms, gx, rcond=None)[0], np.float64)
        self._coef_y: FloatArray = np.asarray(np.linalg.lstsq(terms, gy, rcond=None)[0], np.float64)
        rng = np.random.default_rng(3035)
        cx, cy = rng.uniform(xmin, xmax, CHECK_POINTS), rng.uniform(ymin, ymax, CHECK_POINTS)
        ex, ey = self._exact(cx, cy)
        px, py = self._polynomial(cx, cy)
        self.max_error_m = float(np.max(np.hypot(px - ex, py - ey)))
        self.exact = not self.max_error_m <= tolerance

    def _exact(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        gx, gy = self.transformer.transform(x, y)
        return np.asarray(gx, dtype=np.float64), np.asarray(gy, dtype=np.float64)

    def _terms(self, x: FloatArray, y: FloatArray) -> FloatArray:
        u, v = (x - self._cx) / self._scale, (y - self._cy) / self._scale
        u_pow, v_pow = [np.ones_like(u)], [np.ones_like(v)]
        for _ in range(DEGREE):
            u_pow.append(u_pow[-1] * u)
            v_pow.append(v_pow[-1] * v)
        return np.column_stack(
            [u_pow[i] * v_pow[j] for i in range(DEGREE + 1) for j in range(DEGREE + 1 - i)]
        )

    def _polynomial(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        return _evaluate(
            np.ascontiguousarray(x, dtype=np.float64),
            np.ascontiguousarray(y, dtype=np.float64),
            self._cx,
            self._cy,
            self._scale,
            self._coef_x,
            self._coef_y,
            DEGREE,
        )

    def transform(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        """The points in the target CRS: the polynomial inside the box (within
        :attr:`max_error_m`), pyproj for any point outside it or when :attr:`exact`."""
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        xmin, ymin, xmax, ymax = self.box
        if self.exact or len(x) == 0:
            return self._exact(x, y)
        if x.min() >= xmin and x.max() <= xmax and y.min() >= ymin and y.max() <= ymax:
            return self._polynomial(x, y)
        gx, gy = self._polynomial(x, y)
        out = (x < xmin) | (x > xmax) | (y < ymin) | (y > ymax)
        gx[out], gy[out] = self._exact(x[out], y[out])
        return gx, gy
