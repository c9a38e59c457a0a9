"""Confidence intervals: across replications (t), or by batch means within one run."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["MSER_BATCH", "MSER_MIN_TAIL", "batch_means", "mean_ci", "mser_truncation", "settles",
           "t_quantile"]

MSER_BATCH = 5  # MSER-5: the series is averaged in batches of 5 cases first
MSER_MIN_TAIL = 10  # truncation points leave at least this many batches


def t_quantile(df: int, level: float = 0.95) -> float:
    """Two-sided Student t quantile (``inf`` with no degrees of freedom).

    Examples
    --------
    >>> round(t_quantile(4), 3)
    2.776
    """
    if df <= 0:
        return math.inf
    from scipy.stats import t

    return float(t.ppf(0.5 + level / 2, df))


def mean_ci(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and its t confidence interval from independent values (replication means).

    Examples
    --------
    >>> m, lo, hi = mean_ci(np.array([1.0, 2.0, 3.0]))
    >>> m, round(hi - m, 3)
    (2.0, 2.484)
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if n == 1:
        return m, math.nan, math.nan
    half = t_quantile(n - 1, level) * float(x.std(ddof=1)) / math.sqrt(n)
    return m, m - half, m + half


def batch_means(values: np.ndarray, batches: int = 20) -> np.ndarray:
    """Means of ``batches`` consecutive, equal batches (the tail that does not fit is dropped).

    With one long run, batch means are nearly independent when batches are long
    compared with the correlation of consecutive cases; a t interval over them
    estimates the run mean's uncertainty.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    k = min(batches, len(x) // 2)
    if k < 2:
        return x
    size = len(x) // k
    return x[: size * k].reshape(k, size).mean(axis=1)


def mser_truncation(values: np.ndarray, batch: int = MSER_BATCH,
                    min_tail: int = MSER_MIN_TAIL) -> tuple[int, int]:
    """MSER-``batch`` truncation point: ``(d, m)``, the batches to drop and the batches.

    The series is averaged in ``m`` batches of ``batch`` values; ``d`` minimises
    MSER(d) = Σ_{j>d} (y_j − ȳ_d)² ÷ (m − d)² over d = 0 … m − ``min_tail`` (White,
    1997): the marginal standard error of the mean of what is kept. A tail shorter
    than ``min_tail`` batches is never chosen (a very short tail has a small
    residual sum by chance). ``(0, m)`` when there are fewer than 2 × ``min_tail``
    batches (too short to judge).

    Examples
    --------
    >>> mser_truncation(np.ones(500))                       # flat: keep everything
    (0, 100)
    >>> mser_truncation(np.arange(500.0))[0] > 50           # a trend: drop most of it
    True
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    m = len(x) // batch
    if m < 2 * min_tail:
        return 0, m
    y = x[: m * batch].reshape(m, batch).mean(axis=1)
    # suffix sums: tail j..m-1 for every j
    s1 = np.cumsum(y[::-1])[::-1]
    s2 = np.cumsum((y * y)[::-1])[::-1]
    k = np.arange(m, 0, -1, dtype=float)  # length of each tail
    sse = np.maximum(s2 - s1 * s1 / k, 0.0)
    mser = sse / (k * k)
    last = m - min_tail  # d may go up to here
    d = int(np.argmin(mser[: last + 1]))
    return d, m


def settles(values: np.ndarray, better: str | None = "lower") -> bool:
    """Whether a per-case series in arrival order reaches a steady level.

    The rule: the run does **not** settle when the MSER-5 truncation point
    (:func:`mser_truncation`) lies in the second half of the run *and* the part
    MSER keeps is worse on average than the first half (higher when ``better`` is
    ``"lower"`` or ``None``, lower when it is ``"higher"``). A queue that grows
    without bound has its smallest marginal error at its worst, latest stretch; a
    stationary queue can also end in a calm stretch that MSER prefers, but that
    stretch is better than the start, not worse. A series too short to judge
    (under 100 values) counts as settled. See ``docs/simulation.md`` for the
    measured false-alarm rates.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> settles(rng.exponential(1.0, 1000)), settles(np.arange(1000.0))
    (True, False)
    >>> settles(np.arange(1000.0), better="higher")         # rising is getting better
    True
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    d, m = mser_truncation(x)
    if d <= m / 2:
        return True
    y = x[: m * MSER_BATCH].reshape(m, MSER_BATCH).mean(axis=1)
    kept, head = float(y[d:].mean()), float(y[: m // 2].mean())
    worse = kept < head if better == "higher" else kept > head
    return not worse
