"""Working calendars: opening hours, working weekdays, holidays and 调休.

A :class:`Calendar` says when offices work. The default is Monday to Friday,
``09:00-12:00`` and ``13:30-17:30`` (7 working hours a day), no holidays.
``calendar: always`` is 24/7. ``holidays: china`` uses the official public
holidays and make-up working days (调休) of mainland China, from the maintained
``chinese-calendar`` package when it is installed.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import warnings
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..errors import CalendarWarning
from .limits import check_date

__all__ = ["ALWAYS", "Calendar", "china_holiday_years", "uncovered_years", "warn_uncovered"]

_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_WEEKDAY_NAMES = {
    "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7,
    "周一": 1, "周二": 2, "周三": 3, "周四": 4, "周五": 5, "周六": 6, "周日": 7, "周天": 7,
    "星期一": 1, "星期二": 2, "星期三": 3, "星期四": 4, "星期五": 5, "星期六": 6, "星期日": 7,
}


def parse_weekday(value: Any) -> int:
    """``1``…``7`` (ISO, Monday = 1) or a name (``mon``, ``周二``)."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a weekday: use 1 (Monday) to 7 (Sunday)")
    if isinstance(value, int):
        if 1 <= value <= 7:
            return value
        raise ValueError(f"{value!r} is not a weekday: use 1 (Monday) to 7 (Sunday)")
    if isinstance(value, str):
        key = value.strip().lower()
        if key[:3] in _WEEKDAY_NAMES:
            return _WEEKDAY_NAMES[key[:3]]
        if key in _WEEKDAY_NAMES:
            return _WEEKDAY_NAMES[key]
        if key.isdigit():
            return parse_weekday(int(key))
    raise ValueError(f"{value!r} is not a weekday: use 1 (Monday) to 7 (Sunday)")


def parse_interval(text: Any) -> tuple[int, int]:
    """``'09:00-12:00'`` -> minutes after midnight ``(540, 720)``."""
    if not isinstance(text, str):
        hint = ""
        if isinstance(text, int):
            hint = " (YAML read a time such as 13:30 as a number: quote it, '13:30-17:30')"
        raise ValueError(f"{text!r} is not a time range such as '09:00-12:00'{hint}")
    m = _HOURS.match(text)
    if not m:
        raise ValueError(f"'{text}' is not a time range such as '09:00-12:00'")
    h1, m1, h2, m2 = (int(x) for x in m.groups())
    a, b = h1 * 60 + m1, h2 * 60 + m2
    if m1 >= 60 or m2 >= 60 or a > 24 * 60 or b > 24 * 60:
        raise ValueError(f"'{text}' is not a time of day range (00:00 to 24:00)")
    if a >= b:
        raise ValueError(f"'{text}' ends before it starts: write the earlier time first")
    return a, b


def china_holiday_years() -> tuple[int, int] | None:
    """The first and last year the installed holiday data covers, or None if absent."""
    try:
        from chinese_calendar.constants import holidays
    except ImportError:  # pragma: no cover - depends on the environment
        return None
    years = [d.year for d in holidays]
    return min(years), max(years)


