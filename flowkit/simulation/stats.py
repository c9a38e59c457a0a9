"""Confidence intervals: across replications (t), or by batch means within one run."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["batch_means", "mean_ci", "t_quantile"]


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
