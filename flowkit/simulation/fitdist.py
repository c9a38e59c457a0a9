"""Distributions fitted to observations: method of moments, family by KS distance.

The fitted mean is the observed mean whatever the family; the family is chosen by
the smallest Kolmogorov–Smirnov distance among exponential, lognormal and
triangular; when even the best is rejected at the 5 % level (D > 1.36/√n,
n ≥ 20) the distribution becomes ``empirical`` over 20 quantiles. Constant
observations give a constant; fewer than 5 give their mean as a constant; when at
least 90 % are equal (a constant with a few stragglers that queued), that common
value is the constant. Nothing here draws random numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np

from ..model.durations import Constant, Empirical, Exponential, LogNormal, Triangular, _Dist

__all__ = ["Fit", "fit_distribution", "round_sig", "same_distribution"]

_MIN_FIT = 5  # fewer observations: the mean, as a constant
_MIN_KS = 20  # fewer: no goodness-of-fit rejection
_QUANTILES = 20  # points of an empirical fallback
_POINT_MASS = 0.9  # share of equal observations that makes a constant
_KS_ALPHA_COEF = 1.36  # 5 % critical value of the KS statistic, times sqrt(n)


@dataclass
class Fit:
    """A fitted distribution, its family, its KS distance to the data, and a note."""


    dist: _Dist
    family: str
    ks: float
    note: str = ""


def round_sig(x: float, digits: int = 4) -> float:
    """``x`` rounded to ``digits`` significant digits.

    Examples
    --------
    >>> round_sig(123.456), round_sig(0.0012345)
    (123.5, 0.001234)
    """
    if x == 0 or not math.isfinite(x):
        return float(x)
    return round(x, max(0, digits - 1 - math.floor(math.log10(abs(x)))))


def _ks(x: np.ndarray, cdf: Any) -> float:
    """The Kolmogorov–Smirnov distance of observations ``x`` to ``cdf``."""
    from scipy import stats

    return float(stats.kstest(x, cdf).statistic)


def fit_distribution(x: np.ndarray, unit: str, scale: float) -> Fit:
    """A distribution for observations ``x`` (in minutes, or wd), written in ``unit``.

    ``scale`` divides the observations into ``unit`` (60 for minutes -> h).
    """
    from scipy import stats

    n = len(x)
    m = float(np.mean(x))
    sd = float(np.std(x, ddof=1)) if n > 1 else 0.0
    u = unit

    def q(v: float) -> float:
        return round_sig(v / scale)

    if n < _MIN_FIT:
        return Fit(Constant(value=q(max(m, 0.0)), unit=u), "constant", math.nan,
                    f"{n} observation(s): fewer than {_MIN_FIT}, the mean as a constant")
    if sd <= 1e-9 * max(1.0, abs(m)):
        return Fit(Constant(value=q(max(m, 0.0)), unit=u), "constant", 0.0)
    values, counts = np.unique(x, return_counts=True)
    top = int(np.argmax(counts))
    if counts[top] >= _POINT_MASS * n:  # a constant, with a few stragglers (queueing)
        others = n - int(counts[top])
        return Fit(Constant(value=q(float(values[top])), unit=u), "constant", math.nan,
                    f"{counts[top]} of {n} observations are equal; {others} differ "
                    f"(mean {m / scale:.4g}{u}): the common value")
    lo, hi = float(np.min(x)), float(np.max(x))
    cands: list[tuple[float, str, _Dist]] = []
    if m > 0:
        cands.append((_ks(x, stats.expon(scale=m).cdf), "exponential",
                      Exponential(mean_=q(m), unit=u)))
        s2 = math.log1p((sd / m) ** 2)
        ln = stats.lognorm(s=math.sqrt(s2), scale=math.exp(math.log(m) - s2 / 2))
        cands.append((_ks(x, ln.cdf), "lognormal", LogNormal(mean_=q(m), sd=q(sd), unit=u)))
    if hi > lo:
        a, b, c = _triangular(lo, hi, m, n)
        tri = stats.triang(c=(c - a) / (b - a), loc=a, scale=b - a)
        cands.append((_ks(x, tri.cdf), "triangular",
                      Triangular(low=q(a), mode=q(c), high=q(b), unit=u)))
    d, family, dist = min(cands, key=itemgetter(0))  # stable: ties keep fewer parameters
    crit = _KS_ALPHA_COEF / math.sqrt(n)
    if n >= _MIN_KS and d > crit:
        probs = (np.arange(_QUANTILES) + 0.5) / _QUANTILES
        points = tuple(q(float(v)) for v in np.quantile(x, probs))
        return Fit(Empirical(values=points, unit=u), "empirical", d,
                    f"best family {family} rejected (KS D = {d:.3f} > {crit:.3f}): "
                    f"{_QUANTILES} quantiles")
    return Fit(dist, family, d)


def _triangular(lo: float, hi: float, m: float, n: int) -> tuple[float, float, float]:
    """Low, high and mode of a triangular distribution from the sample's extremes and mean.

    The extremes fall short of the ends: near an end ``t`` away, a triangular has
    ``P = t^2 / K`` (``K = (high - low) * |mode - end|``), so the sample's extreme
    misses it by about ``sqrt(pi K / n) / 2``. Two rounds of that correction, then
    the mode from the mean, ``mode = 3 * mean - low - high`` (moments).
    """
    a, b = lo, hi
    c = min(max(3 * m - a - b, a), b)
    for _ in range(2):
        a = max(lo - 0.5 * math.sqrt(math.pi * (b - a) * (c - a) / n), 0.0)
        b = hi + 0.5 * math.sqrt(math.pi * (b - a) * (b - c) / n)
        c = min(max(3 * m - a - b, a), b)
    return a, b, c


def same_distribution(a: _Dist, b: _Dist, minutes_per_wd: float) -> bool:
    """Whether two distributions are equal up to the 4 significant digits of a fit."""
    if type(a) is not type(b) or (a.unit == "wd") != (b.unit == "wd"):
        return a.is_zero and b.is_zero
    if a.unit != "wd":
        a, b = a.minutes(), b.minutes()
    pa, pb = a._params(), b._params()

    def close(u: Any, v: Any) -> bool:
        if isinstance(u, tuple):
            return len(u) == len(v) and all(close(x, y) for x, y in zip(u, v, strict=True))
        return bool(abs(u - v) <= 5e-4 * max(abs(u), abs(v)) + 1e-12)

    return all(close(pa[k], pb[k]) for k in pa)
