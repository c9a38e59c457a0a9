"""Durations and their distributions.

A duration is written as text (``30min``, ``3wd``, ``exp(30min)``,
``tri(10min, 20min, 40min)`` …) or in a structured form
(``{dist: triangular, low: 10min, mode: 20min, high: 40min}``) and becomes one
of the frozen models of the :data:`Duration` union, discriminated by ``dist``.
Every distribution stores its parameters as numbers in one ``unit``:

==========  ===========================================================
unit        meaning
==========  ===========================================================
``min``     minutes
``h``       hours
``d``       calendar days (24 h); not allowed for ``work``
``w``       weeks (7 d); not allowed for ``work``
``wd``      working days: in ``work`` one working day of hours, in a
            ``wait`` a count of working days of the calendar
==========  ===========================================================

Values of one distribution written in several elapsed units
(``tri(30min, 1h, 2h)``) are converted to the finest of them; ``wd`` cannot be
mixed with another unit, because its length depends on the calendar.

The models and their arithmetic live in :mod:`flowkit.model.duration_values`, the
text grammar in :mod:`flowkit.model.duration_grammar` (which imports the values,
never the other way round); this module gathers both under the one name the rest
of flowkit imports them by (``ZERO``, ``_Dist``, ``Unit`` and ``DurationError``
too, outside ``__all__``).
"""

from __future__ import annotations

from ..errors import DurationError as DurationError
from .duration_grammar import Duration, parse_duration
from .duration_values import ZERO as ZERO
from .duration_values import (
    Constant,
    Empirical,
    Exponential,
    LogNormal,
    Normal,
    Sum,
    Triangular,
    Uniform,
    add_durations,
    format_duration,
)
from .duration_values import Unit as Unit
from .duration_values import _Dist as _Dist

__all__ = [
    "Constant",
    "Duration",
    "Empirical",
    "Exponential",
    "LogNormal",
    "Normal",
    "Sum",
    "Triangular",
    "Uniform",
    "add_durations",
    "format_duration",
    "parse_duration",
]