class Calendar(BaseModel):
    """When offices work.

    Parameters
    ----------
    hours : tuple of str
        Opening intervals of a working day, ``'HH:MM-HH:MM'``, in order, not overlapping.
    weekdays : tuple of int
        Working weekdays, ISO numbers (1 = Monday … 7 = Sunday).
    holidays : ``'china'`` or tuple of ``'china'`` and dates
        ``'china'``: mainland China's public holidays and 调休 working days;
        explicit closed dates; or both, ``['china', '2027-02-08']`` (the official
        days plus the dates listed, e.g. a year the data does not cover yet).
    workdays : tuple of dates
        Extra working dates (调休: a weekend day made a working day); they win over
        the weekdays and over every holiday.

    Examples
    --------
    >>> c = Calendar()
    >>> c.hours_per_day, c.weekdays
    (7.0, (1, 2, 3, 4, 5))
    >>> ALWAYS.hours_per_day
    24.0
    >>> c.is_workday(dt.date(2026, 1, 10))   # a Saturday
    False
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    hours: tuple[str, ...] = Field(default=("09:00-12:00", "13:30-17:30"), min_length=1)
    weekdays: tuple[int, ...] = Field(default=(1, 2, 3, 4, 5), min_length=1)
    holidays: Literal["china"] | tuple[Literal["china"] | dt.date, ...] = ()
    workdays: tuple[dt.date, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _always(cls, data: Any) -> Any:
        if isinstance(data, str):
            if data.strip().lower() in ("always", "24/7", "24x7"):
                return {"hours": ["00:00-24:00"], "weekdays": [1, 2, 3, 4, 5, 6, 7]}
            raise ValueError(
                f"'{data}' is not a calendar: write 'always' or a mapping with hours, "
                "weekdays, holidays"
            )
        if isinstance(data, dict) and data.get("holidays") in (None, "none", []):
            data = {k: v for k, v in data.items() if k != "holidays"}
        return data

    @field_validator("hours", mode="before")
    @classmethod
    def _hours(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list | tuple):
            raise ValueError(f"{v!r} is not a list of time ranges such as ['09:00-12:00']")
        spans = [parse_interval(x) for x in v]
        for (a1, b1), (a2, b2) in itertools.pairwise(spans):
            if a2 < b1:
                raise ValueError(
                    f"time ranges overlap or are out of order at "
                    f"'{_hhmm(a1)}-{_hhmm(b1)}' and '{_hhmm(a2)}-{_hhmm(b2)}': list them in "
                    "order, each ending before the next starts"
                )
        return tuple(f"{_hhmm(a)}-{_hhmm(b)}" for a, b in spans)

    @field_validator("weekdays", mode="before")
    @classmethod
    def _weekdays(cls, v: Any) -> Any:
        if not isinstance(v, list | tuple):
            v = [v]
        days = sorted({parse_weekday(x) for x in v})
        return tuple(days)

    @field_validator("holidays", mode="before")
    @classmethod
    def _holidays(cls, v: Any) -> Any:
        if isinstance(v, str):
            if _is_china(v):
                return "china"
            raise ValueError(f"'{v}' is not a holiday set: use 'china' or a list of dates")
        if isinstance(v, list | tuple):
            china = any(isinstance(x, str) and _is_china(x) for x in v)
            dates = [x for x in v if not (isinstance(x, str) and _is_china(x))]
            for x in dates:
                if isinstance(x, bool | int | float):
                    raise ValueError(
                        f"{x!r} is not a date: write dates as 2027-02-08 (or 'china' for the "
                        "official holidays)"
                    )
            if china:
                return "china" if not dates else ("china", *dates)
        return v

    @field_validator("holidays", mode="after")
    @classmethod
    def _sorted_holidays(cls, v: Any) -> Any:
        if isinstance(v, tuple):
            dates = sorted({x for x in v if isinstance(x, dt.date)})
            _check_dates(dates)
            return ("china", *dates) if "china" in v else tuple(dates)
        return v

    @field_validator("workdays", mode="after")
    @classmethod
    def _sorted_workdays(cls, v: tuple[dt.date, ...]) -> tuple[dt.date, ...]:
        _check_dates(v)
        return tuple(sorted(set(v)))

    @property
    def uses_china(self) -> bool:
        """True when the official holidays of mainland China apply (alone or with dates)."""
        return self.holidays == "china" or (
            isinstance(self.holidays, tuple) and "china" in self.holidays
        )

    @cached_property
    def intervals(self) -> tuple[tuple[int, int], ...]:
        """Opening intervals in minutes after midnight."""
        return tuple(parse_interval(h) for h in self.hours)

    @cached_property
    def minutes_per_day(self) -> float:
        """Working minutes in one working day."""
        return float(sum(b - a for a, b in self.intervals))

    @property
    def hours_per_day(self) -> float:
        """Working hours in one working day (7 by default, 24 for ``always``)."""
        return self.minutes_per_day / 60.0

    @property
    def workdays_per_week(self) -> int:
        """Number of working weekdays (5 by default, 7 for ``always``)."""
        return len(self.weekdays)

    @property
    def is_always(self) -> bool:
        """True for the 24/7 calendar."""
        return self == ALWAYS

    @cached_property
    def _closed(self) -> frozenset[dt.date]:
        if isinstance(self.holidays, tuple):
            return frozenset(x for x in self.holidays if isinstance(x, dt.date))
        return frozenset()

    @cached_property
    def _open(self) -> frozenset[dt.date]:
        return frozenset(self.workdays)

    def is_workday(self, day: dt.date) -> bool:
        """Whether offices open on ``day``.

        Listed ``workdays`` open, listed holiday dates close; then, with
        ``holidays: china``, the official calendar decides; a year outside its data
        falls back to the working weekdays (silently here: :func:`flowkit.simulate`
        and :func:`flowkit.compare` warn once per call, see :func:`uncovered_years`).

        Examples
        --------
        >>> c = Calendar(holidays="china")
        >>> c.is_workday(dt.date(2025, 10, 1)), c.is_workday(dt.date(2025, 9, 28))
        (False, True)
        """
        if day in self._open:
            return True
        if day in self._closed:
            return False
        if self.uses_china:
            verdict = _china_day(day)
            if verdict is not None:
                return verdict
        return day.isoweekday() in self.weekdays


def _is_china(text: str) -> bool:
    return text.strip().lower() in ("china", "cn", "中国")


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _check_dates(dates: Iterable[dt.date]) -> None:
    """Refuse a date outside the years a process may use (a ``ValueError`` for pydantic)."""
    for day in dates:
        wrong = check_date(day)
        if wrong is not None:
            raise ValueError(f"'{day}': {wrong}")


def _china_day(day: dt.date) -> bool | None:
    """True/False from the official calendar, None where there is no data (falls back).

    Silent: :func:`uncovered_years` tells the caller which years fell back, so that a
    run warns once, at its end (see :func:`flowkit.simulate`).
    """
    try:
        import chinese_calendar
    except ImportError:  # pragma: no cover - depends on the environment
        return None
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def uncovered_years(calendars: Iterable[Calendar], first: dt.date, last: dt.date) -> list[int]:
    """Years from ``first`` to ``last`` that ``holidays: china`` has no official data for.

    Only calendars that use the official holidays count; the dates a calendar lists
    itself never make a year covered.

    Examples
    --------
    >>> c = Calendar(holidays=["china", "2027-02-08"])
    >>> uncovered_years([c], dt.date(2026, 12, 1), dt.date(2027, 3, 1))
    [2027]
    >>> uncovered_years([Calendar()], dt.date(2026, 12, 1), dt.date(2027, 3, 1))
    []
    """
    if not any(c.uses_china for c in calendars):
        return []
    span = china_holiday_years()
    years = range(first.year, last.year + 1)
    if span is None:
        return list(years)
    return [y for y in years if not span[0] <= y <= span[1]]


def calendar_warning_message(years: Sequence[int]) -> str:
    """The text of the :class:`~flowkit.CalendarWarning` for years without holiday data."""
    span = china_holiday_years()
    cover = f"covers {span[0]}-{span[1]}" if span else "is not installed (chinese-calendar)"
    listed = ", ".join(str(y) for y in years)
    return (
        f"holidays: china has no official data for {listed} (the holiday data {cover}); "
        f"those years count only the working weekdays and the dates the calendar lists. "
        f"To fix it, list that year's public holidays under holidays (e.g. holidays: "
        f"[china, {years[0]}-01-01]) and its make-up working days (调休) under workdays"
    )


def warn_uncovered(years: Sequence[int], stacklevel: int = 2) -> None:
    """Warn :class:`~flowkit.CalendarWarning` once for ``years`` (nothing when empty)."""
    if years:
        warnings.warn(calendar_warning_message(sorted(set(years))), CalendarWarning,
                      stacklevel=stacklevel + 1)


ALWAYS = Calendar(hours=("00:00-24:00",), weekdays=(1, 2, 3, 4, 5, 6, 7))
