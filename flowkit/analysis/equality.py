"""Equality of result objects by their figures, NaN included, on every supported Python.

Python 3.13's dataclasses compare field by field (``a.x == b.x``), where earlier
versions compared tuples of fields, which treat the very same NaN object as equal
to itself. Results whose unknown figures are NaN (a time limit no step has) would
then be equal on one Python and not on another; :func:`same_figures` makes the
rule explicit: two figures are equal when ``==`` says so or both are NaN.

Examples
--------
>>> import math
>>> from flowkit.analysis.equality import same_figures
>>> same_figures((1.0, math.nan), (1.0, float("nan")))
True
>>> same_figures({"days": math.nan}, {"days": 2.0})
False
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

__all__ = ["dataclass_eq", "figures_hash", "same_figures"]


def _is_nan(x: object) -> bool:
    """True for a float (Python or NumPy) that is NaN."""
    return isinstance(x, float | np.floating) and math.isnan(x)


def same_figures(a: object, b: object) -> bool:
    """``a == b``, with NaN equal to NaN, inside tuples, lists and dicts too."""
    if _is_nan(a) or _is_nan(b):
        return _is_nan(a) and _is_nan(b)
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return (
            type(a) is type(b)
            and len(a) == len(b)
            and all(same_figures(x, y) for x, y in zip(a, b, strict=True))
        )
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_figures(a[k], b[k]) for k in a)
    return bool(a == b)


def _compared(obj: Any) -> tuple[object, ...]:
    """The values of a dataclass's fields that take part in comparison."""
    return tuple(getattr(obj, f.name) for f in dataclasses.fields(obj) if f.compare)


def dataclass_eq(self: Any, other: object) -> bool:
    """``__eq__`` of a result dataclass: same class and :func:`same_figures` field by field."""
    if other.__class__ is not self.__class__:
        return NotImplemented
    return same_figures(_compared(self), _compared(other))


def _hashable(x: object) -> object:
    """A hashable stand-in for a figure: one value for every NaN, tuples for containers."""
    if _is_nan(x):
        return "nan"
    if isinstance(x, tuple | list):
        return tuple(_hashable(v) for v in x)
    if isinstance(x, dict):
        return tuple(sorted((repr(k), _hashable(v)) for k, v in x.items()))
    return x


def figures_hash(obj: Any) -> int:
    """A hash consistent with :func:`dataclass_eq` (every NaN hashes alike)."""
    return hash((obj.__class__.__qualname__, _hashable(_compared(obj))))
