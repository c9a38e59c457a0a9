"""The sizes a process may have: caps that keep every figure finite and every run bounded.

A process file is data from anyone; a number that is valid for Python can still
make flowkit allocate a million million staff slots, overflow a date or loop at
one instant forever. Each cap here is far beyond any real service, so it refuses
only mistakes and attacks; the file format documents them (``docs/format.md``).

Examples
--------
>>> MAX_STAFF, MAX_DURATION_YEARS, (MIN_YEAR, MAX_YEAR)
(10000, 100, (1900, 2200))
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

__all__ = [
    "MAX_DURATION_MINUTES",
    "MAX_DURATION_YEARS",
    "MAX_FEE",
    "MAX_PER_DAY",
    "MAX_STAFF",
    "MAX_YEAR",
    "MIN_YEAR",
    "check_date",
    "check_duration_size",
]

#: staff of one department (a 政务服务中心 has tens to hundreds of windows)
MAX_STAFF = 10_000
#: cases arriving per day at one process
MAX_PER_DAY = 1_000_000.0
#: a fee of one step, in yuan
MAX_FEE = 1e12
#: the longest duration (work, wait, limit, any parameter of a distribution)
MAX_DURATION_YEARS = 100
MAX_DURATION_MINUTES = MAX_DURATION_YEARS * 365.25 * 1440.0
#: the years a date of a process file may lie in (simulation clocks hold 1677–2262)
MIN_YEAR, MAX_YEAR = 1900, 2200

#: minutes of each unit; a working day is at most a whole day
_MINUTES = {"min": 1.0, "h": 60.0, "d": 1440.0, "w": 10080.0, "wd": 1440.0}


def _numbers(tree: Any, unit: str) -> list[tuple[float, str]]:
    """Every number of a dumped distribution, with the unit it is in."""
    if isinstance(tree, dict):
        unit = str(tree.get("unit", unit))
        return [x for k, v in tree.items() if k not in ("unit", "dist") for x in _numbers(v, unit)]
    if isinstance(tree, list | tuple):
        return [x for v in tree for x in _numbers(v, unit)]
    if isinstance(tree, int | float) and not isinstance(tree, bool):
        return [(float(tree), unit)]
    return []


def check_duration_size(dist: Any) -> str | None:
    """Why a duration is too long to compute with (a sentence), or None.

    Examples
    --------
    >>> from flowkit import parse_duration
    >>> check_duration_size(parse_duration("3wd")) is None
    True
    >>> check_duration_size(parse_duration("1e300h"))
    'is longer than 100 years: write a duration of at most 36525d'
    """
    values = _numbers(dist.model_dump(), "h")
    try:
        values.append((float(dist.mean()), dist.unit))
    except (OverflowError, ValueError):
        values.append((math.inf, "min"))
    for x, unit in values:
        if not math.isfinite(x) or abs(x) * _MINUTES.get(unit, 1.0) > MAX_DURATION_MINUTES:
            days = int(MAX_DURATION_MINUTES / 1440)
            return f"is longer than {MAX_DURATION_YEARS} years: write a duration of at most {days}d"
    return None


def check_date(value: dt.date) -> str | None:
    """Why a date is outside the years a process may use, or None.

    Examples
    --------
    >>> check_date(dt.date(2026, 1, 5)) is None
    True
    >>> check_date(dt.date(1, 1, 1))
    'year 1 is outside 1900–2200: write a date of these years'
    """
    if MIN_YEAR <= value.year <= MAX_YEAR:
        return None
    return f"year {value.year} is outside {MIN_YEAR}–{MAX_YEAR}: write a date of these years"
